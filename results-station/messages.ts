/**
 * Spanish texts the results station machine puts in its context for screens and acta
 * observations. Kept apart from the machine so legal staff can review the wording.
 */
import type { CountDifference, Finding, PuestaACeroFailure, ResultsActorName, SelfCheckFailure } from './machine-types.ts';

const CALL_TECHNICIAN = 'Comunique el hecho al personal técnico de la ONPE.';

export function selfCheckFailureText(failure: SelfCheckFailure): string {
  switch (failure.kind) {
    case 'package-invalid':
      return `El paquete electoral no es válido o no pudo verificarse. ${CALL_TECHNICIAN}`;
    case 'software-unauthorized':
      return `El programa instalado no corresponde a una versión autorizada. ${CALL_TECHNICIAN}`;
    case 'keys-invalid':
      return `Las claves de la estación de resultados no son válidas. ${CALL_TECHNICIAN}`;
    case 'storage-fault':
      return `El almacenamiento de la estación no funciona correctamente. ${CALL_TECHNICIAN}`;
    case 'printer-unavailable':
      return `No se detecta la impresora de la estación. ${CALL_TECHNICIAN}`;
    case 'clock-invalid':
      return `La fecha u hora de la estación no es correcta. ${CALL_TECHNICIAN}`;
  }
}

export function puestaACeroFailureText(failure: Exclude<PuestaACeroFailure, { kind: 'printer-fault' }>): string {
  switch (failure.kind) {
    case 'store-not-empty':
      return `La estación de resultados ya contiene datos: no puede hacerse la puesta a cero. ${CALL_TECHNICIAN}`;
    case 'storage-fault':
      return `El almacenamiento de la estación no funciona correctamente. ${CALL_TECHNICIAN}`;
  }
}

export function internalErrorText(actor: ResultsActorName): string {
  return `Error interno de la estación de resultados (${actor}). ${CALL_TECHNICIAN}`;
}

/** Refusal screen: names the cabin whose device was refused and every reason. */
export function cabinRefusalText(cabinId: string, reasons: readonly string[]): string {
  const cabin = cabinId.replace(/^cabin-/, '');
  return `Se rechazó el dispositivo de consolidación de la cabina ${cabin}. Sus resultados NO se contabilizan. Motivo: ${reasons.join(' ')} Inserte otro dispositivo de esa cabina.`;
}

export function identityRefusalText(reasons: readonly string[]): string {
  return `Se rechazó el resumen de la estación de identificación. Motivo: ${reasons.join(' ')} Inserte otro dispositivo con el resumen.`;
}

export function discrepancyObservations(findings: readonly Finding[]): string[] {
  return findings.map((finding) => `Discrepancia registrada por el presidente de mesa: ${finding.actaText}`);
}

function describeDifference(difference: CountDifference, firstLabel: string, secondLabel: string): string {
  const show = (value: number | null) => (value === null ? 'sin dato' : String(value));
  return `${difference.field}: ${firstLabel} ${show(difference.first)}, ${secondLabel} ${show(difference.second)}`;
}

/** Art. 28: the cotejo's result as one acta observation. */
export function cotejoObservation(differences: readonly CountDifference[]): string {
  if (differences.length === 0) return 'Cotejo (Art. 28): el conteo manual coincide con los resultados electrónicos.';
  const lines = differences.map((difference) => describeDifference(difference, 'electrónico', 'manual'));
  return `Cotejo (Art. 28): diferencias entre los resultados electrónicos y el conteo manual. ${lines.join('; ')}.`;
}

/** STAE: one line per field where the two members' entries differ. */
export function entryDifferenceLines(differences: readonly CountDifference[]): string[] {
  return differences.map((difference) => describeDifference(difference, 'primer ingreso', 'segundo ingreso'));
}
