/** `vep software-hash`: the software version code that election packages authorize. */
import type { Command } from 'commander';
import path from 'node:path';
import { computeSoftwareVersionCode, REPO_ROOT } from '../software/version-code.ts';

export function registerSoftwareCommands(program: Command): void {
  program
    .command('software-hash')
    .description(
      'Print the software version code: SHA-256 over the program files and the lockfile ' +
        '(see shared/software/version-code.ts for the exact rule and a shell equivalent)',
    )
    .option('--root <dir>', 'root of the program tree to hash (default: this installation)')
    .action((opts: { root?: string }) => {
      const root = opts.root === undefined ? REPO_ROOT : path.resolve(opts.root);
      try {
        process.stdout.write(`${computeSoftwareVersionCode(root)}\n`);
        process.exitCode = 0;
      } catch (e) {
        process.stderr.write(`vep software-hash: cannot hash ${root}: ${e instanceof Error ? e.message : String(e)}\n`);
        process.exitCode = 1;
      }
    });
}
