/**
 * Bench: generate N mesa results of the eg2026 shape (5 contests, 1,851 preferential rows, 3
 * member signatures + a personero-free acta, ~70 KB each), seal each as a transmission unit,
 * and ingest them into the reference centre (verify unit signature, decrypt, verifyMesaResult,
 * store in SQLite with synchronous=FULL, signed receipt). Reports ingested mesa results per
 * second next to the raw Ed25519 verify rate measured in the same run.
 *
 * Packages: a real package is ~200 KB (definition, padrón, keys), so 90,000 of them would be
 * ~18 GB. The centre loads its packages before election night, so package verification is not
 * on the ingest path; the bench verifies ONE real package and derives the others in memory
 * (mesa number and ODPE changed, hash derived from the mesa), sharing keys. Everything a result
 * goes through at the centre is real.
 *
 * Only the receive() calls are timed for the ingest rate (generation is reported separately);
 * units are generated and ingested in batches so memory stays flat.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { signDetached, verifyDetached, generateSigningKeyPair } from '../shared/crypto/ed25519.ts';
import { sha256Hex } from '../shared/crypto/hash.ts';
import { generateKeySet, loadBoxSecret, loadSigner, memberRole } from '../shared/crypto/keyset.ts';
import { sealEnvelope, type Signer } from '../shared/crypto/envelope.ts';
import { loadElectionDefinitionFile, type ElectionDefinition } from '../shared/election/definition.ts';
import { buildPackage, verifyPackageBytes, type VerifiedPackage } from '../shared/election/package.ts';
import {
  actaDigest,
  memberSignatureRole,
  MESA_RESULT_FORMAT_VERSION,
  MESA_RESULT_KIND,
  sealActaData,
  signActaAsMember,
  type ActaData,
  type MemberSignatureRecord,
} from '../shared/results/mesa-result.ts';
import { toBase64 } from '../shared/crypto/base64.ts';
import { freezeTally, type ContestTally, type Tally } from '../shared/tally/tally.ts';
import { sealTransmission } from '../shared/transmission/transmission-package.ts';
import { packageDirectory } from '../centre/packages.ts';
import { createReceiver } from '../centre/receiver.ts';
import { openCentreStore } from '../centre/store.ts';
import { centreTally } from '../centre/tally.ts';

export interface IngestBenchOptions {
  readonly mesas: number;
  readonly definitionFile: string;
  readonly batch?: number;
  readonly log?: (line: string) => void;
}

export interface IngestBenchResult {
  readonly mesas: number;
  readonly generateSeconds: number;
  readonly ingestSeconds: number;
  readonly resultsPerSecond: number;
  readonly ed25519VerifiesPerSecond: number;
  readonly unitBytesAverage: number;
  readonly tallySeconds: number;
}

function must<T, E>(r: { ok: true; value: T } | { ok: false; error: E }, what: string): T {
  if (!r.ok) throw new Error(`${what}: ${JSON.stringify(r.error)}`);
  return r.value;
}

/** Deterministic PRNG (mulberry32): the same N gives the same results in every run. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let x = a;
    x = Math.imul(x ^ (x >>> 15), x | 1);
    x ^= x + Math.imul(x ^ (x >>> 7), x | 61);
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296;
  };
}

/** A tally that passes verifyTally: `ballots` electronic ballots plus `art23` blanks in every contest. */
function syntheticTally(definition: ElectionDefinition, mesa: string, ballots: number, art23: number, random: () => number): Tally {
  const contests = definition.contests.map((contest): ContestTally => {
    const counts = contest.organizations.map(() => 0);
    let blank = art23;
    let nullVotes = 0;
    for (let b = 0; b < ballots; b++) {
      const r = random();
      if (r < 0.04) blank += 1;
      else if (r < 0.08) nullVotes += 1;
      else {
        const i = Math.floor(random() * counts.length);
        counts[i] = (counts[i] ?? 0) + 1;
      }
    }
    const preferentialAllowed = contest.kind === 'organization-list' && contest.maxPreferential > 0;
    const organizations = contest.organizations.map((o, i) => {
      const votes = counts[i] ?? 0;
      const candidates = preferentialAllowed ? (o.candidates ?? []) : [];
      // Each candidate gets at most the organization's votes, and all of them at most votes x 1.
      let left = votes;
      const preferential = candidates.map((c) => {
        const v = Math.min(left, Math.floor(random() * (votes + 1) * 0.3));
        left -= v;
        return { candidate: c.number, votes: v };
      });
      return { organization: o.number, votes, preferential };
    });
    const valid = counts.reduce((a, b) => a + b, 0);
    return { contestId: contest.id, organizations, blank, null: nullVotes, valid, emitted: valid + blank + nullVotes };
  });
  return freezeTally({ electionId: definition.election.id, mesa, ballots, art23Blanks: art23, contests });
}

/**
 * buildMesaResult's payload, sealed WITHOUT its self-check (which would double the generation
 * time). The centre verifies every result fully, so a mistake here makes the bench throw.
 */
function sealMesaResult(pkg: VerifiedPackage, actaBytes: Uint8Array, signatures: readonly MemberSignatureRecord[], headHash: string, signer: Signer): Uint8Array {
  const def = pkg.payload.definition;
  return sealEnvelope(
    MESA_RESULT_KIND,
    {
      formatVersion: MESA_RESULT_FORMAT_VERSION,
      electionId: def.election.id,
      mesa: def.mesa.number,
      packageHash: pkg.packageHash,
      actaData: toBase64(actaBytes),
      actaDigest: actaDigest(actaBytes),
      signatures: [...signatures].sort((a, b) => (a.signerId < b.signerId ? -1 : 1)),
      auditLogHead: { sequence: 40, hash: headHash },
    },
    signer,
  );
}

function rawVerifyRate(): number {
  const pair = generateSigningKeyPair();
  const message = randomBytes(128);
  const signature = signDetached(message, pair.seed);
  const started = process.hrtime.bigint();
  let n = 0;
  while (process.hrtime.bigint() - started < 2_000_000_000n) {
    for (let i = 0; i < 500; i++) if (!verifyDetached(message, signature, pair.publicKey)) throw new Error('verify failed');
    n += 500;
  }
  return n / (Number(process.hrtime.bigint() - started) / 1e9);
}

const ODPES = ['LIM', 'CUS', 'ARE', 'PIU', 'LAL', 'JUN', 'PUN', 'LOR'];

export function runIngestBench(options: IngestBenchOptions): IngestBenchResult {
  const log = options.log ?? (() => undefined);
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'vep-bench-'));
  try {
    const definition = must(loadElectionDefinitionFile(options.definitionFile), 'definition');
    const keysDir = path.join(tmp, 'keys');
    must(generateKeySet(keysDir, { cabins: definition.mesa.cabins, members: definition.members.length }), 'keys');
    const signer = (role: string): Signer => must(loadSigner(keysDir, role), role);
    const root = signer('onpe-root');
    const base = must(verifyPackageBytes(must(buildPackage(definition, keysDir), 'package'), root.publicKey), 'package verify');
    const results = signer('results');
    const transmission = signer('transmission');
    const centre = signer('centre');
    const box = must(loadBoxSecret(keysDir), 'box');
    const memberSigners = [1, 2, 3].map((n) => ({ role: memberRole(n), seed: signer(memberRole(n)).seed }));
    const softwareCode = base.payload.authorizedSoftware[0] ?? '';

    const mesaNumber = (i: number) => String(100000 + i).padStart(6, '0');
    const packages = new Map<string, VerifiedPackage>();
    const derive = (i: number): VerifiedPackage => {
      const number = mesaNumber(i);
      const code = ODPES[i % ODPES.length] ?? 'LIM';
      const def: ElectionDefinition = { ...base.payload.definition, mesa: { ...base.payload.definition.mesa, number, odpe: { code, name: `ODPE ${code}` } } };
      return { payload: { ...base.payload, definition: def }, packageHash: sha256Hex(`bench-package-${number}`), bytes: base.bytes };
    };
    for (let i = 0; i < options.mesas; i++) {
      const pkg = derive(i);
      packages.set(pkg.packageHash, pkg);
    }
    const directory = must(
      packageDirectory(packages.values(), { real: !definition.election.simulacro, centreSigningPublicKey: centre.publicKey, centreBoxPublicKey: box.publicKey }),
      'directory',
    );
    const store = must(openCentreStore(path.join(tmp, 'centre.db')), 'store');
    const receive = createReceiver({ store, packages: directory, signer: centre, boxSecret: box.secretKey, clock: () => new Date() });

    const random = prng(2026);
    let generateNs = 0n;
    let ingestNs = 0n;
    let unitBytes = 0;
    let expectedBallots = 0;
    const batch = options.batch ?? 500;
    for (let start = 0; start < options.mesas; start += batch) {
      const g0 = process.hrtime.bigint();
      const units: Uint8Array[] = [];
      for (let i = start; i < Math.min(options.mesas, start + batch); i++) {
        const pkg = derive(i);
        const def = pkg.payload.definition;
        const ballots = 150 + Math.floor(random() * 120);
        const art23 = 1 + Math.floor(random() * 5);
        expectedBallots += ballots;
        const cabin1 = Math.floor(ballots / 2);
        const acta: ActaData = {
          formatVersion: 1,
          electionId: def.election.id,
          mesa: def.mesa.number,
          packageHash: pkg.packageHash,
          simulacro: def.election.simulacro,
          softwareCode,
          zeroReportHash: sha256Hex(`zero ${i}`),
          mode: 'electronic',
          tally: syntheticTally(def, def.mesa.number, ballots, art23, random),
          observations: [],
          cabins: [
            { cabinId: 'cabin-1', fileHash: sha256Hex(`c1 ${i}`), ballotCount: cabin1 },
            { cabinId: 'cabin-2', fileHash: sha256Hex(`c2 ${i}`), ballotCount: ballots - cabin1 },
          ].slice(0, def.mesa.cabins),
          identity: {
            fileHash: sha256Hex(`id ${i}`),
            counts: {
              electoresHabiles: def.padron.length,
              activationsIssued: ballots + art23,
              activationsConsumed: ballots,
              art23NotVoted: art23,
              impugnados: 0,
              lostDevices: 0,
              assistedVoters: 0,
            },
          },
          cotejo: null,
          closedAt: '2026-04-12T22:30:00Z',
        };
        const actaBytes = sealActaData(acta, results);
        const signatures = memberSigners.map((m) => signActaAsMember(actaBytes, m.seed, m.role, memberSignatureRole(pkg, m.role)));
        const mesaBytes = sealMesaResult(pkg, actaBytes, signatures, sha256Hex(`head ${i}`), results);
        const unit = sealTransmission({ pkg, kind: 'mesa-result', plaintext: mesaBytes, signer: transmission });
        unitBytes += unit.length;
        units.push(unit);
      }
      generateNs += process.hrtime.bigint() - g0;
      for (const unit of units) {
        const t0 = process.hrtime.bigint();
        const answer = receive(unit);
        ingestNs += process.hrtime.bigint() - t0;
        if (answer.answer.outcome !== 'acknowledged') throw new Error(`bench result refused: ${JSON.stringify(answer.answer.refusal)}`);
      }
      log(`  ${Math.min(options.mesas, start + batch)} / ${options.mesas} mesas ingested`);
    }

    const t0 = process.hrtime.bigint();
    const tally = centreTally(store);
    const tallySeconds = Number(process.hrtime.bigint() - t0) / 1e9;
    if (tally.national.ballots !== expectedBallots || tally.national.mesas !== options.mesas) {
      throw new Error(`bench tally wrong: ${tally.national.mesas} mesas / ${tally.national.ballots} ballots, expected ${options.mesas} / ${expectedBallots}`);
    }
    store.close();
    const ingestSeconds = Number(ingestNs) / 1e9;
    return {
      mesas: options.mesas,
      generateSeconds: Number(generateNs) / 1e9,
      ingestSeconds,
      resultsPerSecond: options.mesas / ingestSeconds,
      ed25519VerifiesPerSecond: rawVerifyRate(),
      unitBytesAverage: unitBytes / options.mesas,
      tallySeconds,
    };
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}
