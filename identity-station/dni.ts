/**
 * Parsing of a DNI typed, or read by the DNI reader, at the identity station. Pure: the text comes in,
 * a canonical 8-digit string or a typed error with the Spanish text for the member goes out.
 * A Peruvian DNI is exactly 8 digits; leading zeros are significant (never parsed as a number).
 */
import type { DniReading } from '../shared/devices/dni-reader/dni-reader.ts';
import type { Result } from '../shared/result.ts';
import { err, ok } from '../shared/result.ts';

/** A string known to be exactly 8 ASCII digits. */
export type Dni = string & { readonly __brand: 'Dni' };

export type DniError =
  | { readonly kind: 'empty'; readonly screenText: string }
  | { readonly kind: 'not-digits'; readonly screenText: string }
  | { readonly kind: 'too-short'; readonly digits: number; readonly screenText: string }
  | { readonly kind: 'too-long'; readonly digits: number; readonly screenText: string }
  /** From the DNI reader: garbled, or what it read is not 8 digits (parseDniReading). */
  | { readonly kind: 'bad-reading'; readonly screenText: string };

export const DNI_LENGTH = 8;

const ALL_DIGITS = /^[0-9]+$/;

/**
 * Surrounding spaces are dropped (scanners append them); spaces or dashes inside are NOT, because
 * a member who typed "1234 5678" may have mistyped and must look again.
 */
export function parseDni(text: string): Result<Dni, DniError> {
  const trimmed = text.trim();
  if (trimmed.length === 0) return err({ kind: 'empty', screenText: 'Ingrese el número de DNI (8 dígitos).' });
  if (!ALL_DIGITS.test(trimmed)) {
    return err({ kind: 'not-digits', screenText: 'El DNI solo puede contener números (8 dígitos, sin letras ni signos).' });
  }
  if (trimmed.length < DNI_LENGTH) {
    return err({
      kind: 'too-short',
      digits: trimmed.length,
      screenText: `El DNI tiene 8 dígitos; se ingresaron ${trimmed.length}. Revise el número.`,
    });
  }
  if (trimmed.length > DNI_LENGTH) {
    return err({
      kind: 'too-long',
      digits: trimmed.length,
      screenText: `El DNI tiene 8 dígitos; se ingresaron ${trimmed.length}. Revise el número.`,
    });
  }
  return ok(trimmed as Dni);
}

const READ_AGAIN = 'Vuelva a pasar el código de barras del DNI por el lector, o escriba el número.';

/**
 * A reading of the DNI reader (shared/devices/dni-reader/), judged by the same rules as a typed
 * DNI (parseDni), with texts that speak of the reader rather than of typing: the member did not
 * type anything and must know to scan again or type the number.
 */
export function parseDniReading(reading: DniReading): Result<Dni, DniError> {
  if (reading.kind === 'garbled') {
    return err({ kind: 'bad-reading', screenText: `No se pudo leer el DNI: la lectura llegó incompleta o dañada. ${READ_AGAIN}` });
  }
  const parsed = parseDni(reading.text);
  if (parsed.ok) return parsed;
  switch (parsed.error.kind) {
    case 'not-digits':
      return err({ kind: 'bad-reading', screenText: `Lo leído no es un número de DNI: contiene letras u otros signos. ${READ_AGAIN}` });
    case 'too-short':
    case 'too-long':
      return err({
        kind: 'bad-reading',
        screenText: `Lo leído tiene ${parsed.error.digits} dígitos y un DNI tiene 8. ${READ_AGAIN}`,
      });
    default:
      return err({ kind: 'bad-reading', screenText: `No se pudo leer el DNI. ${READ_AGAIN}` });
  }
}
