/**
 * A ballot: one choice per contest of the election definition. This is the shape stored by
 * the cabin, printed on the constancia, carried in the cabin results and tallied by the
 * results station and the observer tool. Validity rules live in `rules.ts` (one truth for
 * every station).
 *
 * Secrecy: a ballot carries no voter, time, sequence or cabin-session data. Preferential
 * numbers are kept sorted ascending so the order in which a voter typed them (which could
 * act as a fingerprint) is not stored.
 */
export type ContestChoice =
  | { readonly kind: 'blank' }
  | { readonly kind: 'null' }
  | {
      readonly kind: 'organization';
      /** Ballot number of the chosen organization in this contest. */
      readonly organization: number;
      /** Candidate numbers within that organization's list, ascending, no repeats. */
      readonly preferential: readonly number[];
    };

export interface Ballot {
  /** Keyed by contest id; every contest of the definition has exactly one entry. */
  readonly choices: Readonly<Record<string, ContestChoice>>;
}

export const BLANK: ContestChoice = Object.freeze({ kind: 'blank' });
export const NULL_VOTE: ContestChoice = Object.freeze({ kind: 'null' });
