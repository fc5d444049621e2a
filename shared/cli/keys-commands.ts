/** `vep keys ...`: key sets for simulacros and tests. Never prints a secret key. */
import { InvalidArgumentError, type Command } from 'commander';
import {
  DEFAULT_CABINS,
  DEFAULT_MEMBERS,
  describeKeySetError,
  generateKeySet,
  MAX_CABINS,
  MAX_MEMBERS,
  secretDir,
} from '../crypto/keyset.ts';

function countOption(max: number): (value: string) => number {
  return (value) => {
    if (!/^[0-9]+$/.test(value)) throw new InvalidArgumentError(`expected a whole number from 1 to ${max}`);
    const n = Number(value);
    if (n < 1 || n > max) throw new InvalidArgumentError(`expected a whole number from 1 to ${max}`);
    return n;
  };
}

export function registerKeysCommands(program: Command): void {
  const keys = program.command('keys').description('Manage key sets (ONPE root, computing centre, stations, members)');

  keys
    .command('generate')
    .description(
      'Generate a complete key set for a simulacro or test election: public keys in DIR/public, ' +
        'secret keys in DIR/secret (readable by the owner only)',
    )
    .requiredOption('--out <dir>', 'folder to write the key set into')
    .option('--cabins <n>', 'number of voting cabin keys', countOption(MAX_CABINS), DEFAULT_CABINS)
    .option('--members <n>', 'number of member credentials (member-1..member-N)', countOption(MAX_MEMBERS), DEFAULT_MEMBERS)
    .option('--force', 'replace an existing key set in DIR', false)
    .action((opts: { out: string; cabins: number; members: number; force: boolean }) => {
      const result = generateKeySet(opts.out, { cabins: opts.cabins, members: opts.members, force: opts.force });
      if (!result.ok) {
        process.stderr.write(`vep keys generate: ${describeKeySetError(result.error)}\n`);
        process.exitCode = 1;
        return;
      }
      // Only roles and key ids (a hash of the PUBLIC key) are printed.
      const lines = result.value.roles.map((r) => `  ${r.role.padEnd(14)} ${r.algorithm.padEnd(8)} key ${r.keyId}`);
      process.stdout.write(
        `Generated ${result.value.roles.length} key pairs in ${opts.out}\n${lines.join('\n')}\n` +
          `Secret keys are in ${secretDir(opts.out)}: keep them off the stations' public media.\n`,
      );
      process.exitCode = 0;
    });
}
