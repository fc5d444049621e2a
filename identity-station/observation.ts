/**
 * The observations the president dictates for the actas (Arts. 20, 25: "observaciones"), checked
 * before they are stored. Pure: typed text in, the text to print or a Spanish refusal out.
 *
 * DECISIONS
 * - Whitespace is normalised (runs of spaces and line breaks become one space): an observation is
 *   one paragraph on the acta, and the store keeps one per line.
 * - At most OBSERVATION_MAX_CHARS characters: about ten lines of the 80 mm acta, enough for a
 *   fact and its circumstances; a longer text is refused (not cut), so nothing typed is lost
 *   without the president knowing.
 * - No number of 8 or more digits, even split by spaces, dots or dashes ("1234 5678",
 *   "12.345.678"): it may be a voter's DNI, and an acta is public. People are named by role
 *   ("el personero del partido X", "un elector"), as the screen says.
 * - Only printable text: control characters are refused.
 */
import { err, ok, type Result } from '../shared/result.ts';

export const OBSERVATION_MAX_CHARS = 500;

export type ObservationRefusal = 'empty' | 'too-long' | 'dni-like-number' | 'control-characters';

/** A space, dot or dash between two digits: "1234 5678" and "12.345.678" are read as 8 digits in a row. */
const DIGIT_SEPARATOR = /(?<=[0-9])[ .-](?=[0-9])/gu;
const EIGHT_DIGITS = /[0-9]{8}/u;
// eslint-disable-next-line no-control-regex -- the point is to find control characters
const CONTROL = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f]/u;

export function parseObservation(text: string): Result<string, ObservationRefusal> {
  if (CONTROL.test(text)) return err('control-characters');
  const normalised = text.replace(/\s+/gu, ' ').trim();
  if (normalised.length === 0) return err('empty');
  if (normalised.length > OBSERVATION_MAX_CHARS) return err('too-long');
  if (EIGHT_DIGITS.test(normalised.replace(DIGIT_SEPARATOR, ''))) return err('dni-like-number');
  return ok(normalised);
}
