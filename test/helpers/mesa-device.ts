/**
 * Builds a complete consolidation device for one mesa with the real builders, as the stations
 * would leave it after the escrutinio: the package copy, every cabin's results, the identity
 * summary, the signed mesa result (acta data + member signatures) and every station's audit
 * log export. Used by the observer tool tests and by anyone who needs a realistic device.
 *
 * Keys: generated into `options.keysDir` when that directory has none (or `${dir}.keys` when
 * not given); pass the same keysDir to several calls to save the key generation. The caller
 * owns cleanup: put `dir` inside a temp dir you remove in t.teardown.
 */
import Database from 'better-sqlite3';
import fc from 'fast-check';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { AUDIT_EXPORT_FILE_NAME, exportAuditLog } from '../../shared/audit/export.ts';
import { openAuditLog, type AuditEventId, type AuditLog } from '../../shared/audit/log.ts';
import type { Ballot } from '../../shared/ballot/ballot.ts';
import { presidentSignerRole } from '../../shared/credentials/member-credential.ts';
import type { Signer } from '../../shared/crypto/envelope.ts';
import { generateSigningKeyPair } from '../../shared/crypto/ed25519.ts';
import { sha256Hex } from '../../shared/crypto/hash.ts';
import { cabinRole, generateKeySet, loadSigner, memberRole, publicKeyFile } from '../../shared/crypto/keyset.ts';
import type { ElectionDefinition } from '../../shared/election/definition.ts';
import { buildPackage, describeBuildError, describePackageError, verifyPackageBytes, type VerifiedPackage } from '../../shared/election/package.ts';
import { buildCabinResults, CABIN_RESULTS_FILE_NAME } from '../../shared/results/cabin-results.ts';
import { buildIdentitySummary, IDENTITY_SUMMARY_FILE_NAME, NON_VOTERS_FILE_NAME, type IdentitySummaryCounts } from '../../shared/results/identity-summary.ts';
import {
  buildMesaResult,
  memberSignatureRole,
  MESA_RESULT_FILE_NAME,
  PACKAGE_COPY_FILE_NAME,
  personeroSignerId,
  sealActaData,
  signActaAsMember,
  type ActaData,
  type MemberSignatureRecord,
} from '../../shared/results/mesa-result.ts';
import { addArt23Blanks, art23Observation } from '../../shared/tally/art23.ts';
import { mergeAllTallies } from '../../shared/tally/merge.ts';
import { tallyBallots, type Tally } from '../../shared/tally/tally.ts';
import { ballotArbitrary, EG2026 } from './ballots.ts';

/** The software code every station of the built device reports (authorized in the package). */
export const DEVICE_SOFTWARE_CODE = 'a'.repeat(64);

export interface MesaDeviceOptions {
  readonly definition?: ElectionDefinition;
  /** Where the key set is (generated there if missing); default `${dir}.keys`. */
  readonly keysDir?: string;
  /** Ballots per cabin, cabin-1 first; default 5, 4, 3... Its length must be the mesa's cabins. */
  readonly ballotsPerCabin?: readonly number[];
  /** Seed for the random ballots (fast-check); default 2026. */
  readonly seed?: number;
  /** Art. 23 electors (identified, did not vote); default 1. */
  readonly art23NotVoted?: number;
  readonly impugnados?: number;
  /** Member signers by position (1-based); default [1, 2, 3]. */
  readonly memberSigners?: readonly number[];
  /** Personero signatures to add; default 1. */
  readonly personeros?: number;
  /** Write the registro-<role>.vep exports; default true. */
  readonly auditExports?: boolean;
  /** Write the identity station's non-voters list (its hash is signed in the summary either way); default true. */
  readonly nonVotersList?: boolean;
  /**
   * `manual-count`: the mesa voted on paper (STAE); no cabin files are written and the acta's
   * tally is the hand count of the same generated ballots (no Art. 23 blanks). Default electronic.
   */
  readonly mode?: 'electronic' | 'manual-count';
  /** Used-nonce hash of a cabin's b-th ballot; default distinct per cabin and ballot. */
  readonly nonceHash?: (cabinId: string, index: number) => string;
  /** The cabin whose audit log records another puesta a cero than its signed results name. */
  readonly cabinLoggingOtherZeroReport?: string;
  /** ISO time the acta is closed; default the election date at 23:10:05Z. */
  readonly closedAt?: string;
}

export interface MesaDevice {
  readonly dir: string;
  readonly keysDir: string;
  readonly pkg: VerifiedPackage;
  readonly rootPublicKey: Uint8Array;
  /** Ballots per cabin id, as given to buildCabinResults. */
  readonly ballots: Readonly<Record<string, readonly Ballot[]>>;
  readonly identityCounts: IdentitySummaryCounts;
  readonly acta: ActaData;
  readonly actaBytes: Uint8Array;
  readonly signatures: readonly MemberSignatureRecord[];
  /** Every file written, by name. */
  readonly files: readonly string[];
  readonly resultsSigner: Signer;
}

function unwrap<T, E>(r: { ok: true; value: T } | { ok: false; error: E }, what: (e: E) => string): T {
  if (!r.ok) throw new Error(what(r.error));
  return r.value;
}

function memoryLog(role: string, start: number): AuditLog {
  let ms = start;
  return unwrap(openAuditLog(new Database(':memory:'), { role, clock: () => new Date((ms += 7000)) }), (e) => JSON.stringify(e));
}

function logAll(log: AuditLog, events: readonly AuditEventId[]): void {
  for (const event of events) log.append(event, { message: `${event} at ${log.role}` });
}

function ensureKeys(keysDir: string, definition: ElectionDefinition): void {
  if (fs.existsSync(publicKeyFile(keysDir, 'onpe-root'))) return;
  unwrap(generateKeySet(keysDir, { cabins: definition.mesa.cabins, members: definition.members.length }), (e) => JSON.stringify(e));
}

/** Builds the device in `dir` (created if missing). Throws on any builder failure. */
export function buildMesaDevice(dir: string, options: MesaDeviceOptions = {}): MesaDevice {
  const definition = options.definition ?? EG2026;
  const keysDir = options.keysDir ?? `${dir}.keys`;
  fs.mkdirSync(dir, { recursive: true });
  ensureKeys(keysDir, definition);
  const signer = (role: string): Signer => unwrap(loadSigner(keysDir, role), (e) => JSON.stringify(e));

  const root = signer('onpe-root');
  const packageBytes = unwrap(buildPackage(definition, keysDir, [DEVICE_SOFTWARE_CODE]), describeBuildError);
  const pkg = unwrap(verifyPackageBytes(packageBytes, root.publicKey), describePackageError);
  const files: string[] = [];
  const write = (name: string, bytes: Uint8Array): void => {
    fs.writeFileSync(path.join(dir, name), bytes);
    files.push(name);
  };
  write(PACKAGE_COPY_FILE_NAME, packageBytes);

  const start = Date.parse(`${definition.election.date}T12:00:00Z`);
  const exportsToo = options.auditExports ?? true;
  const zeroReportHash = (what: string): string => sha256Hex(`puesta a cero ${what}`);

  // Cabins.
  const perCabin = options.ballotsPerCabin ?? Array.from({ length: definition.mesa.cabins }, (_, i) => Math.max(1, 5 - i));
  if (perCabin.length !== definition.mesa.cabins) throw new Error(`ballotsPerCabin needs ${definition.mesa.cabins} entries`);
  const allBallots = fc.sample(ballotArbitrary(definition), { numRuns: Math.max(1, perCabin.reduce((a, b) => a + b, 0)), seed: options.seed ?? 2026 });
  const ballots: Record<string, Ballot[]> = {};
  const cabinFiles: { cabinId: string; fileHash: string; ballotCount: number; tally: Tally }[] = [];
  let offset = 0;
  const manual = options.mode === 'manual-count';
  for (const [i, count] of perCabin.entries()) {
    const cabinId = cabinRole(i + 1);
    if (manual) {
      const paper = allBallots.slice(offset, offset + count);
      offset += count;
      ballots[cabinId] = paper;
      cabinFiles.push({ cabinId, fileHash: '', ballotCount: paper.length, tally: unwrap(tallyBallots(definition, paper), () => 'bug: invalid generated ballot') });
      continue;
    }
    const mine = allBallots.slice(offset, offset + count);
    offset += count;
    ballots[cabinId] = mine;
    const log = memoryLog(cabinId, start);
    logAll(log, ['station.boot', 'software.verified', 'package.verified']);
    // As the cabin logs it: the report's hash ties the log to the signed results (zeroReportLogged).
    const logged = options.cabinLoggingOtherZeroReport === cabinId ? zeroReportHash(`${cabinId} (another report)`) : zeroReportHash(cabinId);
    log.append('puesta-a-cero.printed', { message: `store empty, zero report printed (sha256 ${logged})` });
    logAll(log, ['voting.opened']);
    for (let b = 0; b < mine.length; b++) log.append('ballot.committed', { message: 'a ballot was stored' });
    logAll(log, ['voting.closed']);
    const nonceHash = options.nonceHash ?? ((id: string, b: number) => createHash('sha256').update(`${id}-nonce-${b}-${options.seed ?? 2026}`).digest('hex'));
    const usedNonceHashes = mine.map((_, b) => nonceHash(cabinId, b));
    const bytes = buildCabinResults({
      pkg,
      cabinId,
      softwareCode: DEVICE_SOFTWARE_CODE,
      zeroReportHash: zeroReportHash(cabinId),
      ballots: mine,
      usedNonceHashes,
      auditHead: log.head(),
      signer: signer(cabinId),
    });
    write(CABIN_RESULTS_FILE_NAME(cabinId), bytes);
    log.append('results.written', { message: 'cabin results written to the consolidation device' });
    if (exportsToo) write(AUDIT_EXPORT_FILE_NAME(cabinId), exportAuditLog(log));
    const tally = unwrap(tallyBallots(definition, mine), () => 'bug: invalid generated ballot');
    cabinFiles.push({ cabinId, fileHash: sha256Hex(bytes), ballotCount: mine.length, tally });
    log.close();
  }

  // Identity station.
  const totalBallots = offset;
  const art23NotVoted = options.art23NotVoted ?? 1;
  const identityCounts: IdentitySummaryCounts = {
    electoresHabiles: definition.padron.length,
    activationsIssued: totalBallots + art23NotVoted,
    activationsConsumed: totalBallots,
    art23NotVoted,
    impugnados: options.impugnados ?? 1,
    lostDevices: 0,
    assistedVoters: 0,
  };
  // The non-voters list as the identity station writes it (the last electors of the padrón did not come).
  const absent = definition.padron.length - totalBallots - art23NotVoted - identityCounts.impugnados;
  const nonVoters = new TextEncoder().encode(
    ['orden,dni,apellidos,nombres', ...definition.padron.slice(definition.padron.length - Math.max(0, absent)).map((e, i) => `${definition.padron.length - Math.max(0, absent) + i + 1},${e.dni},X,Y`)].join('\n') + '\n',
  );
  const identityLog = memoryLog('identity', start);
  logAll(identityLog, ['station.boot', 'software.verified', 'package.verified', 'puesta-a-cero.printed', 'voting.opened', 'voting.closed']);
  const identityBytes = buildIdentitySummary({
    pkg,
    softwareCode: DEVICE_SOFTWARE_CODE,
    counts: identityCounts,
    auditHead: identityLog.head(),
    nonVotersSha256: sha256Hex(nonVoters),
    signer: signer('identity'),
  });
  write(IDENTITY_SUMMARY_FILE_NAME, identityBytes);
  if (options.nonVotersList ?? true) write(NON_VOTERS_FILE_NAME, nonVoters);
  if (exportsToo) write(AUDIT_EXPORT_FILE_NAME('identity'), exportAuditLog(identityLog));
  identityLog.close();

  // Results station: tally, acta, signatures, mesa result.
  const resultsSigner = signer('results');
  const resultsLog = memoryLog('results', start + 11 * 3600_000);
  logAll(resultsLog, ['station.boot', 'software.verified', 'package.verified', 'puesta-a-cero.printed']);
  for (let i = 0; i < cabinFiles.length; i++) resultsLog.append('results.read', { message: 'cabin results verified' });
  const merged = unwrap(
    mergeAllTallies(
      definition,
      cabinFiles.map((c) => c.tally),
    ),
    (e) => JSON.stringify(e),
  );
  const tally = manual ? merged : unwrap(addArt23Blanks(merged, art23NotVoted), (e) => JSON.stringify(e));
  const observation = manual ? 'Escrutinio manual (STAE): resultados ingresados por los miembros de mesa.' : art23Observation(art23NotVoted);
  const acta: ActaData = {
    formatVersion: 1,
    electionId: definition.election.id,
    mesa: definition.mesa.number,
    packageHash: pkg.packageHash,
    simulacro: definition.election.simulacro,
    softwareCode: DEVICE_SOFTWARE_CODE,
    zeroReportHash: zeroReportHash('results'),
    mode: manual ? 'manual-count' : 'electronic',
    tally,
    observations: observation === undefined ? [] : [observation],
    cabins: manual ? [] : cabinFiles.map(({ cabinId, fileHash, ballotCount }) => ({ cabinId, fileHash, ballotCount })),
    identity: { fileHash: sha256Hex(identityBytes), counts: identityCounts },
    cotejo: null,
    closedAt: options.closedAt ?? `${definition.election.date}T23:10:05Z`,
  };
  const actaBytes = sealActaData(acta, resultsSigner, pkg);
  resultsLog.append('results.consolidated', { message: 'mesa result consolidated' });

  const signatures: MemberSignatureRecord[] = [];
  if (presidentSignerRole(pkg) === undefined) throw new Error('the definition has no presidente');
  for (const n of options.memberSigners ?? [1, 2, 3]) {
    const role = memberRole(n);
    signatures.push(signActaAsMember(actaBytes, signer(role).seed, role, memberSignatureRole(pkg, role)));
  }
  for (let i = 0; i < (options.personeros ?? 1); i++) {
    const pair = generateSigningKeyPair();
    signatures.push(signActaAsMember(actaBytes, pair.seed, personeroSignerId(pair.publicKey), 'personero'));
  }
  const mesaBytes = buildMesaResult({ pkg, actaBytes, signatures, auditHead: resultsLog.head(), signer: resultsSigner });
  write(MESA_RESULT_FILE_NAME, mesaBytes);
  // Logged after the head was sealed: the export carries an unsigned tail of one entry.
  resultsLog.append('results.written', { message: 'mesa result written to the consolidation device' });
  if (exportsToo) write(AUDIT_EXPORT_FILE_NAME('results'), exportAuditLog(resultsLog));
  resultsLog.close();

  return {
    dir,
    keysDir,
    pkg,
    rootPublicKey: root.publicKey,
    ballots,
    identityCounts,
    acta,
    actaBytes,
    signatures,
    files: files.sort(),
    resultsSigner,
  };
}
