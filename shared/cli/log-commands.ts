/** `vep log ...`: audit log tools. Verification opens the file read-only: evidence is never changed. */
import { InvalidArgumentError, type Command } from 'commander';
import { describeAuditLogProblem, verifyAuditLog, type AuditLogHead } from '../audit/log.ts';

function parseHead(value: string): AuditLogHead {
  const match = /^([0-9]{1,15}):([0-9a-f]{64})$/.exec(value);
  if (!match?.[1] || !match[2]) throw new InvalidArgumentError('expected SEQ:HASH, e.g. 20:<64 lower-case hex digits>');
  return { sequence: Number(match[1]), hash: match[2] };
}

export function registerLogCommands(program: Command): void {
  const log = program.command('log').description('Audit log tools');

  log
    .command('verify')
    .description(
      'Verify a station audit log: recompute every hash and walk the chain. Exits 0 when intact, ' +
        '1 listing each problem (edited, deleted, inserted or reordered entries, broken chain, truncation)',
    )
    .argument('<db>', 'audit log database file')
    .option('--expect-head <seq:hash>', 'head signed in the closing results; detects a truncated or rewritten tail', parseHead)
    .option('--json', 'print the outcome as JSON', false)
    .action((file: string, opts: { expectHead?: AuditLogHead; json: boolean }) => {
      const result = verifyAuditLog(file, opts.expectHead ? { expectedHead: opts.expectHead } : {});
      if (opts.json) {
        const report = result.ok
          ? { intact: true, entries: result.value.entries, head: result.value.head, problems: [] }
          : { intact: false, problems: result.error.map((p) => ({ ...p, description: describeAuditLogProblem(p) })) };
        process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
      } else if (result.ok) {
        const { entries, head } = result.value;
        process.stdout.write(
          `Audit log intact: ${entries} entries, head ${head.sequence}:${head.hash}` +
            `${opts.expectHead ? ' (matches the expected head)' : '\n(no --expect-head given: entries cut off the end cannot be detected)'}\n`,
        );
      } else {
        const lines = result.error.map((p) => `  - ${describeAuditLogProblem(p)}`);
        process.stderr.write(`vep log verify: ${file} FAILED verification (${result.error.length} problem(s)):\n${lines.join('\n')}\n`);
      }
      process.exitCode = result.ok ? 0 : 1;
    });
}
