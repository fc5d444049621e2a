/**
 * What the identity station's screen shows, computed in Node from the machine's snapshot: the
 * browser only displays it and never decides anything. `identityView` is pure; the server sends
 * its result as JSON on every change.
 *
 * Secrecy: the voter being served (DNI and name from the padrón) appears only while the machine
 * holds `currentDni`, i.e. on that voter's own screens; the machine wipes it when the flow ends,
 * so the idle screen carries no voter at all. Nothing about devices is shown per voter: only the
 * outstanding COUNT. Members are public (they sign the actas), so their DNIs are listed.
 */
import type { ElectionDefinition, MemberRole } from '../../shared/election/definition.ts';
import { findElector } from '../../shared/election/definition.ts';
import type { IdentitySnapshot } from '../machine.ts';
import { screenOf } from '../machine.ts';
import type { IdentityScreen } from '../machine-types.ts';
import {
  IDENTITY_PAGE_TEXTS,
  type IdentityPageTexts,
  checkRefusalText,
  closeRefusalText,
  deviceClaimedText,
  installRefusalText,
  issueFailureText,
  memberRefusalText,
  observationOutcomeText,
  SCREEN_TITLES,
} from '../messages.ts';

export interface MemberView {
  readonly dni: string;
  /** Spanish role label ("Presidente", "Suplente"...). */
  readonly role: string;
  /** Name from the padrón, or null when the DNI is not in it. */
  readonly name: string | null;
  readonly takenFromLine: boolean;
}

export interface VoterView {
  readonly dni: string;
  /** "Apellidos, Nombres" from this mesa's padrón, or null when the DNI is not in it. */
  readonly name: string | null;
}

export interface MesaView {
  readonly number: string;
  readonly place: string;
  readonly address: string;
  readonly district: string;
  readonly province: string;
  readonly department: string;
  readonly electoresHabiles: number;
  readonly cabins: number;
  /** The verified software version code, for members and personeros to compare with ONPE's published one; null when unknown. */
  readonly softwareCode: string | null;
}

export interface IdentityView {
  readonly screen: IdentityScreen;
  readonly electionName: string;
  /** Show the SIMULACRO banner on every screen. */
  readonly simulacro: boolean;
  /** Main Spanish text of the screen (from messages.ts). */
  readonly title: string;
  /** What to do next, in Spanish (may be empty). */
  readonly instruction: string;
  /** Why the machine refused the president's last action (Spanish), or null. */
  readonly refusal: string | null;
  readonly mesa: MesaView;
  /** Members registered so far (installation and after). */
  readonly members: readonly MemberView[];
  /** Only while a voter is being served. */
  readonly voter: VoterView | null;
  readonly outstandingDevices: number;
  readonly assistedVoters: number;
  /** Whether the install deadline passed (electors in line may be taken as members, Art. 21). */
  readonly mayTakeVoterAsMember: boolean;
  /**
   * Which acta an observation typed now goes on (installation screen: instalación; idle voting
   * screen: sufragio), or null where no observation is taken.
   */
  readonly observationActa: 'instalacion' | 'sufragio' | null;
  /** What became of the president's last observation (Spanish), or null. Never its text. */
  readonly observationNote: string | null;
  /** The page's fixed labels (messages.ts): page.js has no Spanish of its own. */
  readonly texts: IdentityPageTexts;
}

const ROLE_LABELS: Record<MemberRole, string> = {
  presidente: 'Presidente',
  secretario: 'Secretario',
  'tercer-miembro': 'Tercer miembro',
  suplente: 'Suplente',
};

const INSTRUCTIONS: Partial<Record<IdentityScreen, string>> = {
  'confirm-mesa-data': 'Compare estos datos con los de su credencial y toque «Confirmar datos de la mesa».',
  installation:
    'Ingrese el DNI de cada miembro que llegó y toque «Registrar miembro». Con al menos tres miembros, presente su credencial y toque «Instalar la mesa».',
  'awaiting-opening': 'La identificación de electores empieza a la hora de inicio de la votación.',
  'awaiting-dni':
    'Escriba los 8 dígitos del DNI y pulse Enter para buscar al elector. Para un dispositivo devuelto o perdido, o una impugnación, escriba el DNI y toque el botón correspondiente.',
  'voter-may-vote': 'Entregue el dispositivo de activación: inserte uno en blanco en el grabador y toque «Grabar y entregar dispositivo».',
  'voter-not-in-padron': 'Indique al elector que verifique su local y mesa de votación.',
  'voter-already-voted': 'No entregue ningún dispositivo.',
  'voter-holds-device': 'Pida al elector que devuelva el dispositivo que recibió.',
  'voter-impugned': 'No entregue ningún dispositivo.',
  'device-out': 'Cuando el elector devuelva el dispositivo, escriba su DNI y toque «Dispositivo devuelto».',
  'voted-recorded': 'Toque «Siguiente elector» para continuar.',
  'device-claimed':
    'No se registró nada: el elector sigue con el dispositivo pendiente. Si el dispositivo no puede cerrarse en la cabina, el presidente puede declararlo perdido.',
  'printer-fault': 'Cuando la impresora esté lista, toque «Reintentar».',
  'consolidation-fault': 'Inserte el dispositivo de consolidación correcto y toque «Reintentar».',
  closed: 'Puede grabar la lista de electores que no votaron en el dispositivo de consolidación.',
};

function electorName(definition: ElectionDefinition, dni: string): string | null {
  const elector = findElector(definition, dni);
  return elector === undefined ? null : `${elector.surnames}, ${elector.givenNames}`;
}

function refusalOf(screen: IdentityScreen, context: IdentitySnapshot['context']): string | null {
  switch (screen) {
    case 'installation':
      // A bad reading of the DNI reader says to scan again or type (dni.ts parseDniReading).
      if (context.memberRefusal === 'invalid-dni' && context.dniError !== null) return context.dniError.screenText;
      if (context.memberRefusal !== null) return memberRefusalText(context.memberRefusal);
      if (context.installRefusal !== null) return installRefusalText(context.installRefusal);
      return null;
    case 'awaiting-dni':
    case 'awaiting-opening':
      // The DNI parser's own text says exactly what is wrong (letters, 7 or 9 digits...).
      if (context.dniError !== null) return context.dniError.screenText;
      if (context.checkRefusal !== null) return checkRefusalText(context.checkRefusal);
      if (context.closeRefusal !== null) return closeRefusalText(context.closeRefusal, context.outstandingDevices);
      return null;
    case 'outstanding-devices':
      return closeRefusalText('outstanding-devices', context.outstandingDevices);
    case 'issue-failed':
      return context.issueFailure === null ? null : issueFailureText(context.issueFailure);
    case 'record-failed':
      if (context.recordFailure === null) return null;
      switch (context.recordFailure.kind) {
        case 'not-holding-device':
          return 'Este elector no tiene un dispositivo de activación pendiente de devolución. No se registró nada.';
        case 'erase-failed':
          return 'No se pudo borrar el dispositivo. Sepárelo y use otro; el registro no cambió.';
        case 'storage-fault':
          return null;
      }
      return null;
    case 'device-claimed':
      return context.claimingCabin === null ? null : deviceClaimedText(context.claimingCabin);
    case 'device-refused':
      if (context.readFault === null) return null;
      return context.readFault.kind === 'no-device'
        ? 'No hay un dispositivo en el lector. Insértelo y escriba de nuevo el DNI.'
        : 'No se pudo leer el dispositivo. Insértelo de nuevo y escriba otra vez el DNI.';
    case 'out-of-service':
      return context.outOfServiceReason;
    default:
      return null;
  }
}

export function identityView(snapshot: IdentitySnapshot, definition: ElectionDefinition, softwareCode?: string): IdentityView {
  const screen = screenOf(snapshot);
  const { context } = snapshot;
  const { mesa } = definition;
  const observationActa = screen === 'installation' ? 'instalacion' : screen === 'awaiting-dni' ? 'sufragio' : null;
  return {
    screen,
    electionName: definition.election.name,
    simulacro: definition.election.simulacro,
    title: SCREEN_TITLES[screen],
    instruction: INSTRUCTIONS[screen] ?? '',
    refusal: refusalOf(screen, context),
    mesa: {
      number: mesa.number,
      place: mesa.place.name,
      address: mesa.place.address,
      district: mesa.district,
      province: mesa.province,
      department: mesa.department,
      electoresHabiles: mesa.electoresHabiles,
      cabins: mesa.cabins,
      softwareCode: softwareCode ?? null,
    },
    members: context.members.map((member) => ({
      dni: member.dni,
      role: ROLE_LABELS[member.role],
      name: electorName(definition, member.dni),
      takenFromLine: member.takenFromLine,
    })),
    voter: context.currentDni === null ? null : { dni: context.currentDni, name: electorName(definition, context.currentDni) },
    outstandingDevices: context.outstandingDevices,
    assistedVoters: context.assistedVoters,
    mayTakeVoterAsMember: context.installDeadlineReached,
    observationActa,
    observationNote: observationActa === null || context.observationOutcome === null ? null : observationOutcomeText(context.observationOutcome, observationActa),
    texts: IDENTITY_PAGE_TEXTS,
  };
}
