/**
 * Spanish texts the results station machine puts in its context for screens and acta
 * observations. Kept apart from the machine so legal staff can review the wording.
 */
import type {
  ConsolidationFault,
  CountDifference,
  CredentialRefusal,
  Finding,
  PrinterFault,
  PuestaACeroFailure,
  ResultsActorName,
  ResultsScreen,
  SelfCheckFailure,
  SigningRefusal,
} from './machine-types.ts';

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

// --- Screens of the members' display (results-station/ui) -----------------------------------

/** Title of every screen the members' display renders (details come from the context). */
export const RESULTS_SCREEN_TITLES: { readonly [K in ResultsScreen]: string } = {
  'self-check': 'Verificando el equipo, el programa y el paquete electoral…',
  'out-of-service': 'Estación fuera de servicio',
  'awaiting-president': 'Puesta a cero de la estación de resultados',
  'verifying-credential': 'Verificando la credencial del presidente…',
  'puesta-a-cero': 'Puesta a cero: comprobando que la estación no tiene resultados e imprimiendo el reporte…',
  'printer-fault': 'La impresora no responde. Revise el papel y la tapa.',
  'insert-cabin-device': 'Lectura de los resultados de las cabinas',
  'reading-device': 'Leyendo y verificando el dispositivo de consolidación…',
  'device-refused': 'Dispositivo rechazado',
  'insert-identity-device': 'Lectura del resumen de la estación de identificación',
  'reconciliation-problems': 'Los resultados no cuadran con la estación de identificación',
  'reconciliation-blocked': 'No se pueden sumar los resultados',
  tallied: 'Resultados de la mesa',
  'cotejo-entry': 'Cotejo (Art. 28): ingrese el conteo manual de las constancias',
  'cotejo-review': 'Cotejo (Art. 28): comparación con los resultados electrónicos',
  'manual-entry-first': 'Conteo manual: primer ingreso',
  'manual-entry-second': 'Conteo manual: segundo ingreso, por otro miembro',
  'manual-mismatch': 'Conteo manual: los dos ingresos no coinciden',
  'manual-invalid': 'Conteo manual: los resultados ingresados no son coherentes',
  'printing-acta': 'Imprimiendo las actas de escrutinio…',
  signing: 'Firma de los miembros de mesa',
  'verifying-signature': 'Verificando la credencial y firmando…',
  'writing-results': 'Grabando el resultado firmado en el dispositivo de consolidación…',
  'consolidation-fault': 'No se pudo grabar en el dispositivo de consolidación',
  closed: 'Escrutinio terminado',
};

/** What the members do next on each screen (empty while the station works on its own). */
export const RESULTS_INSTRUCTIONS: { readonly [K in ResultsScreen]: string } = {
  'self-check': '',
  // The reason on screen already says to call the technicians.
  'out-of-service': '',
  'awaiting-president': 'Presidente: presente su credencial en el lector para hacer la puesta a cero de la estación.',
  'verifying-credential': '',
  'puesta-a-cero': '',
  'printer-fault': 'La impresión se reanuda sola cuando la impresora está lista.',
  'insert-cabin-device': '',
  'reading-device': 'No retire el dispositivo.',
  'device-refused': '',
  'insert-identity-device':
    'Inserte el dispositivo de consolidación de la estación de identificación (resumen de la mesa).',
  'reconciliation-problems':
    'Revise los dispositivos y toque «Leer de nuevo los dispositivos», o bien el presidente presenta su credencial en el lector y toca «Registrar en el acta».',
  'reconciliation-blocked': 'Revise los dispositivos y toque «Leer de nuevo los dispositivos».',
  tallied:
    'Puede hacer el cotejo con las constancias (Art. 28) antes de imprimir. Cuando estén listos, toque «Imprimir las actas».',
  'cotejo-entry':
    'Escriba lo contado en cada casilla (vacía cuenta como 0). Tab o Enter pasan a la siguiente. Al terminar, toque «Comparar con el resultado electrónico».',
  'cotejo-review':
    'Revise las diferencias. Puede corregir el conteo y comparar de nuevo, o tocar «Registrar el cotejo e imprimir».',
  'manual-entry-first':
    'Un miembro elige su nombre y escribe el conteo completo de las cédulas (vacía cuenta como 0). Al terminar, toque «Registrar este ingreso».',
  'manual-entry-second':
    'Otro miembro, sin ver el primer ingreso, elige su nombre y escribe el conteo completo. Al terminar, toque «Registrar este ingreso».',
  'manual-mismatch':
    'Cuenten de nuevo las casillas señaladas. Uno de los dos miembros elige su nombre, corrige su ingreso y lo registra otra vez.',
  'manual-invalid': 'Revise el conteo. Uno de los dos miembros corrige su ingreso y lo registra otra vez.',
  'printing-acta': 'Retire cada copia de la impresora.',
  signing:
    'Cada miembro presenta su credencial en el lector para firmar. Firman el presidente y al menos dos miembros; los personeros pueden firmar también. Luego toque «Terminar las firmas».',
  'verifying-signature': 'No retire la credencial.',
  'writing-results': 'No retire el dispositivo.',
  'consolidation-fault':
    'Inserte el dispositivo de consolidación correcto y toque «Reintentar». La estación también lo intenta sola.',
  closed: 'Retire el dispositivo de consolidación y llévelo a la estación de transmisión. Entregue las actas a sus destinatarios.',
};

/** "cabin-2" → "cabina 2" (as the members see the cabins). */
export function cabinLabel(cabinId: string): string {
  return `cabina ${cabinId.replace(/^cabin-/, '')}`;
}

export function insertCabinDeviceText(cabinId: string): string {
  return `Inserte el dispositivo de consolidación de la ${cabinLabel(cabinId)}.`;
}

export function credentialRefusalText(refusal: CredentialRefusal): string {
  switch (refusal) {
    case 'unreadable':
      return 'No se pudo leer la credencial. Retírela y preséntela de nuevo.';
    case 'unknown':
      return 'La credencial no corresponde a esta mesa.';
    case 'not-president':
      return 'Esta acción requiere la credencial del presidente de mesa.';
    case 'not-member':
      return 'La credencial no es de un miembro de esta mesa.';
    case 'revoked':
      return 'La credencial fue revocada y no puede usarse.';
  }
}

export function signingRefusalText(refusal: SigningRefusal): string {
  if (refusal === 'insufficient-signatures') {
    return 'Faltan firmas: deben firmar el presidente y al menos dos miembros de mesa.';
  }
  return `No se registró la firma. ${credentialRefusalText(refusal)}`;
}

export function printerFaultText(fault: PrinterFault): string {
  switch (fault.kind) {
    case 'paper-out':
      return 'La impresora no tiene papel. Coloque un rollo nuevo.';
    case 'cover-open':
      return 'La tapa de la impresora está abierta. Ciérrela.';
    case 'offline':
    case 'device-removed':
      return 'La impresora está desconectada. Revise el cable.';
    case 'timeout':
    case 'error':
      return 'La impresora no responde. Revísela; la copia en curso se imprimirá de nuevo.';
  }
}

export function consolidationFaultText(fault: ConsolidationFault): string {
  switch (fault.kind) {
    case 'device-missing':
      return 'No hay un dispositivo de consolidación insertado.';
    case 'device-full':
      return 'El dispositivo de consolidación está lleno.';
    case 'read-only':
      return 'El dispositivo de consolidación está protegido contra escritura.';
    case 'wrong-device':
      return 'El dispositivo insertado no es el dispositivo de consolidación de esta mesa.';
    case 'write-failed':
      return 'Falló la grabación en el dispositivo de consolidación.';
  }
}

export function entryRefusalText(refusal: 'same-member' | 'unknown-member'): string {
  return refusal === 'same-member'
    ? 'El segundo ingreso debe hacerlo otro miembro de mesa. No se registró.'
    : 'Solo puede corregir uno de los dos miembros que ingresaron el conteo. No se registró.';
}

/** Shown when the page asks to record discrepancies and no credential is on the reader. */
export const PRESENT_PRESIDENT_CREDENTIAL = 'Presidente: presente su credencial en el lector y toque de nuevo «Registrar en el acta».';

/** Labels of the entry form's fields other than organizations. */
export const FIELD_LABELS = {
  ballots: 'Cédulas contadas (total de votantes)',
  blank: 'Votos en blanco',
  null: 'Votos nulos',
} as const;
