/**
 * Spanish texts of the identity station screens, apart from the machine so legal staff can review
 * the wording without reading state-machine code. Every refusal says what to do next.
 */
import type {
  CheckRefusal,
  CloseRefusal,
  IdentityActorName,
  IdentityScreen,
  InstallRefusal,
  IssueFailure,
  MemberRefusal,
  ObservationOutcome,
  PuestaACeroFailure,
  SelfCheckFailure,
} from './machine-types.ts';

import { OBSERVATION_MAX_CHARS } from './observation.ts';

const CALL_TECHNICIAN = 'Comunique el hecho al personal técnico de la ONPE.';

/** Title of every screen the UI renders (details come from the context). */
export const SCREEN_TITLES: { readonly [K in IdentityScreen]: string } = {
  'self-check': 'Verificando el equipo, el programa y los datos de la mesa…',
  'out-of-service': 'Estación fuera de servicio',
  'confirm-mesa-data': 'Presidente: confirme los datos de la mesa',
  installation: 'Instalación de la mesa: registre a los miembros con su DNI',
  'verifying-credential': 'Verificando la credencial del presidente…',
  'acta-no-instalacion': 'Imprimiendo el acta de no instalación…',
  'not-installed': 'La mesa no se instaló. Entregue el acta de no instalación.',
  'puesta-a-cero': 'Puesta a cero: comprobando que no hay electores registrados…',
  'acta-instalacion': 'Imprimiendo el acta de instalación…',
  'printer-fault': 'La impresora no responde. Revise el papel y la tapa.',
  'awaiting-opening': 'Mesa instalada. La votación aún no ha comenzado.',
  'awaiting-dni': 'Ingrese el DNI del elector',
  'checking-voter': 'Buscando al elector en el padrón…',
  'voter-may-vote': 'El elector puede votar. Inserte un dispositivo de activación en blanco.',
  'voter-not-in-padron': 'El DNI no figura en el padrón de esta mesa. El elector no puede votar aquí.',
  'voter-already-voted': 'Este elector ya votó. No puede votar nuevamente.',
  'voter-holds-device': 'Este elector ya tiene un dispositivo de activación. Debe devolverlo antes de recibir otro.',
  'voter-impugned': 'La identidad de este elector fue impugnada. Vota en cédula de papel (Art. 24).',
  'issuing-device': 'Grabando el dispositivo de activación…',
  'issue-failed': 'No se pudo grabar el dispositivo de activación.',
  'device-out': 'Entregue el dispositivo al elector e indíquele la cabina.',
  'reading-device': 'Leyendo el dispositivo devuelto…',
  'device-refused': 'Este dispositivo no pertenece a esta mesa o no es válido. No se registra nada.',
  'device-claimed': 'El dispositivo fue reclamado por una cabina y no registra voto terminado. No se registra nada.',
  recording: 'Registrando…',
  'recording-observation': 'Registrando la observación…',
  'voted-recorded': 'Voto registrado. Entregue la constancia de sufragio al elector.',
  'art23-choice':
    'El dispositivo no fue usado. Presidente: devuélvalo al elector para que vote, o registre que no votó (Art. 23: se contará como voto en blanco).',
  'record-failed': 'No se pudo registrar. Intente nuevamente.',
  'impugnado-paper-vote': 'Registrando la impugnación: el elector vota en cédula de papel y sobre (Art. 24).',
  'outstanding-devices': 'Hay dispositivos de activación sin devolver. Resuélvalos antes de cerrar.',
  'acta-sufragio': 'Imprimiendo el acta de sufragio…',
  'writing-summary': 'Grabando el resumen de la mesa en el dispositivo de consolidación…',
  'consolidation-fault': 'No se pudo grabar en el dispositivo de consolidación. Revise la memoria USB.',
  closed: 'Votación cerrada. Acta de sufragio impresa.',
  'exporting-non-voters': 'Grabando la lista de electores que no votaron…',
};

export function selfCheckFailureText(failure: SelfCheckFailure): string {
  switch (failure.kind) {
    case 'package-invalid':
      return `El paquete electoral no es válido o no pudo verificarse. ${CALL_TECHNICIAN}`;
    case 'software-unauthorized':
      return `El programa instalado no corresponde a una versión autorizada. ${CALL_TECHNICIAN}`;
    case 'mesa-data-invalid':
      return `Los datos de la mesa no corresponden a esta estación. ${CALL_TECHNICIAN}`;
    case 'storage-fault':
      return `El registro de electores no funciona correctamente. ${CALL_TECHNICIAN}`;
    case 'printer-unavailable':
      return `No se detecta la impresora. ${CALL_TECHNICIAN}`;
    case 'activation-writer-unavailable':
      return `No se detecta el grabador de dispositivos de activación. ${CALL_TECHNICIAN}`;
    case 'clock-invalid':
      return `La fecha u hora de la estación no es correcta. ${CALL_TECHNICIAN}`;
  }
}

export function puestaACeroFailureText(failure: Exclude<PuestaACeroFailure, { kind: 'printer-fault' }>): string {
  switch (failure.kind) {
    case 'store-not-empty':
      return `El registro de electores no está vacío: no se puede iniciar la votación. ${CALL_TECHNICIAN}`;
    case 'storage-fault':
      return `No se pudo comprobar que el registro de electores está vacío. ${CALL_TECHNICIAN}`;
  }
}

export const STORAGE_FAULT_TEXT = `El registro de electores no responde. ${CALL_TECHNICIAN}`;

export function internalErrorText(actor: IdentityActorName): string {
  return `Error interno de la estación de identificación (${actor}). ${CALL_TECHNICIAN}`;
}

export function memberRefusalText(refusal: MemberRefusal): string {
  switch (refusal) {
    case 'invalid-dni':
      return 'El DNI no es válido (8 dígitos).';
    case 'not-a-member':
      return 'Este DNI no corresponde a un miembro titular ni suplente de la mesa.';
    case 'not-an-elector':
      return 'Solo puede ser miembro un elector de esta mesa.';
    case 'already-registered':
      return 'Este miembro ya fue registrado.';
    case 'role-taken':
      return 'Ese cargo ya está ocupado.';
    case 'before-install-deadline':
      return 'Aún no vence el plazo de instalación: no se puede tomar a electores de la cola como miembros.';
  }
}

export function installRefusalText(refusal: InstallRefusal): string {
  switch (refusal) {
    case 'credential-missing':
      return 'Para instalar la mesa, el presidente debe presentar su credencial.';
    case 'not-enough-members':
      return 'Se necesitan al menos tres miembros presentes para instalar la mesa.';
    case 'credential-rejected':
      return 'La credencial no fue aceptada. Solo el presidente de la mesa puede instalarla.';
  }
}

export function checkRefusalText(refusal: CheckRefusal): string {
  switch (refusal) {
    case 'invalid-dni':
      return 'El DNI no es válido.';
    case 'president-first':
      return 'El presidente de la mesa vota primero.';
    case 'members-first':
      return 'Después del presidente votan los demás miembros de la mesa.';
    case 'voting-closed':
      return 'La hora de votación terminó: no se identifican nuevos electores.';
  }
}

export function closeRefusalText(refusal: CloseRefusal, outstanding: number): string {
  switch (refusal) {
    case 'before-opening':
      return 'La votación aún no ha comenzado: no se puede cerrar.';
    case 'credential-missing':
      return 'Antes de la hora de cierre, solo el presidente puede ordenar el cierre con su credencial.';
    case 'credential-rejected':
      return 'La credencial no fue aceptada. Solo el presidente puede cerrar la votación.';
    case 'outstanding-devices':
      return outstanding === 1
        ? 'Falta devolver 1 dispositivo de activación.'
        : `Faltan devolver ${outstanding} dispositivos de activación.`;
  }
}

/** The claimed-but-not-consumed device (README "Claimed devices"): where to take it, and why. */
export function deviceClaimedText(cabin: number): string {
  return `Este dispositivo fue reclamado por la cabina ${cabin} y no registra voto terminado: llévelo a la cabina ${cabin} para que lo cierre (registra el voto o lo libera).`;
}

export function issueFailureText(failure: IssueFailure): string {
  switch (failure.kind) {
    case 'no-device':
      return 'No hay un dispositivo de activación en el grabador.';
    case 'device-not-blank':
      return 'El dispositivo no está en blanco. Use otro dispositivo.';
    case 'write-failed':
      return 'No se pudo grabar el dispositivo. Intente de nuevo o use otro.';
    case 'storage-fault':
      return STORAGE_FAULT_TEXT;
  }
}

/** What the president reads under the observation field after « Agregar observación ». */
export function observationOutcomeText(outcome: ObservationOutcome, acta: 'instalacion' | 'sufragio'): string {
  const actaName = acta === 'instalacion' ? 'el acta de instalación' : 'el acta de sufragio';
  if (outcome.kind === 'recorded') return `Observación registrada; se imprimirá en ${actaName}.`;
  switch (outcome.refusal) {
    case 'empty':
      return 'Escriba la observación antes de agregarla.';
    case 'too-long':
      return `La observación es demasiado larga (máximo ${OBSERVATION_MAX_CHARS} caracteres). Acórtela o divídala en dos.`;
    case 'dni-like-number':
      return 'La observación no puede llevar números de 8 dígitos o más: podría ser un DNI. Nombre a las personas por su cargo (por ejemplo, «el personero del partido X»).';
    case 'control-characters':
      return 'La observación contiene caracteres no válidos. Escríbala de nuevo.';
    case 'not-recorded':
      return `No se pudo registrar la observación: ${actaName} ya no admite observaciones.`;
  }
}

/**
 * Fixed labels of the president's page (identity-station/ui/page.js): buttons, field labels,
 * headings and verdicts. The page receives them in every view (`texts`) and has no Spanish of
 * its own, so all voter/member-facing wording of the station is reviewed in this file.
 */
export const IDENTITY_PAGE_TEXTS = {
  mesaNumber: 'Mesa',
  mesaPlace: 'Local',
  mesaAddress: 'Dirección',
  mesaDistrict: 'Distrito',
  mesaProvince: 'Provincia',
  mesaDepartment: 'Departamento',
  mesaElectoresHabiles: 'Electores hábiles',
  mesaCabins: 'Cabinas',
  mesaSoftwareCode: 'Código de versión del software (verificado)',
  mesaLinePrefix: 'Mesa ',
  noMembersYet: 'Aún no hay miembros registrados.',
  columnRole: 'Cargo',
  columnDni: 'DNI',
  columnName: 'Nombre',
  takenFromLineSuffix: ' (elector de la cola)',
  membersCaption: 'Miembros registrados',
  membersCountPrefix: 'Miembros registrados: ',
  memberDniLabel: 'DNI del miembro',
  registerMember: 'Registrar miembro',
  takeFromLineHeading: 'Elector de la cola como miembro (Art. 21)',
  roleLabel: 'Cargo',
  rolePresidente: 'Presidente',
  roleSecretario: 'Secretario',
  roleTercerMiembro: 'Tercer miembro',
  takeFromLine: 'Tomar elector de la cola (DNI escrito arriba)',
  install: 'Instalar la mesa',
  voterDniLabel: 'DNI del elector (8 dígitos, luego Enter)',
  checkPadron: 'Buscar en el padrón',
  withTypedDniHeading: 'Con el DNI escrito arriba',
  deviceReturned: 'Dispositivo devuelto',
  lostDevice: 'Dispositivo perdido',
  impugn: 'Impugnar identidad (Art. 24)',
  otherActionsHeading: 'Otras acciones',
  assistedVoter: 'Elector con asistencia (Art. 22)',
  closeVoting: 'Cerrar la votación',
  assistedCountPrefix: 'Electores asistidos: ',
  searchResult: 'Resultado de la búsqueda',
  dniPrefix: 'DNI ',
  nextVoter: 'Siguiente elector',
  retry: 'Reintentar',
  cancel: 'Cancelar',
  confirmMesaData: 'Confirmar datos de la mesa',
  membersHeading: 'Miembros',
  verdictMayVote: 'PUEDE VOTAR',
  handOverDevice: 'Entregue el dispositivo de activación',
  issueDevice: 'Grabar y entregar dispositivo',
  verdictNotInPadron: 'NO FIGURA EN EL PADRÓN DE ESTA MESA',
  verdictAlreadyVoted: 'YA VOTÓ',
  verdictHoldsDevice: 'YA TIENE UN DISPOSITIVO DE ACTIVACIÓN',
  verdictImpugned: 'IDENTIDAD IMPUGNADA',
  letTryAgain: 'Devolver el dispositivo para que vote',
  recordNotVoted: 'Registrar que no votó (Art. 23)',
  exportNonVoters: 'Grabar lista de electores que no votaron',
  outstandingPrefix: 'Dispositivos de activación sin devolver: ',
  observationHeading: 'Observaciones para el acta',
  observationLabel: 'Observación (sin números de DNI; nombre a las personas por su cargo)',
  addObservation: 'Agregar observación',
} as const;

export type IdentityPageTexts = typeof IDENTITY_PAGE_TEXTS;
