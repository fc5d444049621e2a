/**
 * The transmission station host (Art. 30) over the real parts: a mesa device built with the real
 * builders, the in-process computing centre over pinned HTTPS, the ESC/POS driver on a simulated
 * pty printer, the simulated scanner and three simulated write-once USB media.
 */
import fs from 'node:fs';
import path from 'node:path';
import test, { type ExecutionContext } from 'ava';
import { sha256Hex } from '../shared/crypto/hash.ts';
import { groupHex } from '../shared/documents/report-pieces.ts';
import { MESA_RESULT_FILE_NAME } from '../shared/results/mesa-result.ts';
import { BACKOFF } from '../shared/transmission/queue.ts';
import type { ReceiverEvent } from '../centre/receiver.ts';
import { ACTA_IMAGE_FILE_NAME, IMAGE_RECEIPT_FILE_NAME, RESULT_RECEIPT_FILE_NAME } from '../transmission-station/host-actors.ts';
import { parseTransmissionHostConfig } from '../transmission-station/host-config.ts';
import type { TransmissionHost } from '../transmission-station/host.ts';
import type { TransmissionScreen } from '../transmission-station/machine.ts';
import { runTransmissionStation } from '../transmission-station/station.ts';
import type { WorkProgress } from '../transmission-station/host-actors.ts';
import { workView } from '../transmission-station/ui/view-model.ts';
import { ensureCentreTls } from '../centre/tls.ts';
import type { TransmissionHostConfigInput } from '../transmission-station/host-config.ts';
import { makeWorld, tickets } from './helpers/transmission-host-world.ts';
import { buildMesaDevice } from './helpers/mesa-device.ts';
import { EG2026 } from './helpers/ballots.ts';

async function step(host: TransmissionHost, event: Parameters<TransmissionHost['send']>[0], expected: TransmissionScreen, t: ExecutionContext): Promise<void> {
  host.send(event);
  const screen = await host.settled();
  t.is(screen, expected, `after ${event.type}: ${host.actor.getSnapshot().context.problem ?? ''}`);
}

/** A certificate made for another server: pinning it must refuse the real centre. */
function impostorCert(c: TransmissionHostConfigInput): string {
  const made = ensureCentreTls(path.join(c.dataDir, '..', 'impostor'));
  if (!made.ok) throw new Error(made.error);
  return made.value.certFile;
}

function acknowledgedAtCentre(events: readonly ReceiverEvent[], file: string) {
  return events.filter((e) => e.kind === 'acknowledged' && e.file === file);
}

test('a full Art. 30 run: result and acta image acknowledged, constancias printed, three write-once backups verified, closed', async (t) => {
  t.timeout(120_000);
  const world = await makeWorld(t);
  const host = await world.start();
  t.is(await host.settled(), 'acknowledged', host.actor.getSnapshot().context.problem ?? '');
  const zero = tickets(host);
  t.is(zero.length, 1);
  t.regex(zero[0] ?? '', /PUESTA A CERO/);
  t.regex(zero[0] ?? '', /Envíos pendientes en la estación: 0/);
  t.regex(zero[0] ?? '', /SIMULACRO/);

  await step(host, { type: 'PRINT', copies: 2 }, 'acknowledged', t);
  await step(host, { type: 'CONTINUE' }, 'acknowledged', t);
  await step(host, { type: 'PRINT', copies: 1 }, 'acknowledged', t);
  await step(host, { type: 'CONTINUE' }, 'ready-to-close', t);
  await step(host, { type: 'CLOSE' }, 'closed', t);

  const printed = tickets(host);
  t.is(printed.length, 4, 'zero report, two result constancias, one image constancia');
  const resultSha = sha256Hex(new Uint8Array(fs.readFileSync(path.join(world.deviceDir, MESA_RESULT_FILE_NAME))));
  const firstHashLine = groupHex(resultSha).split('\n')[0] ?? '';
  for (const [index, ticket] of printed.slice(1, 3).entries()) {
    t.regex(ticket, /CONSTANCIA DE\s+TRANSMISIÓN/);
    t.regex(ticket, /RESULTADO DE LA MESA/);
    t.true(ticket.includes(`Ejemplar ${index + 1} de 2`));
    t.true(ticket.includes(firstHashLine), 'the constancia shows the sha256 of what was sent');
    t.regex(ticket, /Recibo firmado N\.° \d+/);
    t.regex(ticket, /SIMULACRO/);
  }
  t.regex(printed[3] ?? '', /IMAGEN DEL ACTA/);

  t.is(acknowledgedAtCentre(world.events, 'mesa-result').length, 1);
  t.is(acknowledgedAtCentre(world.events, 'acta-image').length, 1);
  t.deepEqual(host.outboxItems().map((i) => i.status), ['acknowledged', 'acknowledged']);

  const deviceFiles = fs.readdirSync(world.deviceDir).sort();
  for (const n of [1, 2, 3]) {
    const stick = world.hardware.usbStick(`respaldo-${n}`);
    t.true(stick.state.finalized, `backup ${n} finalized`);
    const files = await stick.rawFiles();
    for (const name of deviceFiles) {
      t.is(sha256Hex(files.get(name) ?? new Uint8Array()), sha256Hex(new Uint8Array(fs.readFileSync(path.join(world.deviceDir, name)))), `backup ${n}: ${name}`);
    }
    for (const name of [ACTA_IMAGE_FILE_NAME, RESULT_RECEIPT_FILE_NAME, IMAGE_RECEIPT_FILE_NAME]) t.true(files.has(name), `backup ${n} holds ${name}`);
  }
  const audit = host.audit.entries().map((e) => e.event);
  for (const id of ['results.read', 'puesta-a-cero.printed', 'transmission.acknowledged', 'constancia.printed', 'backup.written'] as const) t.true(audit.includes(id), id);
  t.is(audit.filter((id) => id === 'backup.written').length, 3);
});

test('centre down then up: the result stays pending, is retried on the outbox backoff of the simulated clock, then acknowledged once', async (t) => {
  t.timeout(120_000);
  const world = await makeWorld(t);
  world.centreUp = false;
  const host = await world.start();
  t.is(await host.settled(), 'pending');
  t.is(world.sends, 1);
  t.is(host.outboxItems()[0]?.status, 'pending');
  t.regex(host.actor.getSnapshot().context.problem ?? '', /unreachable/);

  // Before the backoff has passed a RETRY sends nothing.
  await step(host, { type: 'RETRY' }, 'pending', t);
  t.is(world.sends, 1);
  world.clockMs += BACKOFF.baseMs;
  await step(host, { type: 'RETRY' }, 'pending', t);
  t.is(world.sends, 2);

  world.centreUp = true;
  world.clockMs += BACKOFF.baseMs * BACKOFF.factor;
  await step(host, { type: 'RETRY' }, 'acknowledged', t);
  t.is(world.sends, 3);
  t.is(acknowledgedAtCentre(world.events, 'mesa-result').length, 1);
});

test('a tampered consolidation device is refused with a clear message and nothing is queued', async (t) => {
  t.timeout(120_000);
  const world = await makeWorld(t);
  const file = path.join(world.deviceDir, MESA_RESULT_FILE_NAME);
  const bytes = fs.readFileSync(file);
  const at = Math.floor(bytes.length / 2);
  bytes[at] = (bytes[at] ?? 0) ^ 0x01;
  fs.writeFileSync(file, bytes);
  const host = await world.start();
  t.is(await host.settled(), 'device-refused');
  t.regex(host.actor.getSnapshot().context.problem ?? '', /^mesa result rejected: .*does not verify/);
  t.deepEqual(host.outboxItems(), []);
  t.is(world.sends, 0);
  t.is(tickets(host).length, 0, 'no zero report for a refused device');
  t.true(host.audit.entries().some((e) => e.event === 'device.refused'));
});

test('a simulacro result is never sent to a centre configured as the real election centre', async (t) => {
  t.timeout(120_000);
  const world = await makeWorld(t, (c) => ({ ...c, centre: { ...c.centre, real: true } }));
  const host = await world.start();
  t.is(await host.settled(), 'refused');
  t.deepEqual(host.actor.getSnapshot().context.resultOutcome, {
    status: 'refused',
    reason: 'simulacro-to-real-centre',
    detail: 'a simulacro result cannot be transmitted to the real computing centre',
  });
  t.is(world.sends, 0);
  t.deepEqual(host.outboxItems(), []);
});

test('a restart mid-way resumes: no second zero report, no duplicate at the centre, the run completes', async (t) => {
  t.timeout(180_000);
  const world = await makeWorld(t);
  const first = await world.start();
  t.is(await first.settled(), 'acknowledged');
  await step(first, { type: 'PRINT', copies: 1 }, 'acknowledged', t);
  await first.close();
  const sendsBefore = world.sends;

  const second = await world.start();
  t.is(await second.settled(), 'acknowledged');
  t.is(world.sends, sendsBefore, 'an acknowledged result is not sent again');
  t.is(tickets(second).length, 0, 'the zero report is not printed again');
  await step(second, { type: 'CONTINUE' }, 'acknowledged', t);
  await step(second, { type: 'CONTINUE' }, 'ready-to-close', t);
  await step(second, { type: 'CLOSE' }, 'closed', t);
  t.is(acknowledgedAtCentre(world.events, 'mesa-result').length, 1);
  t.false(world.events.some((e) => e.kind === 'acknowledged' && e.duplicate));
  t.true(second.audit.entries().some((e) => e.event === 'station.recovered'));
});

test('the console station (vep transmission run) walks the whole flow with the default coordinator choices and closes', async (t) => {
  t.timeout(180_000);
  const world = await makeWorld(t);
  const parsed = parseTransmissionHostConfig(world.config);
  if (!parsed.ok) throw new Error(parsed.error.join('; '));
  const lines: string[] = [];
  const station = await runTransmissionStation(parsed.value, { ...world.hostOptions(), console: true, onScreen: (line) => lines.push(line) });
  if (!station.ok) throw new Error(JSON.stringify(station.error));
  t.teardown(() => station.value.close());
  t.is(await station.value.finished, 'closed', lines.join('\n'));
  // Two copies of each constancia (constanciaCopies) after the zero report.
  t.is(tickets(station.value.host).length, 5);
  for (const n of [1, 2, 3]) t.true(world.hardware.usbStick(`respaldo-${n}`).state.finalized);
  t.true(lines.includes('burning'));
});

test('a backup whose read-back differs is not counted; the spent write-once medium is not reused', async (t) => {
  t.timeout(120_000);
  const world = await makeWorld(t);
  const host = await world.start();
  t.is(await host.settled(), 'acknowledged');
  await step(host, { type: 'CONTINUE' }, 'acknowledged', t);
  world.hardware.usbStick('respaldo-2').injectFault({ type: 'corrupt-next-read', offset: 3 });
  await step(host, { type: 'CONTINUE' }, 'backup-failed', t);
  t.is(host.actor.getSnapshot().context.backupsDone, 1);
  t.regex(host.actor.getSnapshot().context.problem ?? '', /differs after writing/);
  t.true(world.hardware.usbStick('respaldo-2').state.finalized, 'the medium was finalized before the read-back');
  await step(host, { type: 'RETRY' }, 'backup-failed', t);
  t.regex(host.actor.getSnapshot().context.problem ?? '', /not a blank write-once medium/);
  t.is(host.audit.entries().filter((e) => e.event === 'backup.failed').length, 2);
  t.is(host.audit.entries().filter((e) => e.event === 'backup.written').length, 1);
});

test('the communication device is really connected: centre down shows link-down with the reason, RETRY after it is back goes on', async (t) => {
  t.timeout(120_000);
  const world = await makeWorld(t);
  await world.stopCentre();
  const host = await world.start();
  t.is(await host.settled(), 'link-down');
  t.is(host.actor.getSnapshot().context.problem, 'computing centre unreachable: ECONNREFUSED');
  t.is(tickets(host).length, 0, 'no puesta a cero without a link');
  t.deepEqual(host.outboxItems(), []);
  t.true(host.audit.entries().some((e) => e.event === 'transmission.link-down'));
  // Still down: RETRY comes back to link-down.
  await step(host, { type: 'RETRY' }, 'link-down', t);
  await world.restartCentre();
  await step(host, { type: 'RETRY' }, 'acknowledged', t);
  t.true(host.audit.entries().some((e) => e.event === 'transmission.link-up'));
  t.regex(tickets(host)[0] ?? '', /PUESTA A CERO/);
});

test('a server that is not the pinned centre is link-down: the station never talks to it', async (t) => {
  t.timeout(120_000);
  const world = await makeWorld(t, (c) => ({ ...c, centre: { ...c.centre, certFile: impostorCert(c) } }));
  const host = await world.start({ sendUnit: undefined });
  t.is(await host.settled(), 'link-down');
  t.regex(host.actor.getSnapshot().context.problem ?? '', /^the server is not the computing centre: certificate/);
});

test('long work reports progress: the upload of each file and every backup reach their total, bytes and files', async (t) => {
  t.timeout(120_000);
  const world = await makeWorld(t);
  // The real client, so the upload progress comes from the body actually leaving.
  const host = await world.start({ sendUnit: undefined });
  const seen: WorkProgress[] = [];
  host.onChange(() => {
    const work = host.work();
    if (work !== null && JSON.stringify(seen.at(-1)) !== JSON.stringify(work)) seen.push(work);
  });
  t.is(await host.settled(), 'acknowledged');
  await step(host, { type: 'CONTINUE' }, 'acknowledged', t);
  await step(host, { type: 'CONTINUE' }, 'ready-to-close', t);
  t.is(host.work(), null, 'no progress shown once the work ended');
  const image = seen.filter((w) => w.what === 'upload' && w.label === 'acta-image');
  t.true(image.length >= 1);
  const lastImage = image.at(-1);
  t.true(lastImage !== undefined && lastImage.bytesDone === lastImage.bytesTotal && lastImage.bytesTotal > 0);
  for (const copy of ['1', '2', '3']) {
    const reports = seen.filter((w) => w.what === 'backup' && w.label === copy);
    const last = reports.at(-1);
    if (last === undefined) return t.fail(`no progress for backup ${copy}`);
    t.is(last.filesDone, last.filesTotal, `backup ${copy}: every file`);
    t.is(last.bytesDone, last.bytesTotal);
    t.true(reports.every((w, i) => i === 0 || w.bytesDone >= (reports[i - 1]?.bytesDone ?? 0)), 'never goes back');
    t.true(reports.length > 2, 'advances file by file');
    const view = workView(reports[1] ?? null);
    t.true((view?.text ?? '').startsWith(`Respaldo ${copy} de 3: 1 de ${last.filesTotal} archivos grabados (`), view?.text);
    t.regex(view?.text ?? '', / KB de [\d.,]+ KB\)$/);
  }
});

test('a consolidation device of another election is refused at the station with the reason; nothing is queued or sent', async (t) => {
  t.timeout(180_000);
  const world = await makeWorld(t);
  // Same ONPE root and keys, another election: only the package copy tells them apart.
  const other = buildMesaDevice(path.join(world.tmp, 'otra-eleccion'), {
    keysDir: world.device.keysDir,
    definition: { ...EG2026, election: { ...EG2026.election, id: 'erm2026', name: 'Elecciones Regionales 2026 (simulacro)' } },
  });
  for (const name of fs.readdirSync(world.deviceDir)) fs.rmSync(path.join(world.deviceDir, name));
  for (const name of fs.readdirSync(other.dir)) fs.copyFileSync(path.join(other.dir, name), path.join(world.deviceDir, name));
  const host = await world.start();
  t.is(await host.settled(), 'device-refused');
  t.is(host.actor.getSnapshot().context.problem, 'its election package is not the package of this mesa and election');
  t.deepEqual(host.outboxItems(), []);
  t.is(world.sends, 0);
  t.is(tickets(host).length, 0);
  t.true(host.audit.entries().some((e) => e.event === 'device.refused'));
});
