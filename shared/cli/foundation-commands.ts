/** Registers the foundation commands: keys, election package, software code, audit log. */
import type { Command } from 'commander';
import { registerKeysCommands } from './keys-commands.ts';
import { registerElectionCommands } from './election-commands.ts';
import { registerSoftwareCommands } from './software-commands.ts';
import { registerLogCommands } from './log-commands.ts';

export function registerFoundationCommands(program: Command): void {
  registerKeysCommands(program);
  registerElectionCommands(program);
  registerSoftwareCommands(program);
  registerLogCommands(program);
}
