/**
 * Spanish texts the cabin machine puts in its context for screens (out-of-service reasons).
 * Kept apart from the machine so the wording can be reviewed by legal staff without reading
 * state-machine code. Every out-of-service text says what the mesa must do next.
 */
import type { BoothActorName, CommitFailure, PuestaACeroFailure, SelfCheckFailure } from './machine-types.ts';

const CALL_TECHNICIAN = 'Comunique el hecho al personal técnico de la ONPE.';

export function selfCheckFailureText(failure: SelfCheckFailure): string {
  switch (failure.kind) {
    case 'package-invalid':
      return `El paquete electoral no es válido o no pudo verificarse. ${CALL_TECHNICIAN}`;
    case 'software-unauthorized':
      return `El programa instalado no corresponde a una versión autorizada. ${CALL_TECHNICIAN}`;
    case 'keys-invalid':
      return `Las claves de la cabina no son válidas. ${CALL_TECHNICIAN}`;
    case 'storage-fault':
      return `El almacenamiento de votos no funciona correctamente. ${CALL_TECHNICIAN}`;
    case 'store-other-package':
      return 'El almacenamiento de votos corresponde a otro paquete electoral. Llame al personal de ONPE.';
    case 'printer-unavailable':
      return `No se detecta la impresora de la cabina. ${CALL_TECHNICIAN}`;
    case 'activation-reader-unavailable':
      return `No se detecta el lector de dispositivos de activación. ${CALL_TECHNICIAN}`;
    case 'clock-invalid':
      return `La fecha u hora de la cabina no es correcta. ${CALL_TECHNICIAN}`;
  }
}

export function puestaACeroFailureText(failure: Exclude<PuestaACeroFailure, { kind: 'printer-fault' }>): string {
  switch (failure.kind) {
    case 'store-not-empty':
      return `La urna electrónica no está vacía: no se puede iniciar la votación en esta cabina. ${CALL_TECHNICIAN}`;
    case 'storage-fault':
      return `No se pudo comprobar que la urna electrónica está vacía. ${CALL_TECHNICIAN}`;
  }
}

export function commitFailureText(failure: CommitFailure): string {
  const prefix = 'El voto NO fue registrado.';
  switch (failure.kind) {
    case 'storage-fault':
      return `${prefix} La urna electrónica no pudo guardarlo. Devuelva el dispositivo a la mesa. ${CALL_TECHNICIAN}`;
    case 'invalid-ballot':
      return `${prefix} La cédula fue rechazada por la urna electrónica. Devuelva el dispositivo a la mesa. ${CALL_TECHNICIAN}`;
    case 'token-already-used':
      return `${prefix} El dispositivo de activación ya había sido utilizado. Devuelva el dispositivo a la mesa.`;
  }
}

/** The store failed after the last vote was already committed (it counts; do not vote again). */
export const STORAGE_FAULT_AFTER_COMMIT_TEXT =
  `La urna electrónica no responde. El último voto ya quedó registrado. ${CALL_TECHNICIAN}`;

/** An actor failed in a way its contract does not allow (a bug): stop rather than guess. */
export function internalErrorText(actor: BoothActorName): string {
  return `Error interno de la cabina (${actor}). ${CALL_TECHNICIAN}`;
}

export const SESSION_ENDED_BY_INACTIVITY_TEXT =
  'Sesión terminada por inactividad. Devuelva el dispositivo a la mesa.';

/**
 * Token refusal texts the cabin chooses itself (the rest come from the host's
 * tokenRejectionScreenText). Kept equal to shared/activation/rejection.ts for the same kind.
 */
export const CLAIMED_ELSEWHERE_TEXT = 'Este dispositivo ya fue usado en otra cabina. Devuélvalo al presidente de mesa.';
