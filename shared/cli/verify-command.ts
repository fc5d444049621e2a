/**
 * `vep verify DEVICE_DIR --keys DIR [--package FILE] [--json]`: the observer tool. Checks every
 * signature, hash chain and log on a consolidation device, and that every file on it is vouched
 * for by a signature (shared/results/device-files.ts), recounts the ballots and compares with the
 * signed acta (see shared/observer/verify-device.ts). Exit 0 only when everything
 * agrees; 1 listing each failure. It only reads the device: evidence is never changed. With
 * `--acta FILE` it also writes the acta de escrutinio rendered from the verified data by the
 * results station's own function, for an observer to compare with the printed copy.
 */
import fs from 'node:fs';
import type { Command } from 'commander';
import { formatDeviceReport, verifyDevice } from '../observer/verify-device.ts';

export function registerVerifyCommand(program: Command): void {
  program
    .command('verify')
    .description(
      'Observer tool: verify a consolidation device (package, cabin results, identity summary, non-voters list, mesa ' +
        'result and member signatures, audit log exports; any other file fails) and recount its ballots against the ' +
        'acta. Exits 0 only when all agree, 1 listing each failure',
    )
    .argument('<device-dir>', 'directory holding the consolidation device files')
    .requiredOption('--keys <dir>', 'key set directory (as written by `vep keys`); only public/onpe-root.json is used')
    .option('--package <file>', 'election package to trust (default: DEVICE_DIR/paquete-electoral.vep)')
    .option('--json', 'print the full report as JSON', false)
    .option('--acta <file>', 'also write the acta de escrutinio rendered from the verified mesa result (plain text, as printed) to FILE, to compare with the paper')
    .action((deviceDir: string, opts: { keys: string; package?: string; json: boolean; acta?: string }) => {
      const report = verifyDevice({ deviceDir, keysDir: opts.keys, ...(opts.package === undefined ? {} : { packagePath: opts.package }) });
      if (opts.acta !== undefined) {
        if (report.actaText === null) {
          process.stderr.write(`vep verify: no acta written to ${opts.acta}: the mesa result did not verify\n`);
        } else {
          fs.writeFileSync(opts.acta, report.actaText);
        }
      }
      if (opts.json) {
        process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
      } else {
        const text = formatDeviceReport(report);
        if (report.ok) process.stdout.write(text);
        else process.stderr.write(text);
      }
      process.exitCode = report.ok ? 0 : 1;
    });
}
