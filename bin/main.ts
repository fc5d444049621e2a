/**
 * The `vep` command line: one program, one sub-command per job, each with --help.
 * Each area registers its own commands so this file stays a table of contents.
 */
import { Command, CommanderError } from 'commander';
import { registerFoundationCommands } from '../shared/cli/foundation-commands.ts';
import { registerSimCommands } from '../shared/cli/sim-commands.ts';
import { registerStartCommand } from './start-command.ts';
import { registerBoothCommands } from '../booth/cli.ts';
import { registerIdentityCommands } from '../identity-station/cli.ts';
import { registerResultsCommands } from '../results-station/cli.ts';
import { registerVerifyCommand } from '../shared/cli/verify-command.ts';
import { registerCentreCommands } from '../centre/cli.ts';
import { registerTransmissionCommands } from '../transmission-station/cli.ts';

export function buildProgram(): Command {
  const program = new Command('vep')
    .description('Voto electrónico presencial (VEP): stations, simulator and tools for in-person electronic voting')
    .showHelpAfterError()
    .exitOverride();
  registerFoundationCommands(program);
  registerSimCommands(program);
  registerStartCommand(program);
  registerBoothCommands(program);
  registerIdentityCommands(program);
  registerResultsCommands(program);
  registerVerifyCommand(program);
  registerCentreCommands(program);
  registerTransmissionCommands(program);
  return program;
}

/** Runs the CLI and returns the process exit code (never calls process.exit itself). */
export async function main(argv: readonly string[]): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync([...argv]);
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (e) {
    if (e instanceof CommanderError) return e.exitCode;
    throw e;
  }
}
