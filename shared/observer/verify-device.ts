/**
 * The observer tool's engine (`vep verify DEVICE_DIR`): checks a consolidation device the way
 * a personero, the JEE or an auditor would, trusting only the ONPE root public key.
 *
 * It reads the files (nothing else: no station store, no clock, no network) and returns a
 * report listing every check with pass / fail / warn; it never changes the device. Checks:
 * - the election package (against onpe-root); when --package points elsewhere, a package copy
 *   on the device must be byte-identical to it;
 * - every cabin results file (verifyCabinResults: signature by that cabin's key, mesa, package,
 *   software, every ballot valid, the signed tally equal to a recount);
 * - the identity summary, the mesa result (acta data, member and personero signatures);
 * - every audit log export `registro-<role>.vep` against the head bound in that role's signed
 *   file (cabin results, identity summary, mesa result);
 * - cross-file agreement: the acta's cabin list (file hashes, ballot counts) and identity file
 *   hash equal the files present; used-nonce hashes disjoint across cabins (a ballot stored
 *   twice under one activation would show up here); an independent recount (each cabin's
 *   ballots recounted with the shared rules, merged, plus the Art. 23 blanks of the identity
 *   summary) equal to the acta's tally; reconciliation (shared/tally/reconcile.ts).
 *
 * - the identity station's non-voters list against the sha256 its signed summary carries.
 *
 * Every file on the device must be vouched for by a signature (table in
 * shared/results/device-files.ts, shared with the results station): a changed byte anywhere
 * fails the report, naming the file.
 *
 * Decisions:
 * - A missing audit export is a WARNING (a station that died between writing its signed file
 *   and its export must not make the mesa's result unverifiable; the signed files already bind
 *   the heads); a present export must verify or it FAILS. An export that no signed file on the
 *   device binds (its station's file absent or failed, or a role no station has) FAILS: nothing
 *   vouches for it. Likewise the non-voters list without a valid identity summary.
 * - A file of a valid name that no station writes FAILS: nothing vouches for it, so the device
 *   was changed after the stations wrote it. Entries whose names the device driver never lists
 *   (dot files such as the driver's own temporaries left by a power cut, names with spaces such
 *   as a desktop system's metadata) are WARNINGS: no station can read them, so they cannot
 *   change any result, but an observer should see them.
 * - A missing mesa result, package, or cabin/identity file that the acta lists is a failure;
 *   so is a valid cabin file the acta does not list (votes left out).
 * - Manual-count actas cannot be recounted from ballots: the recount is a warning there.
 * - The report's `ok` is true only when no check failed; warnings do not fail it.
 */
import fs from 'node:fs';
import path from 'node:path';
import { AUDIT_EXPORT_FILE_NAME, auditExportRoleOfFileName, describeAuditExportProblem, verifyAuditExport } from '../audit/export.ts';
import type { AuditLogHead } from '../audit/entry.ts';
import { canonicalJson } from '../crypto/canonical-json.ts';
import { describeKeySetError, loadPublicKeyFile, ONPE_ROOT_ROLE } from '../crypto/keyset.ts';
import { describePackageError, verifyPackageBytes, type VerifiedPackage } from '../election/package.ts';
import {
  CABIN_RESULTS_FILE_NAME,
  describeCabinResultsProblem,
  verifyCabinResults,
  zeroReportLogged,
  type VerifiedCabinResults,
} from '../results/cabin-results.ts';
import {
  describeIdentitySummaryProblem,
  IDENTITY_SUMMARY_FILE_NAME,
  NON_VOTERS_FILE_NAME,
  verifyIdentitySummary,
  type VerifiedIdentitySummary,
} from '../results/identity-summary.ts';
import {
  describeMesaResultProblem,
  MESA_RESULT_FILE_NAME,
  PACKAGE_COPY_FILE_NAME,
  verifyMesaResult,
  type VerifiedMesaResult,
} from '../results/mesa-result.ts';
import { auditExportBinder, classifyDeviceFile } from '../results/device-files.ts';
import { validateFileName } from '../devices/consolidation/file-name.ts';
import { actaCopyLabels, actaDeEscrutinio } from '../documents/acta-escrutinio.ts';
import { documentToPlainText } from '../documents/print-document.ts';
import { toCp850Printable } from '../devices/printer/cp850.ts';
import { sha256Hex } from '../crypto/hash.ts';
import { addArt23Blanks, describeArt23Problem } from '../tally/art23.ts';
import { describeTallyMergeProblem, mergeAllTallies } from '../tally/merge.ts';
import { describeReconciliationProblem, reconcile } from '../tally/reconcile.ts';
import { describeTallyProblem, tallyBallots, type Tally } from '../tally/tally.ts';

export type CheckStatus = 'pass' | 'fail' | 'warn';

export interface DeviceCheck {
  /** Stable id of the check, e.g. `cabin-results`, `recount`. */
  readonly check: string;
  /** File name on the device the check is about, when there is one. */
  readonly file: string | null;
  readonly status: CheckStatus;
  /** English, one line per problem. */
  readonly message: string;
}

export interface DeviceReport {
  readonly deviceDir: string;
  readonly packagePath: string;
  /** True when no check failed (warnings allowed). */
  readonly ok: boolean;
  readonly checks: readonly DeviceCheck[];
  /** The acta's tally when the mesa result verified (for display). */
  readonly tally: Tally | null;
  /**
   * The acta de escrutinio rendered from the verified mesa result by the same pure function the
   * results station prints with (first copy of the package's list; printed at the acta's own
   * time), as plain text: an observer compares it line by line with the paper. Null when the
   * mesa result did not verify.
   */
  readonly actaText: string | null;
}

export interface VerifyDeviceOptions {
  readonly deviceDir: string;
  /** A `vep keys` set directory; only public/onpe-root.json is read. */
  readonly keysDir: string;
  /** Defaults to DEVICE_DIR/paquete-electoral.vep. */
  readonly packagePath?: string;
}

/** Generous: no legitimate file on a device comes near this; refused before reading. */
const MAX_FILE_BYTES = 64 * 1024 * 1024;
const CABIN_FILE = /^resultados-(cabin-[1-9][0-9]*)\.vep$/;

type ReadOutcome = { ok: true; bytes: Uint8Array } | { ok: false; missing: boolean; detail: string };

function readDeviceFile(file: string): ReadOutcome {
  try {
    const stat = fs.lstatSync(file);
    if (!stat.isFile()) return { ok: false, missing: false, detail: 'is not a regular file' };
    if (stat.size > MAX_FILE_BYTES) return { ok: false, missing: false, detail: `is ${stat.size} bytes, more than any device file may be` };
    return { ok: true, bytes: new Uint8Array(fs.readFileSync(file)) };
  } catch (e) {
    const code = e instanceof Error && 'code' in e ? String(e.code) : String(e);
    return { ok: false, missing: code === 'ENOENT', detail: code === 'ENOENT' ? 'is missing' : `cannot be read (${code})` };
  }
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return Buffer.from(a).equals(Buffer.from(b));
}

export function verifyDevice(options: VerifyDeviceOptions): DeviceReport {
  const { deviceDir, keysDir } = options;
  const packagePath = options.packagePath ?? path.join(deviceDir, PACKAGE_COPY_FILE_NAME);
  const checks: DeviceCheck[] = [];
  const add = (check: string, file: string | null, status: CheckStatus, message: string): void => {
    checks.push({ check, file, status, message });
  };
  const report = (tally: Tally | null, actaText: string | null = null): DeviceReport => ({
    deviceDir,
    packagePath,
    ok: !checks.some((c) => c.status === 'fail'),
    checks,
    tally,
    actaText,
  });
  const devicePath = (name: string): string => path.join(deviceDir, name);

  // Trust anchor.
  const root = loadPublicKeyFile(keysDir, ONPE_ROOT_ROLE);
  if (!root.ok) {
    add('keys', null, 'fail', `cannot load the ONPE root public key: ${describeKeySetError(root.error)}`);
    return report(null);
  }

  let names: string[];
  try {
    names = fs.readdirSync(deviceDir).sort();
  } catch (e) {
    const code = e instanceof Error && 'code' in e ? String(e.code) : String(e);
    add('device', null, 'fail', `cannot list the device directory ${deviceDir} (${code})`);
    return report(null);
  }

  // The package: everything else is checked against it.
  const packageName = path.resolve(packagePath) === path.resolve(devicePath(PACKAGE_COPY_FILE_NAME)) ? PACKAGE_COPY_FILE_NAME : packagePath;
  const packageRead = readDeviceFile(packagePath);
  if (!packageRead.ok) {
    add('package', packageName, 'fail', `election package ${packageRead.detail}; nothing on the device can be checked without it`);
    return report(null);
  }
  const verifiedPackage = verifyPackageBytes(packageRead.bytes, root.value.publicKey);
  if (!verifiedPackage.ok) {
    add('package', packageName, 'fail', describePackageError(verifiedPackage.error));
    return report(null);
  }
  const pkg: VerifiedPackage = verifiedPackage.value;
  const definition = pkg.payload.definition;
  add('package', packageName, 'pass', `election package verified against onpe-root: election ${definition.election.id}, mesa ${definition.mesa.number}, hash ${pkg.packageHash}`);
  if (packageName !== PACKAGE_COPY_FILE_NAME && names.includes(PACKAGE_COPY_FILE_NAME)) {
    const copy = readDeviceFile(devicePath(PACKAGE_COPY_FILE_NAME));
    if (!copy.ok || !sameBytes(copy.bytes, packageRead.bytes)) {
      add('package-copy', PACKAGE_COPY_FILE_NAME, 'fail', 'the package copy on the device is not byte-identical to the package given with --package');
    } else {
      add('package-copy', PACKAGE_COPY_FILE_NAME, 'pass', 'the package copy on the device is identical to the given package');
    }
  }

  const known = new Set<string>([PACKAGE_COPY_FILE_NAME, MESA_RESULT_FILE_NAME, IDENTITY_SUMMARY_FILE_NAME]);
  /** Signed heads by audit role, from the files that verified. */
  const heads = new Map<string, { head: AuditLogHead; file: string; zeroReportHash?: string }>();
  const failedRoles = new Set<string>();

  // Mesa result.
  let mesa: VerifiedMesaResult | null = null;
  const mesaRead = readDeviceFile(devicePath(MESA_RESULT_FILE_NAME));
  if (!mesaRead.ok) {
    add('mesa-result', MESA_RESULT_FILE_NAME, 'fail', `mesa result ${mesaRead.detail}`);
  } else {
    const verified = verifyMesaResult(mesaRead.bytes, { pkg });
    if (verified.ok) {
      mesa = verified.value;
      const signers = mesa.signatures.map((s) => `${s.signerId} (${s.role})`).join(', ');
      add('mesa-result', MESA_RESULT_FILE_NAME, 'pass', `mesa result verified: acta ${mesa.acta.digest}, ${mesa.acta.data.mode}, signed by ${signers}`);
      heads.set('results', { head: mesa.auditLogHead, file: MESA_RESULT_FILE_NAME });
    } else {
      failedRoles.add('results');
      for (const p of verified.error) add('mesa-result', MESA_RESULT_FILE_NAME, 'fail', describeMesaResultProblem(p));
    }
  }
  const acta = mesa?.acta.data ?? null;

  // Cabin results: every cabin of the package, plus any other cabin file present.
  const cabinIds = new Set(Object.keys(pkg.payload.keys.stations.cabins));
  for (const name of names) {
    const id = CABIN_FILE.exec(name)?.[1];
    if (id !== undefined) cabinIds.add(id);
  }
  const cabins = new Map<string, VerifiedCabinResults>();
  for (const cabinId of [...cabinIds].sort()) {
    const name = CABIN_RESULTS_FILE_NAME(cabinId);
    known.add(name);
    const listed = acta?.cabins.some((c) => c.cabinId === cabinId) ?? false;
    const read = readDeviceFile(devicePath(name));
    if (!read.ok) {
      if (!read.missing || listed) add('cabin-results', name, 'fail', `cabin results of ${cabinId} ${read.detail}${listed ? ', but the acta lists them' : ''}`);
      else add('cabin-results', name, 'warn', `no results file of ${cabinId} on the device (the acta does not list one)`);
      continue;
    }
    const verified = verifyCabinResults(read.bytes, { pkg, expectedCabinId: cabinId });
    if (!verified.ok) {
      failedRoles.add(cabinId);
      for (const p of verified.error) add('cabin-results', name, 'fail', describeCabinResultsProblem(p));
      continue;
    }
    cabins.set(cabinId, verified.value);
    heads.set(cabinId, { head: verified.value.auditLogHead, file: name, zeroReportHash: verified.value.zeroReportHash });
    add('cabin-results', name, 'pass', `${cabinId}: ${verified.value.ballotCount} ballot(s), signed tally equal to a recount of its ballots`);
  }

  // Identity summary.
  let identity: VerifiedIdentitySummary | null = null;
  const identityRead = readDeviceFile(devicePath(IDENTITY_SUMMARY_FILE_NAME));
  if (!identityRead.ok) {
    const expected = acta === null || acta.identity !== null;
    add('identity-summary', IDENTITY_SUMMARY_FILE_NAME, identityRead.missing && !expected ? 'warn' : 'fail', `identity summary ${identityRead.detail}`);
  } else {
    const verified = verifyIdentitySummary(identityRead.bytes, { pkg });
    if (verified.ok) {
      identity = verified.value;
      heads.set('identity', { head: identity.auditLogHead, file: IDENTITY_SUMMARY_FILE_NAME });
      const c = identity.counts;
      add('identity-summary', IDENTITY_SUMMARY_FILE_NAME, 'pass', `identity summary verified: ${c.activationsConsumed} consumed activation(s), ${c.art23NotVoted} Art. 23, ${c.impugnados} impugnado(s)`);
    } else {
      failedRoles.add('identity');
      for (const p of verified.error) add('identity-summary', IDENTITY_SUMMARY_FILE_NAME, 'fail', describeIdentitySummaryProblem(p));
    }
  }

  // Audit log exports against the heads bound in the signed files.
  const exportRoles = new Set<string>([...heads.keys(), ...failedRoles]);
  for (const name of names) {
    const role = auditExportRoleOfFileName(name);
    if (role !== undefined) exportRoles.add(role);
  }
  for (const role of [...exportRoles].sort()) {
    const name = AUDIT_EXPORT_FILE_NAME(role);
    known.add(name);
    const bound = heads.get(role);
    const read = readDeviceFile(devicePath(name));
    if (!read.ok) {
      if (read.missing) add('audit-export', name, 'warn', `no audit log export of ${role} on the device${bound ? ` (its head is bound in ${bound.file})` : ''}`);
      else add('audit-export', name, 'fail', `audit log export of ${role} ${read.detail}`);
      continue;
    }
    if (bound === undefined) {
      if (failedRoles.has(role)) add('audit-export', name, 'fail', `audit log export of ${role} cannot be checked: the signed file that binds its head failed verification`);
      else {
        const binder = auditExportBinder(role);
        add('audit-export', name, 'fail', `audit log export of ${role} is not bound by any signed file on the device (${binder === undefined ? 'no station has that role' : `${binder} is absent`})`);
      }
      continue;
    }
    const verified = verifyAuditExport(read.bytes, bound.head, { role });
    if (!verified.ok) {
      for (const p of verified.error) add('audit-export', name, 'fail', `audit log of ${role}: ${describeAuditExportProblem(p)}`);
      continue;
    }
    if (bound.zeroReportHash !== undefined && !zeroReportLogged(verified.value.entries, bound.zeroReportHash)) {
      add('audit-export', name, 'fail', `audit log of ${role} does not record the puesta a cero (sha256 ${bound.zeroReportHash}) named in ${bound.file}`);
      continue;
    }
    const tail = verified.value.unsignedTail;
    add(
      'audit-export',
      name,
      'pass',
      `audit log of ${role}: ${verified.value.entries.length} entries, chain intact up to the head signed in ${bound.file}` +
        (tail > 0 ? ` (${tail} later entr${tail === 1 ? 'y' : 'ies'} not covered by a signature)` : ''),
    );
  }

  // The non-voters list: its sha256 is signed in the identity summary.
  if (names.includes(NON_VOTERS_FILE_NAME)) {
    known.add(NON_VOTERS_FILE_NAME);
    const read = readDeviceFile(devicePath(NON_VOTERS_FILE_NAME));
    if (!read.ok) add('non-voters', NON_VOTERS_FILE_NAME, 'fail', `list of non-voters ${read.detail}`);
    else if (identity === null) add('non-voters', NON_VOTERS_FILE_NAME, 'fail', `list of non-voters cannot be checked: no valid ${IDENTITY_SUMMARY_FILE_NAME} signs its hash`);
    else if (sha256Hex(read.bytes) !== identity.nonVotersSha256) {
      add('non-voters', NON_VOTERS_FILE_NAME, 'fail', `list of non-voters has sha256 ${sha256Hex(read.bytes)}, the identity summary signs ${identity.nonVotersSha256}`);
    } else add('non-voters', NON_VOTERS_FILE_NAME, 'pass', 'list of non-voters identical to the one the identity summary signs');
  }

  // Files nobody writes.
  for (const name of names) {
    if (known.has(name)) continue;
    if (!validateFileName(name).ok) add('unknown-file', name, 'warn', `entry ${JSON.stringify(name)} has a name the stations never use (temporary or system file); no station reads it`);
    else if (classifyDeviceFile(name).kind === 'unknown') add('unknown-file', name, 'fail', `${name} is a file no station of the mesa writes: nothing vouches for it`);
    else add('unknown-file', name, 'fail', `${name} was not checked`);
  }

  // Used nonces are distinct across cabins: each activation stores exactly one ballot.
  if (cabins.size > 0) {
    const owner = new Map<string, string>();
    let clashes = 0;
    for (const [cabinId, cabin] of cabins) {
      for (const hash of cabin.usedNonceHashes) {
        if (owner.has(hash)) clashes += 1;
        else owner.set(hash, cabinId);
      }
    }
    if (clashes > 0) add('nonces-disjoint', null, 'fail', `${clashes} used activation nonce hash(es) appear in more than one cabin: a ballot counted twice`);
    else add('nonces-disjoint', null, 'pass', `used activation nonces are distinct across the ${cabins.size} cabin file(s)`);
  }

  if (acta === null) {
    add('recount', null, 'fail', 'no verified mesa result: the acta cannot be compared with the ballots');
    return report(null);
  }

  // The acta's inputs are the files on the device.
  if (acta.mode === 'electronic') {
    for (const listed of acta.cabins) {
      const name = CABIN_RESULTS_FILE_NAME(listed.cabinId);
      const cabin = cabins.get(listed.cabinId);
      if (cabin === undefined) {
        add('acta-cabins', name, 'fail', `the acta lists ${listed.cabinId} but no valid results file of it is on the device`);
      } else if (cabin.fileHash !== listed.fileHash || cabin.ballotCount !== listed.ballotCount) {
        add('acta-cabins', name, 'fail', `the acta lists ${listed.cabinId} with hash ${listed.fileHash} and ${listed.ballotCount} ballot(s); the file has hash ${cabin.fileHash} and ${cabin.ballotCount}`);
      } else {
        add('acta-cabins', name, 'pass', `the acta's entry for ${listed.cabinId} matches the file (hash and ballot count)`);
      }
    }
    for (const cabinId of cabins.keys()) {
      if (!acta.cabins.some((c) => c.cabinId === cabinId)) {
        add('acta-cabins', CABIN_RESULTS_FILE_NAME(cabinId), 'fail', `valid results of ${cabinId} are on the device but the acta does not count them`);
      }
    }
  } else if (cabins.size > 0) {
    add('acta-cabins', null, 'warn', `manual-count acta, yet ${cabins.size} cabin results file(s) are on the device`);
  }
  if (acta.identity !== null) {
    if (identity === null) {
      add('acta-identity', IDENTITY_SUMMARY_FILE_NAME, 'fail', 'the acta names an identity summary but no valid one is on the device');
    } else if (identity.fileHash !== acta.identity.fileHash || canonicalJson(identity.counts) !== canonicalJson(acta.identity.counts)) {
      add('acta-identity', IDENTITY_SUMMARY_FILE_NAME, 'fail', `the acta's identity summary (hash ${acta.identity.fileHash}) is not the file on the device (hash ${identity.fileHash})`);
    } else {
      add('acta-identity', IDENTITY_SUMMARY_FILE_NAME, 'pass', "the acta's identity counts and file hash match the identity summary");
    }
  }

  // Independent recount from the ballots.
  if (acta.mode === 'manual-count') {
    add('recount', null, 'warn', 'manual-count acta: there are no electronic ballots to recount');
  } else {
    const recount = recountMesa(pkg, [...cabins.values()], identity?.counts.art23NotVoted ?? 0);
    if (!recount.ok) add('recount', MESA_RESULT_FILE_NAME, 'fail', `recount failed: ${recount.detail}`);
    else if (canonicalJson(recount.tally) !== canonicalJson(acta.tally)) {
      add('recount', MESA_RESULT_FILE_NAME, 'fail', `the acta's tally differs from a recount of the ballots on the device (${tallyDifference(recount.tally, acta.tally)})`);
    } else {
      add('recount', MESA_RESULT_FILE_NAME, 'pass', `the acta's tally equals a recount of ${recount.tally.ballots} ballot(s) plus ${recount.tally.art23Blanks} Art. 23 blank(s)`);
    }
  }

  // Reconciliation of ballots with the identity station's counts.
  if (acta.mode === 'electronic' && identity !== null) {
    const counts: Record<string, number> = {};
    for (const [cabinId, cabin] of cabins) counts[cabinId] = cabin.ballotCount;
    const reconciled = reconcile({ cabinBallotCounts: counts, identity: identity.identity, tally: acta.tally });
    if (reconciled.ok) {
      const r = reconciled.value;
      add('reconciliation', null, 'pass', `${r.ballots} ballot(s) = consumed activations; ${r.voters} voter(s) of ${r.electoresHabiles} electores hábiles`);
    } else {
      for (const p of reconciled.error) add('reconciliation', null, 'fail', describeReconciliationProblem(p));
    }
  }
  return report(acta.tally, mesa === null ? null : renderActa(pkg, mesa));
}

/** The acta as the results station printed its first copy (shared/documents/acta-escrutinio.ts). */
function renderActa(pkg: VerifiedPackage, mesa: VerifiedMesaResult): string {
  const definition = pkg.payload.definition;
  const [copy] = actaCopyLabels(definition);
  if (copy === undefined) throw new Error('bug: a verified package lists no acta copies');
  const document = actaDeEscrutinio({
    definition,
    acta: mesa.acta.data,
    actaBytes: mesa.acta.bytes,
    copy,
    reprint: false,
    printedAt: new Date(mesa.acta.data.closedAt),
    timeZone: definition.election.timezone,
  });
  // As the paper shows it: the printer's code page turns a few typographic characters (—) into look-alikes.
  return documentToPlainText(document).split('\n').map(toCp850Printable).join('\n');
}

type Recount = { ok: true; tally: Tally } | { ok: false; detail: string };

/** Each cabin's ballots recounted with the shared rules, merged, plus the Art. 23 blanks. */
function recountMesa(pkg: VerifiedPackage, cabins: readonly VerifiedCabinResults[], art23: number): Recount {
  const definition = pkg.payload.definition;
  const tallies: Tally[] = [];
  for (const cabin of cabins) {
    const counted = tallyBallots(definition, cabin.ballots);
    if (!counted.ok) return { ok: false, detail: `${cabin.cabinId}: ${counted.error.map(describeTallyProblem).join('; ')}` };
    tallies.push(counted.value);
  }
  const merged = mergeAllTallies(definition, tallies);
  if (!merged.ok) return { ok: false, detail: describeTallyMergeProblem(merged.error) };
  const withArt23 = addArt23Blanks(merged.value, art23);
  if (!withArt23.ok) return { ok: false, detail: describeArt23Problem(withArt23.error) };
  return { ok: true, tally: withArt23.value };
}

/** Names the first differing counter, for the failure line. */
function tallyDifference(recount: Tally, acta: Tally): string {
  for (const key of ['ballots', 'art23Blanks'] as const) {
    if (recount[key] !== acta[key]) return `${key}: recount ${recount[key]}, acta ${acta[key]}`;
  }
  for (const [i, contest] of recount.contests.entries()) {
    const other = acta.contests[i];
    if (other === undefined) return `contest ${contest.contestId} missing from the acta`;
    for (const key of ['blank', 'null', 'valid', 'emitted'] as const) {
      if (contest[key] !== other[key]) return `contest ${contest.contestId} ${key}: recount ${contest[key]}, acta ${other[key]}`;
    }
    for (const [j, organization] of contest.organizations.entries()) {
      const otherOrganization = other.organizations[j];
      if (otherOrganization === undefined || canonicalJson(organization) !== canonicalJson(otherOrganization)) {
        return `contest ${contest.contestId}, organization ${organization.organization}: recount ${organization.votes} vote(s), acta ${otherOrganization?.votes ?? 'none'}`;
      }
    }
  }
  return 'the acta has different rows';
}

/** Human-readable report lines (English): failures first, then warnings, then passes. */
export function formatDeviceReport(report: DeviceReport): string {
  const order: Record<CheckStatus, number> = { fail: 0, warn: 1, pass: 2 };
  const label: Record<CheckStatus, string> = { fail: 'FAIL', warn: 'WARN', pass: 'ok  ' };
  const lines = [...report.checks]
    .map((c, i) => ({ c, i }))
    .sort((a, b) => order[a.c.status] - order[b.c.status] || a.i - b.i)
    .map(({ c }) => `${label[c.status]} ${c.file === null ? '' : `${c.file}: `}${c.message}`);
  const failures = report.checks.filter((c) => c.status === 'fail').length;
  const warnings = report.checks.filter((c) => c.status === 'warn').length;
  const verdict = report.ok
    ? `Device ${report.deviceDir} VERIFIED: every signature, log and count agrees (${warnings} warning(s)).`
    : `Device ${report.deviceDir} FAILED verification: ${failures} failure(s), ${warnings} warning(s).`;
  return `${lines.join('\n')}\n${verdict}\n`;
}
