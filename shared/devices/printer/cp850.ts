/**
 * Code page PC850 (ESC t 2), the page the driver selects: it holds every character Spanish
 * needs (ñ Ñ á é í ó ú Á É Í Ó Ú ü Ü ¿ ¡ °) and is present on practically every ESC/POS
 * printer. Bytes 0x20-0x7E are ASCII; this table gives bytes 0x80-0xFF.
 */
export const CP850_HIGH_HALF =
  'ÇüéâäàåçêëèïîìÄÅ' +
  'ÉæÆôöòûùÿÖÜø£Ø×ƒ' +
  'áíóúñÑªº¿®¬½¼¡«»' +
  '░▒▓│┤ÁÂÀ©╣║╗╝¢¥┐' +
  '└┴┬├─┼ãÃ╚╔╩╦╠═╬¤' +
  'ðÐÊËÈıÍÎÏ┘┌█▄¦Ì▀' +
  'ÓßÔÒõÕµþÞÚÛÙýÝ¯´' +
  '\u00AD±‗¾¶§÷¸°¨·¹³²■\u00A0';

const HIGH_HALF_CHARS = Array.from(CP850_HIGH_HALF);
if (HIGH_HALF_CHARS.length !== 128) throw new Error('CP850 table must have 128 entries');

const ENCODABLE = new Set<string>(HIGH_HALF_CHARS);
for (let code = 0x20; code <= 0x7e; code++) ENCODABLE.add(String.fromCharCode(code));
// Soft hyphen and no-break space are invisible or ambiguous on paper; we never emit them.
ENCODABLE.delete('\u00AD');
ENCODABLE.delete('\u00A0');

/** Decodes one printable byte (0x20..0xFF) of PC850; other bytes have no glyph. */
export function decodeCp850Byte(byte: number): string | undefined {
  if (byte >= 0x20 && byte <= 0x7e) return String.fromCharCode(byte);
  if (byte >= 0x80 && byte <= 0xff) return HIGH_HALF_CHARS[byte - 0x80];
  return undefined;
}

const TYPOGRAPHIC_FALLBACKS: ReadonlyMap<string, string> = new Map([
  ['\u2018', "'"], ['\u2019', "'"], ['\u201A', "'"], ['\u2032', "'"],
  ['\u201C', '"'], ['\u201D', '"'], ['\u201E', '"'], ['\u2033', '"'],
  ['\u2010', '-'], ['\u2011', '-'], ['\u2012', '-'], ['\u2013', '-'], ['\u2014', '-'], ['\u2015', '-'], ['\u2212', '-'],
  ['\u2026', '...'], ['\u20AC', 'EUR'], ['\u2022', '·'], ['\u00A0', ' '], ['\u202F', ' '], ['\t', ' '],
]);

/**
 * Makes any string printable in PC850, one character at a time:
 * 1. characters in the page are kept;
 * 2. a few typographic characters map to ASCII look-alikes (curly quotes, dashes, ellipsis, €);
 * 3. otherwise accents are stripped (NFD, combining marks removed): "ő" -> "o", "Ł" stays;
 * 4. anything still outside the page becomes '?'.
 * Control characters (including ESC, GS, DLE and line breaks) become '?': text from data
 * (names, party labels) must never be able to inject printer commands. Callers split lines
 * before calling this.
 */
export function toCp850Printable(content: string): string {
  let out = '';
  for (const char of content) {
    if (ENCODABLE.has(char)) {
      out += char;
      continue;
    }
    const typographic = TYPOGRAPHIC_FALLBACKS.get(char);
    if (typographic !== undefined) {
      out += typographic;
      continue;
    }
    const stripped = char.normalize('NFD').replace(/\p{M}/gu, '');
    if (stripped.length > 0 && Array.from(stripped).every((c) => ENCODABLE.has(c))) {
      out += stripped;
      continue;
    }
    out += '?';
  }
  return out;
}
