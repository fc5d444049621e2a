/**
 * Why a cabin refuses an activation device: English text for the log (no nonce, no time of use:
 * logs must not help link a device to a ballot) and Spanish text for the voter's screen. Every
 * screen text ends by sending the voter back to the mesa, the only place a device can be fixed.
 */
export type TokenRejection =
  /** Not a token (blank device, another kind of content, broken structure). */
  | { readonly kind: 'malformed'; readonly detail: string }
  /** Bad signature, edited bytes, or not signed by this package's identity station. */
  | { readonly kind: 'forged'; readonly detail: string }
  | { readonly kind: 'other-election'; readonly found: string }
  | { readonly kind: 'other-mesa'; readonly found: string }
  | { readonly kind: 'expired'; readonly expiresAt: string }
  /** The nonce is already recorded as used by THIS cabin's vote store. */
  | { readonly kind: 'replayed'; readonly nonce: string }
  /** The device carries a consumed mark signed by a cabin of this package. */
  | { readonly kind: 'consumed'; readonly nonce: string; readonly cabin: string }
  /**
   * The device carries a claim mark of ANOTHER cabin of this package (device-state.ts
   * markClaimed): that cabin started a session with it and may have recorded the vote.
   */
  | { readonly kind: 'claimed-elsewhere'; readonly nonce: string; readonly cabin: string }
  | { readonly kind: 'simulacro-mismatch'; readonly tokenSimulacro: boolean };

export function describeTokenRejection(r: TokenRejection): string {
  switch (r.kind) {
    case 'malformed':
      return `activation device refused: not a valid activation token (${r.detail})`;
    case 'forged':
      return `activation device refused: token not issued by this mesa's identity station (${r.detail})`;
    case 'other-election':
      return `activation device refused: token is for election ${r.found}`;
    case 'other-mesa':
      return `activation device refused: token is for mesa ${r.found}`;
    case 'expired':
      return `activation device refused: token expired at ${r.expiresAt}`;
    case 'replayed':
      return 'activation device refused: token already used in this cabin (replay)';
    case 'consumed':
      return `activation device refused: it carries a consumed mark from ${r.cabin}`;
    case 'claimed-elsewhere':
      return `activation device refused: claimed by ${r.cabin} and never marked consumed there (sent to the president)`;
    case 'simulacro-mismatch':
      return r.tokenSimulacro
        ? 'activation device refused: simulacro token in a cabin running the real election'
        : 'activation device refused: real-election token in a cabin running a simulacro';
  }
}

export function tokenRejectionScreenText(r: TokenRejection): string {
  switch (r.kind) {
    case 'malformed':
      return 'Este dispositivo de activación no contiene una habilitación válida. Devuélvalo a la mesa.';
    case 'forged':
      return 'Este dispositivo de activación no fue habilitado por esta mesa. Devuélvalo a la mesa.';
    case 'other-election':
      return 'Este dispositivo de activación corresponde a otra elección. Devuélvalo a la mesa.';
    case 'other-mesa':
      return 'Este dispositivo de activación corresponde a otra mesa. Devuélvalo a la mesa.';
    case 'expired':
      return 'La habilitación de este dispositivo de activación venció. Devuélvalo a la mesa para que lo habiliten de nuevo.';
    case 'replayed':
    case 'consumed':
      return 'Este dispositivo de activación ya fue utilizado. Devuélvalo a la mesa.';
    case 'claimed-elsewhere':
      return 'Este dispositivo ya fue usado en otra cabina. Devuélvalo al presidente de mesa.';
    case 'simulacro-mismatch':
      return r.tokenSimulacro
        ? 'Este dispositivo de activación es de un simulacro y esta cabina está en la elección real. Devuélvalo a la mesa.'
        : 'Este dispositivo de activación es de la elección real y esta cabina está en un simulacro. Devuélvalo a la mesa.';
  }
}
