/** `vep election build|verify`: the signed election package. */
import fs from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import type { Command } from 'commander';
import { describeKeySetError, loadPublicKeyFile, ONPE_ROOT_ROLE } from '../crypto/keyset.ts';
import { sha256Hex } from '../crypto/hash.ts';
import { formatDefinitionIssues, loadElectionDefinitionFile } from '../election/definition.ts';
import { buildPackage, describeBuildError, describePackageError, loadVerifiedPackage } from '../election/package.ts';
import { currentSoftwareVersionCode } from '../software/version-code.ts';

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

function fail(command: string, message: string): void {
  process.stderr.write(`vep election ${command}: ${message}\n`);
  process.exitCode = 1;
}

/** Write-then-rename so a reader never sees half a package. */
function writeAtomically(file: string, bytes: Uint8Array): string | undefined {
  const tmp = path.join(path.dirname(file), `.${path.basename(file)}.${randomBytes(6).toString('hex')}.tmp`);
  try {
    fs.writeFileSync(tmp, bytes, { flag: 'wx' });
    fs.renameSync(tmp, file);
    return undefined;
  } catch (e) {
    fs.rmSync(tmp, { force: true });
    return e instanceof Error && 'code' in e && typeof e.code === 'string' ? e.code : String(e);
  }
}

export function registerElectionCommands(program: Command): void {
  const election = program.command('election').description('Build and verify signed election packages');

  election
    .command('build')
    .description(
      'Build the election package from a definition and a key set, signed with the ONPE root key. ' +
        "It authorizes the definition's software codes, this installation's code and any --authorize codes",
    )
    .requiredOption('--definition <file>', 'election definition (JSON)')
    .requiredOption('--keys <dir>', 'key set folder (reads public/ and secret/onpe-root.json)')
    .requiredOption('--out <package>', 'package file to write')
    .option('--authorize <code>', 'also authorize this software version code (repeatable)', collect, [])
    .option('--force', 'overwrite an existing package file', false)
    .action((opts: { definition: string; keys: string; out: string; authorize: string[]; force: boolean }) => {
      if (!opts.force && fs.existsSync(opts.out)) return fail('build', `${opts.out} already exists (use --force to overwrite it)`);
      const definition = loadElectionDefinitionFile(opts.definition);
      if (!definition.ok) {
        return fail('build', `invalid election definition ${opts.definition}:\n${formatDefinitionIssues(definition.error)}`);
      }
      const built = buildPackage(definition.value, opts.keys, opts.authorize);
      if (!built.ok) return fail('build', describeBuildError(built.error));
      const problem = writeAtomically(opts.out, built.value);
      if (problem !== undefined) return fail('build', `cannot write ${opts.out}: ${problem}`);
      process.stdout.write(`Wrote election package ${opts.out}\npackage hash: ${sha256Hex(built.value)}\n`);
      process.exitCode = 0;
    });

  election
    .command('verify')
    .description(
      'Verify an election package against the ONPE root public key (KEYS/public/onpe-root.json only) ' +
        'and print a summary; exit 1 with the reason if anything fails',
    )
    .argument('<package>', 'package file')
    .requiredOption('--keys <dir>', 'key set folder: only public/onpe-root.json is read')
    .action((file: string, opts: { keys: string }) => {
      const root = loadPublicKeyFile(opts.keys, ONPE_ROOT_ROLE);
      if (!root.ok) return fail('verify', describeKeySetError(root.error));
      const verified = loadVerifiedPackage(file, root.value.publicKey);
      if (!verified.ok) return fail('verify', describePackageError(verified.error));
      const { payload, packageHash } = verified.value;
      const own = currentSoftwareVersionCode();
      process.stdout.write(
        [
          `Election package OK: ${file}`,
          `election: ${payload.definition.election.id}${payload.definition.election.simulacro ? ' (simulacro)' : ''}`,
          `mesa: ${payload.definition.mesa.number}`,
          `contests: ${payload.definition.contests.length}`,
          `authorized software codes: ${payload.authorizedSoftware.length}` +
            ` (this installation ${payload.authorizedSoftware.includes(own) ? 'is' : 'is NOT'} authorized)`,
          `package hash: ${packageHash}`,
        ].join('\n') + '\n',
      );
      process.exitCode = 0;
    });
}
