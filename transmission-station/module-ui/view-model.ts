/**
 * What the transmission module's operator screen shows (Spanish) and may send (Art. 31): the
 * step, the per-mesa status board (esperando, devuelto sin resultados, rechazado con motivo,
 * pendiente, enviado, recibido, rechazado por el centro con motivo), the devices of other
 * polling places or elections that were refused, progress of long work, and the buttons the
 * current state accepts (asked of the machine itself with `snapshot.can`).
 */
import type { OutboxItem } from '../../shared/transmission/queue.ts';
import type { WorkProgress } from '../host-actors.ts';
import { BACKUP_COPIES } from '../machine.ts';
import type { ModuleRecord } from '../module-actors.ts';
import { moduleScreenOf, type DeviceRefusal, type ModuleScreen, type ModuleSnapshot } from '../module-machine.ts';
import type { VerifiedPackage } from '../../shared/election/package.ts';
import { PROBLEMS, workView, type WorkView } from '../ui/view-model.ts';

export type ModuleAction = 'RECEIVE' | 'CONTINUE' | 'RETRY' | 'SKIP_SCAN' | 'SEND' | 'FINISH' | 'CLOSE';
const ACTIONS: readonly ModuleAction[] = ['RECEIVE', 'SEND', 'RETRY', 'SKIP_SCAN', 'CONTINUE', 'FINISH', 'CLOSE'];

/** Board status codes (data-status on the page, stable for tests). */
export type MesaStatus = 'waiting' | 'returned' | 'refused' | 'pending' | 'sent' | 'acknowledged' | 'centre-refused';

export interface MesaRow {
  readonly mesa: string;
  readonly status: MesaStatus;
  /** Spanish: the whole state of the mesa in one line. */
  readonly text: string;
  readonly cargos: number;
  /** A constancia de transmisión can be printed now (the result is acknowledged, the operator is at home). */
  readonly canPrint: boolean;
  /** Same for the constancia of the acta image. */
  readonly canPrintImage: boolean;
}

export interface ModuleView {
  readonly screen: ModuleScreen;
  readonly title: string;
  readonly instruction: string;
  /** Spanish: what went wrong, for the operator. */
  readonly problem: string | null;
  /** English technical detail (as in the audit log), for support; shown apart and labelled. */
  readonly detail: string | null;
  readonly simulacro: boolean;
  readonly election: string;
  readonly place: string;
  readonly board: readonly MesaRow[];
  readonly foreign: readonly string[];
  readonly backups: { readonly done: number; readonly of: number };
  readonly actions: readonly ModuleAction[];
  readonly work: WorkView | null;
  /** Copies of a constancia offered by default (configuration). */
  readonly copies: number;
}

export const REFUSAL_TEXT: Record<DeviceRefusal, string> = {
  unreadable: 'no se pudo leer el dispositivo (¿está insertado?)',
  'no-package': 'el dispositivo no contiene el paquete electoral',
  'package-invalid': 'el paquete electoral del dispositivo no es auténtico',
  'other-election': 'el dispositivo es de otra elección',
  'other-place': 'la mesa no pertenece a este local de votación',
  'result-invalid': 'el resultado de la mesa no es auténtico o fue alterado',
  'software-unauthorized': 'el software de la estación de resultados no está autorizado',
  conflict: 'la mesa ya entregó un resultado distinto; avise a la ODPE',
};

const TITLES: Record<ModuleScreen, { title: string; instruction: string }> = {
  starting: { title: 'Iniciando el módulo', instruction: 'Se verifica el código del software.' },
  'out-of-service': { title: 'Módulo fuera de servicio', instruction: 'El software de este módulo no está autorizado. Avise a la ODPE.' },
  connecting: { title: 'Conectando', instruction: 'Se conecta el dispositivo de comunicación con el centro de cómputo.' },
  'link-down': { title: 'Sin conexión', instruction: 'Revise el dispositivo de comunicación y pulse Reintentar.' },
  zeroing: { title: 'Puesta a cero', instruction: 'Se imprime el reporte de puesta a cero del módulo de transmisión.' },
  'zero-failed': { title: 'Puesta a cero no realizada', instruction: 'Revise la impresora y pulse Reintentar.' },
  waiting: { title: 'Módulo de transmisión', instruction: 'Abra el sobre lacrado en presencia del presidente de mesa, inserte el dispositivo de consolidación y pulse Recibir dispositivo.' },
  receiving: { title: 'Verificando el dispositivo', instruction: 'Se verifican el paquete electoral, el resultado firmado y el código del software, y se graba el contenido.' },
  'no-results': { title: 'Dispositivo sin resultados', instruction: '' },
  'device-refused': { title: 'Dispositivo rechazado', instruction: '' },
  printing: { title: 'Imprimiendo', instruction: 'Se imprime el documento.' },
  'print-fault': { title: 'Falla de impresión', instruction: 'Revise el papel y la impresora y pulse Reintentar.' },
  scanning: { title: 'Digitalizando el acta', instruction: 'Se digitaliza el ejemplar del acta para la ODPE.' },
  'scan-failed': { title: 'Falla del escáner', instruction: 'Coloque el acta en el escáner y pulse Reintentar, o continúe sin imagen.' },
  queueing: { title: 'Guardando para transmitir', instruction: 'El resultado queda guardado y se transmite al centro de cómputo.' },
  'queue-failed': { title: 'No se pudo guardar', instruction: 'Pulse Reintentar. Si persiste, avise a la ODPE.' },
  transmitting: { title: 'Transmitiendo', instruction: 'Se envía al centro de cómputo, cifrado y firmado.' },
  burning: { title: 'Grabando respaldos', instruction: 'Se graban y verifican tres copias en medios de una sola escritura.' },
  'backup-failed': { title: 'Falla del respaldo', instruction: 'El medio quedó inutilizado. Inserte un medio nuevo y pulse Reintentar.' },
  'ready-to-close': { title: 'Listo para cerrar', instruction: 'Los tres respaldos están verificados. Entregue una copia al fiscalizador del JNE y cierre el módulo.' },
  closed: { title: 'Módulo cerrado', instruction: 'La transmisión del local de votación terminó.' },
};

const MODULE_PROBLEMS: Partial<Record<ModuleScreen, string>> = {
  'no-results': 'El dispositivo no contiene resultados.',
  'device-refused': 'El dispositivo fue rechazado.',
  'out-of-service': 'El código del software no está autorizado por los paquetes electorales.',
  'queue-failed': 'No se pudo guardar el envío.',
  waiting: 'No se pudo leer la cola de envíos.',
};

function problemOf(screen: ModuleScreen, refusal: DeviceRefusal | null): string {
  if (screen === 'device-refused' && refusal !== null) return `El dispositivo fue rechazado: ${REFUSAL_TEXT[refusal]}.`;
  return MODULE_PROBLEMS[screen] ?? PROBLEMS[screen as keyof typeof PROBLEMS] ?? 'Ocurrió un problema.';
}

const OUTBOX_TEXT: Record<OutboxItem['status'], string> = { pending: 'pendiente', sent: 'enviado, sin respuesta', acknowledged: 'recibido por el centro', refused: 'rechazado por el centro' };

function itemText(label: string, item: OutboxItem | undefined): string {
  if (item === undefined) return `${label}: sin enviar`;
  const motive = item.status === 'refused' ? ` (motivo: ${item.refusalReason ?? 'desconocido'})` : '';
  return `${label}: ${OUTBOX_TEXT[item.status]}${motive}`;
}

export function moduleBoard(record: ModuleRecord, items: readonly OutboxItem[], mesas: readonly string[], printable: boolean): MesaRow[] {
  const byId = new Map(items.map((i) => [i.id, i]));
  return mesas.map((mesa): MesaRow => {
    const rec = record.mesas[mesa];
    if (rec === undefined) return { mesa, status: 'waiting', text: 'esperando el dispositivo', cargos: 0, canPrint: false, canPrintImage: false };
    if (rec.state === 'returned') return { mesa, status: 'returned', text: 'dispositivo devuelto sin resultados, sin cargo', cargos: 0, canPrint: false, canPrintImage: false };
    if (rec.state === 'refused') {
      return { mesa, status: 'refused', text: `dispositivo rechazado: ${rec.refusal === null ? 'motivo desconocido' : REFUSAL_TEXT[rec.refusal]}`, cargos: 0, canPrint: false, canPrintImage: false };
    }
    const result = byId.get(`mesa-result:${mesa}:${rec.resultSha256 ?? ''}`);
    const image = rec.imageSha256 === null ? undefined : byId.get(`acta-image:${mesa}:${rec.imageSha256}`);
    const status: MesaStatus =
      result === undefined ? 'pending' : result.status === 'refused' ? 'centre-refused' : result.status;
    const parts = [itemText('resultado', result), rec.imageSha256 === null ? 'imagen del acta: sin imagen' : itemText('imagen del acta', image), `cargos impresos: ${rec.cargosPrinted}`, `constancias impresas: resultado ${rec.printed.result}, imagen ${rec.printed.image}`];
    return {
      mesa,
      status,
      text: parts.join('; '),
      cargos: rec.cargosPrinted,
      canPrint: printable && result?.status === 'acknowledged',
      canPrintImage: printable && image?.status === 'acknowledged',
    };
  });
}

function instructionOf(screen: ModuleScreen, snapshot: ModuleSnapshot): string {
  const { mesa, refusal } = snapshot.context;
  if (screen === 'no-results') {
    return `El dispositivo de la mesa ${mesa ?? ''} no contiene resultados. Devuélvalo al presidente de mesa junto con el acta; NO se imprime cargo. La mesa debe grabar los resultados en el dispositivo, lacrarlo y volver (Art. 31.5). Pulse Continuar.`;
  }
  if (screen === 'device-refused') {
    const why = refusal === null ? 'no se pudo verificar' : REFUSAL_TEXT[refusal];
    return `Dispositivo${mesa === null ? '' : ` de la mesa ${mesa}`} rechazado: ${why}. Devuélvalo sin cargo y pulse Continuar.`;
  }
  return TITLES[screen].instruction;
}

export function moduleView(
  snapshot: ModuleSnapshot,
  record: ModuleRecord,
  items: readonly OutboxItem[],
  packages: ReadonlyMap<string, VerifiedPackage>,
  work: WorkProgress | null,
  copies = 2,
): ModuleView {
  const screen = moduleScreenOf(snapshot);
  const first = [...packages.values()][0]?.payload.definition;
  if (first === undefined) throw new Error('bug: a module without mesas');
  const actions = ACTIONS.filter((type) => snapshot.can({ type }));
  const printable = screen === 'waiting';
  return {
    screen,
    title: TITLES[screen].title,
    instruction: instructionOf(screen, snapshot),
    problem: snapshot.context.problem === null ? null : problemOf(screen, snapshot.context.refusal),
    detail: snapshot.context.problem,
    simulacro: first.election.simulacro,
    election: first.election.name,
    place: first.mesa.place.name,
    board: moduleBoard(record, items, [...packages.keys()], printable),
    foreign: record.foreign.map((f) => `${f.mesa === null ? 'Dispositivo' : `Mesa ${f.mesa}`}${f.electionId === null ? '' : ` (${f.electionId})`}: ${REFUSAL_TEXT[f.reason]}`),
    backups: { done: snapshot.context.backupsDone, of: BACKUP_COPIES },
    actions,
    work: workView(work),
    copies,
  };
}
