/**
 * Acta data for the document tests: a realistic consolidated tally of the eg2026 fixture (a
 * full mesa, every elector voting with every preferential mark allowed) sealed as the
 * results station would seal it.
 */
import fc from 'fast-check';
import type { Ballot } from '../../shared/ballot/ballot.ts';
import { generateSigningKeyPair } from '../../shared/crypto/ed25519.ts';
import type { ElectionDefinition } from '../../shared/election/definition.ts';
import type { ActaData } from '../../shared/results/mesa-result.ts';
import { sealActaData } from '../../shared/results/mesa-result.ts';
import { addArt23Blanks } from '../../shared/tally/art23.ts';
import { art23Observation } from '../../shared/tally/art23.ts';
import type { Tally } from '../../shared/tally/tally.ts';
import { tallyBallots } from '../../shared/tally/tally.ts';
import { EG2026, org } from './ballots.ts';

export const SOFTWARE_CODE = '0123456789abcdef'.repeat(4);
export const PACKAGE_HASH = 'fedcba9876543210'.repeat(4);
export const ZERO_REPORT_HASH = 'a1b2c3d4e5f60718'.repeat(4);
export const CLOSED_AT = '2026-04-12T22:31:05Z';
export const PRINTED_AT = new Date('2026-04-12T22:40:09Z');

const RESULTS_KEY = generateSigningKeyPair();
export const RESULTS_SIGNER = { role: 'results', seed: RESULTS_KEY.seed, publicKey: RESULTS_KEY.publicKey };

export function mustTally(definition: ElectionDefinition, ballots: readonly Ballot[], art23 = 0): Tally {
  const counted = tallyBallots(definition, ballots);
  if (!counted.ok) throw new Error('fixture ballots are invalid');
  const withBlanks = addArt23Blanks(counted.value, art23);
  if (!withBlanks.ok) throw new Error('fixture Art. 23 blanks refused');
  return withBlanks.value;
}

export interface ActaFixtureOptions {
  readonly art23?: number;
  readonly impugnados?: number;
  readonly cotejo?: ActaData['cotejo'];
  readonly mode?: ActaData['mode'];
}

/** Acta data for `tally` with identity counts that reconcile with it. */
export function actaDataFor(definition: ElectionDefinition, tally: Tally, options: ActaFixtureOptions = {}): ActaData {
  const art23 = tally.art23Blanks;
  const impugnados = options.impugnados ?? 0;
  const observation = art23Observation(art23);
  const half = Math.floor(tally.ballots / 2);
  return {
    formatVersion: 1,
    electionId: definition.election.id,
    mesa: definition.mesa.number,
    packageHash: PACKAGE_HASH,
    simulacro: definition.election.simulacro,
    softwareCode: SOFTWARE_CODE,
    zeroReportHash: ZERO_REPORT_HASH,
    mode: options.mode ?? 'electronic',
    tally,
    observations: observation === undefined ? [] : [observation],
    cabins:
      options.mode === 'manual-count'
        ? []
        : [
            { cabinId: 'cabin-1', fileHash: '1'.repeat(64), ballotCount: half },
            { cabinId: 'cabin-2', fileHash: '2'.repeat(64), ballotCount: tally.ballots - half },
          ],
    identity: {
      fileHash: '3'.repeat(64),
      counts: {
        electoresHabiles: definition.mesa.electoresHabiles,
        activationsIssued: tally.ballots + art23,
        activationsConsumed: tally.ballots,
        art23NotVoted: art23,
        impugnados,
        lostDevices: 0,
        assistedVoters: 0,
      },
    },
    cotejo: options.cotejo ?? null,
    closedAt: CLOSED_AT,
  };
}

/**
 * The largest realistic acta of eg2026: `voters` electors (300 = the whole padrón) each using
 * every preferential mark the contest allows, spread at random over the organizations.
 */
export function largestRealisticActa(voters = EG2026.mesa.electoresHabiles, art23 = 3): { data: ActaData; bytes: Uint8Array } {
  // Built directly (not filtered): every contest an organization with every mark allowed.
  const maximal = fc.tuple(
    ...EG2026.contests.map((contest) => {
      const max = contest.kind === 'organization-list' ? contest.maxPreferential : 0;
      return fc.constantFrom(...contest.organizations).chain((organization) =>
        fc
          .shuffledSubarray((organization.candidates ?? []).map((c) => c.number), { minLength: max, maxLength: max })
          .map((preferential) => [contest.id, org(organization.number, ...[...preferential].sort((a, b) => a - b))] as const),
      );
    }),
  ).map((pairs): Ballot => ({ choices: Object.fromEntries(pairs) }));
  const impugnados = 2;
  const ballots = fc.sample(maximal, { numRuns: voters - art23 - impugnados, seed: 20260412 });
  const data = actaDataFor(EG2026, mustTally(EG2026, ballots, art23), { impugnados });
  return { data, bytes: sealActaData(data, RESULTS_SIGNER) };
}
