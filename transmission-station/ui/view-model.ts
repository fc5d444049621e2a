/**
 * What the coordinator's screen shows (Spanish) and may send, derived from the machine snapshot
 * and the outbox: the step of Art. 30, the per-file status board (pendiente, enviado, recibido,
 * rechazado con motivo), backup progress and the buttons the current state accepts.
 */
import type { ElectionDefinition } from '../../shared/election/definition.ts';
import type { OutboxItem } from '../../shared/transmission/queue.ts';
import type { WorkProgress } from '../host-actors.ts';
import { BACKUP_COPIES, transmissionScreenOf, type TransmissionScreen, type TransmissionSnapshot } from '../machine.ts';

export type TransmissionAction = 'RETRY' | 'CONTINUE' | 'PRINT' | 'CLOSE';

export interface TransmissionView {
  readonly screen: TransmissionScreen;
  readonly title: string;
  readonly instruction: string;
  /** Spanish: what went wrong, for the coordinator. */
  readonly problem: string | null;
  /** English technical detail (as in the audit log), for support; shown apart and labelled. */
  readonly detail: string | null;
  readonly simulacro: boolean;
  readonly election: string;
  readonly mesa: string;
  readonly board: readonly { readonly file: string; readonly status: string; readonly detail: string | null }[];
  readonly backups: { readonly done: number; readonly of: number };
  readonly printed: { readonly result: number; readonly image: number };
  readonly actions: readonly TransmissionAction[];
  /** Long work under way (upload, backup): a sentence and the done/total for the progress bar. */
  readonly work: WorkView | null;
}

export interface WorkView {
  readonly text: string;
  readonly done: number;
  readonly total: number;
}

function kilobytes(bytes: number): string {
  return `${Math.ceil(bytes / 1024).toLocaleString('es-PE')} KB`;
}

/** Spanish progress line; bytes are the bar (files alone would stall on a large image). */
export function workView(work: WorkProgress | null, copies: number = BACKUP_COPIES): WorkView | null {
  if (work === null) return null;
  const bytes = `${kilobytes(work.bytesDone)} de ${kilobytes(work.bytesTotal)}`;
  if (work.what === 'backup') {
    return { text: `Respaldo ${work.label} de ${copies}: ${work.filesDone} de ${work.filesTotal} archivos grabados (${bytes})`, done: work.bytesDone, total: work.bytesTotal };
  }
  // label: the transmitted kind, with `:mesa` when the station sends for several mesas (Art. 31).
  const [kind, mesa] = work.label.split(':');
  const what = kind === 'acta-image' ? 'la imagen del acta' : 'el resultado';
  return { text: `Enviando ${what}${mesa === undefined ? ' de la mesa' : ` de la mesa ${mesa}`}: ${bytes}`, done: work.bytesDone, total: work.bytesTotal };
}

const TITLES: Record<TransmissionScreen, { title: string; instruction: string }> = {
  validating: { title: 'Validando el dispositivo', instruction: 'Se verifican el paquete electoral, el resultado firmado y el código del software.' },
  'device-refused': { title: 'Dispositivo rechazado', instruction: 'Retire el dispositivo. Inserte el dispositivo correcto de la mesa y pulse Reintentar.' },
  'out-of-service': { title: 'Estación fuera de servicio', instruction: 'El software de esta estación no está autorizado. Avise al coordinador de ODPE.' },
  connecting: { title: 'Conectando', instruction: 'Se conecta el dispositivo de comunicación.' },
  'link-down': { title: 'Sin conexión', instruction: 'Revise el dispositivo de comunicación y pulse Reintentar.' },
  zeroing: { title: 'Puesta a cero', instruction: 'Se imprime el reporte de puesta a cero de la estación de transmisión.' },
  'zero-failed': { title: 'Puesta a cero no realizada', instruction: 'Revise la impresora y pulse Reintentar.' },
  transmitting: { title: 'Transmitiendo', instruction: 'Se envía al centro de cómputo, cifrado y firmado.' },
  acknowledged: { title: 'Recibido por el centro de cómputo', instruction: 'Imprima las constancias de transmisión y continúe.' },
  refused: { title: 'Rechazado por el centro de cómputo', instruction: 'Anote el motivo. Continúe: la imagen del acta y los respaldos siguen siendo necesarios.' },
  pending: { title: 'Envío pendiente', instruction: 'El envío queda guardado y se reintenta solo. Puede pulsar Reintentar.' },
  printing: { title: 'Imprimiendo', instruction: 'Se imprime la constancia de transmisión.' },
  'print-fault': { title: 'Falla de impresión', instruction: 'Revise el papel y la impresora y pulse Reintentar.' },
  scanning: { title: 'Digitalizando el acta', instruction: 'Se digitaliza el ejemplar del acta para la ODPE.' },
  'scan-failed': { title: 'Falla del escáner', instruction: 'Coloque el acta en el escáner y pulse Reintentar.' },
  burning: { title: 'Grabando respaldos', instruction: 'Se graban y verifican tres copias en medios de una sola escritura.' },
  'backup-failed': { title: 'Falla del respaldo', instruction: 'El medio quedó inutilizado. Inserte un medio nuevo y pulse Reintentar.' },
  'ready-to-close': { title: 'Listo para cerrar', instruction: 'Los tres respaldos están verificados. Cierre la estación.' },
  closed: { title: 'Estación cerrada', instruction: 'La transmisión de la mesa terminó.' },
};

/** The Spanish problem of each screen that has one (the machine's detail is English, for the log). */
export const PROBLEMS: Partial<Record<TransmissionScreen, string>> = {
  'device-refused': 'El dispositivo de consolidación no es válido para esta mesa.',
  'out-of-service': 'El código del software no está autorizado por el paquete electoral.',
  'link-down': 'No hay conexión con el centro de cómputo.',
  'zero-failed': 'No se pudo imprimir la puesta a cero.',
  refused: 'El centro de cómputo rechazó el envío.',
  pending: 'El envío todavía no llegó al centro de cómputo.',
  'print-fault': 'La impresora no pudo imprimir.',
  'scan-failed': 'El escáner no pudo digitalizar el acta.',
  'backup-failed': 'El respaldo no se pudo grabar o verificar.',
};

const STATUS: Record<OutboxItem['status'], string> = { pending: 'pendiente', sent: 'enviado, sin respuesta', acknowledged: 'recibido', refused: 'rechazado' };

function actionsOf(screen: TransmissionScreen): TransmissionAction[] {
  switch (screen) {
    case 'device-refused':
    case 'link-down':
    case 'zero-failed':
    case 'pending':
    case 'print-fault':
    case 'scan-failed':
    case 'backup-failed':
      return ['RETRY'];
    case 'acknowledged':
      return ['PRINT', 'CONTINUE'];
    case 'refused':
      return ['CONTINUE'];
    case 'ready-to-close':
      return ['CLOSE'];
    default:
      return [];
  }
}

export function transmissionView(
  snapshot: TransmissionSnapshot,
  items: readonly OutboxItem[],
  definition: ElectionDefinition,
  work: WorkProgress | null = null,
): TransmissionView {
  const screen = transmissionScreenOf(snapshot);
  const { context } = snapshot;
  return {
    screen,
    ...TITLES[screen],
    problem: context.problem === null ? null : (PROBLEMS[screen] ?? 'Ocurrió un problema.'),
    detail: context.problem,
    simulacro: definition.election.simulacro,
    election: definition.election.name,
    mesa: definition.mesa.number,
    board: items.map((item) => ({
      file: item.kind === 'mesa-result' ? 'Resultado de la mesa' : 'Imagen del acta',
      status: STATUS[item.status],
      detail: item.status === 'refused' ? `${item.refusalReason ?? ''}: ${item.lastError ?? ''}` : item.status === 'acknowledged' ? null : item.lastError,
    })),
    backups: { done: context.backupsDone, of: BACKUP_COPIES },
    printed: context.printed,
    actions: actionsOf(screen),
    work: workView(work),
  };
}
