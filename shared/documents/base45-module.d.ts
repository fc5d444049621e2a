// Types for @digitalbazaar/base45 (RFC 9285), which ships none. Use it only through
// shared/documents/acta-qr.ts, which guards its two pitfalls (see there).
declare module '@digitalbazaar/base45' {
  export function encode(input: Uint8Array): string;
  export function decode(input: string): Uint8Array;
}
