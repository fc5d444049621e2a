import test, { type ExecutionContext } from 'ava';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { AUDIT_EXPORT_FILE_NAME } from '../shared/audit/export.ts';
import { generateKeySet, loadSigner } from '../shared/crypto/keyset.ts';
import { IDENTITY_SUMMARY_FILE_NAME, NON_VOTERS_FILE_NAME } from '../shared/results/identity-summary.ts';
import { MESA_RESULT_FILE_NAME, PACKAGE_COPY_FILE_NAME, buildMesaResult, sealActaData, signActaAsMember, type ActaData } from '../shared/results/mesa-result.ts';
import { freezeTally } from '../shared/tally/tally.ts';
import { formatDeviceReport, verifyDevice, type DeviceReport } from '../shared/observer/verify-device.ts';
import { checkDeviceFiles } from '../shared/results/device-files.ts';
import { PRIMARIAS2025 } from './helpers/ballots.ts';
import { runCli } from './helpers/cli.ts';
import { buildMesaDevice, type MesaDevice } from './helpers/mesa-device.ts';

interface Base {
  readonly root: string;
  readonly device: MesaDevice;
}

let base: Base | undefined;

test.before(() => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'vep-'));
  const device = buildMesaDevice(path.join(root, 'device'), { keysDir: path.join(root, 'keys') });
  base = { root, device };
});

test.after.always(() => {
  if (base !== undefined) fs.rmSync(base.root, { recursive: true, force: true });
});

function getBase(): Base {
  if (base === undefined) throw new Error('test.before did not run');
  return base;
}

/** A private copy of the base device (tests mutate it). */
function copyDevice(t: ExecutionContext): string {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'vep-'));
  t.teardown(() => fs.rmSync(tmp, { recursive: true, force: true }));
  const dir = path.join(tmp, 'device');
  fs.cpSync(getBase().device.dir, dir, { recursive: true });
  return dir;
}

function verify(dir: string, packagePath?: string): DeviceReport {
  return verifyDevice({ deviceDir: dir, keysDir: getBase().device.keysDir, ...(packagePath === undefined ? {} : { packagePath }) });
}

function failedFiles(report: DeviceReport): Set<string | null> {
  return new Set(report.checks.filter((c) => c.status === 'fail').map((c) => c.file));
}

function failedChecks(report: DeviceReport): Set<string> {
  return new Set(report.checks.filter((c) => c.status === 'fail').map((c) => c.check));
}

test('a complete device verifies: every file passes and nothing is left unchecked', (t) => {
  const { device } = getBase();
  const report = verify(device.dir);
  t.true(report.ok, formatDeviceReport(report));
  t.deepEqual(
    report.checks.filter((c) => c.status !== 'pass'),
    [],
  );
  const passedFiles = new Set(report.checks.filter((c) => c.status === 'pass').map((c) => c.file));
  for (const file of device.files) t.true(passedFiles.has(file), `${file} was checked`);
  const passed = new Set(report.checks.map((c) => c.check));
  for (const check of ['package', 'cabin-results', 'identity-summary', 'mesa-result', 'audit-export', 'nonces-disjoint', 'acta-cabins', 'acta-identity', 'recount', 'reconciliation']) {
    t.true(passed.has(check), check);
  }
  t.deepEqual(report.tally, device.acta.tally);
});

test('flipping one byte anywhere in any file fails the report, naming that file', (t) => {
  const { device } = getBase();
  const dir = copyDevice(t);
  let flips = 0;
  for (const file of device.files) {
    const full = path.join(dir, file);
    const original = new Uint8Array(fs.readFileSync(full));
    const n = original.length;
    // First, quarter, middle, three quarters and last byte, and one inside the signature
    // (envelopes) or last hash (exports).
    const positions = new Set([0, Math.floor(n / 4), Math.floor(n / 2), Math.floor((3 * n) / 4), n - 40, n - 1].filter((p) => p >= 0 && p < n));
    for (const position of positions) {
      const changed = new Uint8Array(original);
      changed[position] = (changed[position] ?? 0) ^ 0x01;
      fs.writeFileSync(full, changed);
      const report = verify(dir);
      t.false(report.ok, `${file} byte ${position}`);
      t.true(failedFiles(report).has(file), `${file} byte ${position}: failures name ${[...failedFiles(report)].join(', ')}`);
      flips += 1;
    }
    fs.writeFileSync(full, original);
  }
  t.true(flips >= device.files.length * 5);
  t.true(device.files.includes(NON_VOTERS_FILE_NAME), 'the non-voters list is among the flipped files');
  // Restored: the copy verifies again (the flips were the only change).
  t.true(verify(dir).ok);
});

test('an acta whose tally was altered and re-signed with the results key is caught by the recount', (t) => {
  const { device } = getBase();
  const dir = copyDevice(t);
  // Move one vote between two organizations of the first contest: the arithmetic still holds,
  // the acta and every signature are valid, only the ballots disagree.
  const tally = device.acta.tally;
  const contest = tally.contests[0];
  if (contest === undefined) return t.fail();
  const from = contest.organizations.findIndex((o) => o.votes > 0 && o.preferential.every((c) => c.votes === 0));
  const to = contest.organizations.findIndex((_, i) => i !== from);
  if (from === -1 || to === -1) return t.fail('the fixture ballots give no organization to move a vote from');
  const organizations = contest.organizations.map((o, i) => (i === from ? { ...o, votes: o.votes - 1 } : i === to ? { ...o, votes: o.votes + 1 } : o));
  const forged: ActaData = { ...device.acta, tally: freezeTally({ ...tally, contests: [{ ...contest, organizations }, ...tally.contests.slice(1)] }) };
  const actaBytes = sealActaData(forged, device.resultsSigner, device.pkg);
  const signatures = [1, 2, 3].map((n) => {
    const member = loadSigner(device.keysDir, `member-${n}`);
    if (!member.ok) throw new Error(JSON.stringify(member.error));
    return signActaAsMember(actaBytes, member.value.seed, `member-${n}`, n === 1 ? 'president' : 'member');
  });
  const mesa = buildMesaResult({ pkg: device.pkg, actaBytes, signatures, auditHead: { sequence: 1, hash: 'a'.repeat(64) }, signer: device.resultsSigner });
  fs.writeFileSync(path.join(dir, MESA_RESULT_FILE_NAME), mesa);
  fs.rmSync(path.join(dir, AUDIT_EXPORT_FILE_NAME('results')));
  const report = verify(dir);
  t.false(report.ok);
  t.deepEqual(failedChecks(report), new Set(['recount']));
  t.regex(report.checks.find((c) => c.check === 'recount')?.message ?? '', /differs from a recount/);
});

test('a missing cabin file that the acta lists fails', (t) => {
  const dir = copyDevice(t);
  fs.rmSync(path.join(dir, 'resultados-cabin-2.vep'));
  const report = verify(dir);
  t.false(report.ok);
  t.true(failedFiles(report).has('resultados-cabin-2.vep'));
  t.true(failedChecks(report).has('recount'));
  t.true(failedChecks(report).has('reconciliation'));
});

test('a file swapped in from another mesa (other keys) or another election (same keys) fails', (t) => {
  const { device } = getBase();
  const dir = copyDevice(t);
  const other = buildMesaDevice(path.join(path.dirname(dir), 'other'), { keysDir: path.join(path.dirname(dir), 'other-keys') });
  fs.copyFileSync(path.join(other.dir, 'resultados-cabin-1.vep'), path.join(dir, 'resultados-cabin-1.vep'));
  const report = verify(dir);
  t.false(report.ok);
  t.true(failedFiles(report).has('resultados-cabin-1.vep'));
  t.regex(report.checks.filter((c) => c.file === 'resultados-cabin-1.vep' && c.status === 'fail').map((c) => c.message).join(), /not a trusted key/);

  const dir2 = copyDevice(t);
  const primarias = buildMesaDevice(path.join(path.dirname(dir2), 'primarias'), { keysDir: device.keysDir, definition: PRIMARIAS2025, ballotsPerCabin: [2] });
  fs.copyFileSync(path.join(primarias.dir, 'resumen-identidad.vep'), path.join(dir2, 'resumen-identidad.vep'));
  const report2 = verify(dir2);
  t.false(report2.ok);
  t.regex(report2.checks.filter((c) => c.file === 'resumen-identidad.vep' && c.status === 'fail').map((c) => c.message).join(), /package/);
  // A whole device of another mesa verified with this mesa's package fails on every signed file.
  const report3 = verify(other.dir, path.join(dir, PACKAGE_COPY_FILE_NAME));
  t.false(report3.ok);
  for (const file of ['resultados-cabin-1.vep', 'resultados-cabin-2.vep', 'resumen-identidad.vep', 'resultado-mesa.vep', PACKAGE_COPY_FILE_NAME]) {
    t.true(failedFiles(report3).has(file), file);
  }
});

test('a used nonce found in two cabins (one activation, two ballots) fails', (t) => {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'vep-'));
  t.teardown(() => fs.rmSync(tmp, { recursive: true, force: true }));
  // Every file is validly signed and self-consistent; only the cross-cabin check can see it.
  const device = buildMesaDevice(path.join(tmp, 'device'), {
    keysDir: getBase().device.keysDir,
    nonceHash: (cabinId, index) => (index === 0 ? 'd'.repeat(64) : `${cabinId === 'cabin-1' ? 'a' : 'b'}${String(index).padStart(63, '0')}`),
  });
  const report = verify(device.dir);
  t.false(report.ok);
  t.deepEqual(failedChecks(report), new Set(['nonces-disjoint']));
  t.regex(report.checks.find((c) => c.check === 'nonces-disjoint')?.message ?? '', /1 used activation nonce hash\(es\) appear in more than one cabin/);
});

test("a cabin whose signed results name a puesta a cero its audit log never recorded fails, at vep verify and at the results station", (t) => {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'vep-'));
  t.teardown(() => fs.rmSync(tmp, { recursive: true, force: true }));
  // Both files are validly signed by cabin-2; only tying the results to the log shows it.
  const device = buildMesaDevice(path.join(tmp, 'device'), { keysDir: getBase().device.keysDir, cabinLoggingOtherZeroReport: 'cabin-2' });
  const report = verify(device.dir);
  t.false(report.ok);
  const failed = report.checks.filter((c) => c.status === 'fail');
  t.deepEqual(failed.map((c) => c.file), [AUDIT_EXPORT_FILE_NAME('cabin-2')]);
  t.regex(failed[0]?.message ?? '', /does not record the puesta a cero/u);

  const files = new Map(fs.readdirSync(device.dir).map((name) => [name, new Uint8Array(fs.readFileSync(path.join(device.dir, name)))]));
  const problems = checkDeviceFiles(files, device.pkg);
  t.deepEqual(problems.map((p) => p.file), [AUDIT_EXPORT_FILE_NAME('cabin-2')]);
});

test('a manual-count device verifies with the recount and absent cabin files as warnings', (t) => {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'vep-'));
  t.teardown(() => fs.rmSync(tmp, { recursive: true, force: true }));
  const device = buildMesaDevice(path.join(tmp, 'device'), { keysDir: getBase().device.keysDir, mode: 'manual-count' });
  t.false(device.files.some((f) => f.startsWith('resultados-')));
  const report = verify(device.dir);
  t.true(report.ok, formatDeviceReport(report));
  const warned = report.checks.filter((c) => c.status === 'warn').map((c) => `${c.check}:${c.file ?? ''}`);
  t.deepEqual(warned.sort(), ['cabin-results:resultados-cabin-1.vep', 'cabin-results:resultados-cabin-2.vep', 'recount:'].sort());
});

test('a missing export and a temporary file are warnings; an unbound export, an unknown file and an unbound non-voters list fail', (t) => {
  const dir = copyDevice(t);
  fs.rmSync(path.join(dir, AUDIT_EXPORT_FILE_NAME('identity')));
  // What a power cut during an atomic write leaves: the driver never lists it, no station reads it.
  fs.writeFileSync(path.join(dir, '.vep-tmp-0123abcd'), 'partial');
  const report = verify(dir);
  t.true(report.ok, formatDeviceReport(report));
  const warned = report.checks.filter((c) => c.status === 'warn').map((c) => c.file);
  t.deepEqual(warned.sort(), [AUDIT_EXPORT_FILE_NAME('identity'), '.vep-tmp-0123abcd'].sort());

  const unknown = copyDevice(t);
  fs.writeFileSync(path.join(unknown, 'notas.txt'), 'hola');
  const unknownReport = verify(unknown);
  t.false(unknownReport.ok);
  t.deepEqual(failedFiles(unknownReport), new Set(['notas.txt']));

  const unbound = copyDevice(t);
  fs.copyFileSync(path.join(unbound, AUDIT_EXPORT_FILE_NAME('results')), path.join(unbound, AUDIT_EXPORT_FILE_NAME('transmission')));
  const unboundReport = verify(unbound);
  t.false(unboundReport.ok);
  t.deepEqual(failedFiles(unboundReport), new Set([AUDIT_EXPORT_FILE_NAME('transmission')]));
  t.regex(unboundReport.checks.find((c) => c.status === 'fail')?.message ?? '', /not bound by any signed file/);

  // Without the identity summary, nothing vouches for its export nor for the non-voters list.
  const noSummary = copyDevice(t);
  fs.rmSync(path.join(noSummary, IDENTITY_SUMMARY_FILE_NAME));
  const noSummaryReport = verify(noSummary);
  t.true(failedFiles(noSummaryReport).has(NON_VOTERS_FILE_NAME));
  t.true(failedFiles(noSummaryReport).has(AUDIT_EXPORT_FILE_NAME('identity')));

  fs.rmSync(path.join(dir, MESA_RESULT_FILE_NAME));
  const missing = verify(dir);
  t.false(missing.ok);
  t.true(failedFiles(missing).has(MESA_RESULT_FILE_NAME));
});

test('the non-voters list must be the one the identity summary signs; absent it is not required', (t) => {
  const { device } = getBase();
  t.true(device.files.includes(NON_VOTERS_FILE_NAME));
  t.true(verify(device.dir).checks.some((c) => c.check === 'non-voters' && c.status === 'pass'));
  const dir = copyDevice(t);
  // A row removed: still a well-formed CSV, but not the signed list.
  const csv = fs.readFileSync(path.join(dir, NON_VOTERS_FILE_NAME), 'utf8');
  fs.writeFileSync(path.join(dir, NON_VOTERS_FILE_NAME), `${csv.trimEnd().split('\n').slice(0, -1).join('\n')}\n`);
  const report = verify(dir);
  t.false(report.ok);
  t.deepEqual(failedFiles(report), new Set([NON_VOTERS_FILE_NAME]));
  t.regex(report.checks.find((c) => c.status === 'fail')?.message ?? '', /the identity summary signs/);
  fs.rmSync(path.join(dir, NON_VOTERS_FILE_NAME));
  t.true(verify(dir).ok);
});

test('an export of another station under a station name fails', (t) => {
  const dir = copyDevice(t);
  fs.copyFileSync(path.join(dir, AUDIT_EXPORT_FILE_NAME('cabin-2')), path.join(dir, AUDIT_EXPORT_FILE_NAME('cabin-1')));
  const report = verify(dir);
  t.false(report.ok);
  t.deepEqual(failedFiles(report), new Set([AUDIT_EXPORT_FILE_NAME('cabin-1')]));
});

test('a package given with --package must match the copy on the device; a wrong root key fails', (t) => {
  const { device } = getBase();
  const dir = copyDevice(t);
  const primarias = buildMesaDevice(path.join(path.dirname(dir), 'primarias'), { keysDir: device.keysDir, definition: PRIMARIAS2025, ballotsPerCabin: [1] });
  const report = verify(dir, path.join(primarias.dir, PACKAGE_COPY_FILE_NAME));
  t.false(report.ok);
  t.true(failedChecks(report).has('package-copy'));
  t.true(verify(dir, path.join(device.dir, PACKAGE_COPY_FILE_NAME)).ok);

  const otherKeys = path.join(path.dirname(dir), 'other-keys');
  t.true(generateKeySet(otherKeys).ok);
  const wrongRoot = verifyDevice({ deviceDir: dir, keysDir: otherKeys });
  t.false(wrongRoot.ok);
  t.true(failedFiles(wrongRoot).has(PACKAGE_COPY_FILE_NAME));
  const noKeys = verifyDevice({ deviceDir: dir, keysDir: path.join(dir, 'nowhere') });
  t.false(noKeys.ok);
  t.true(failedChecks(noKeys).has('keys'));
});

test('vep verify: exit 0 on a good device, 1 listing failures, --json prints the report', async (t) => {
  const { device } = getBase();
  const good = await runCli(['verify', device.dir, '--keys', device.keysDir]);
  t.is(good.code, 0, good.stderr);
  t.regex(good.stdout, /VERIFIED/);

  const dir = copyDevice(t);
  const file = path.join(dir, 'resultados-cabin-1.vep');
  const bytes = fs.readFileSync(file);
  bytes[100] = (bytes[100] ?? 0) ^ 0x01;
  fs.writeFileSync(file, bytes);
  const bad = await runCli(['verify', dir, '--keys', device.keysDir]);
  t.is(bad.code, 1);
  t.regex(bad.stderr, /FAIL resultados-cabin-1\.vep: /);
  t.regex(bad.stderr, /FAILED verification/);

  const json = await runCli(['verify', dir, '--keys', device.keysDir, '--json', '--package', path.join(device.dir, PACKAGE_COPY_FILE_NAME)]);
  t.is(json.code, 1);
  const parsed = JSON.parse(json.stdout) as DeviceReport;
  t.false(parsed.ok);
  t.true(parsed.checks.some((c) => c.status === 'fail' && c.file === 'resultados-cabin-1.vep'));

  const missingKeys = await runCli(['verify', dir]);
  t.not(missingKeys.code, 0);
  t.regex(missingKeys.stderr, /--keys/);
});
