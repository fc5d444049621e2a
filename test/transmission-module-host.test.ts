/**
 * The transmission module (Art. 31) over the real parts: three mesas of one polling place built
 * with the real builders, a device of another polling place and one of another election, the
 * in-process centre over pinned HTTPS, the ESC/POS driver on a simulated pty printer, the
 * simulated scanner and three write-once media. Tickets are read back from the simulated
 * printer; the board is the operator's screen view.
 */
import fs from 'node:fs';
import path from 'node:path';
import test, { type ExecutionContext } from 'ava';
import { sha256Hex } from '../shared/crypto/hash.ts';
import { groupHex } from '../shared/documents/report-pieces.ts';
import type { TransmissionModuleHost } from '../transmission-station/module-host.ts';
import type { ModuleEvent, ModuleScreen } from '../transmission-station/module-machine.ts';
import { moduleView, type MesaStatus } from '../transmission-station/module-ui/view-model.ts';
import { BACKOFF } from '../shared/transmission/queue.ts';
import { loadSigner } from '../shared/crypto/keyset.ts';
import { sendUnit } from '../shared/transmission/client.ts';
import { err } from '../shared/result.ts';
import { TransmissionModuleConfigSchema } from '../transmission-station/host-config.ts';
import { startTransmissionModuleHost } from '../transmission-station/module-host.ts';
import { sealTransmission } from '../shared/transmission/transmission-package.ts';
import { buildMesaDevice } from './helpers/mesa-device.ts';
import { EG2026 } from './helpers/ballots.ts';
import { makeModuleWorld, MESA_RESULT_FILE_NAME, OTHER_ELECTION_MESA, OTHER_PLACE_MESA, PLACE_MESAS, type ModuleWorld } from './helpers/transmission-module-world.ts';

async function step(host: TransmissionModuleHost, event: ModuleEvent, expected: ModuleScreen, t: ExecutionContext): Promise<void> {
  host.send(event);
  const screen = await host.settled();
  t.is(screen, expected, `after ${event.type}: ${host.actor.getSnapshot().context.problem ?? ''}`);
}

function tickets(host: TransmissionModuleHost): string[] {
  const emulator = host.devices.printer?.simulator?.emulator;
  if (emulator === undefined) throw new Error('simulated printer expected');
  return emulator.completeTickets().map((ticket) => ticket.text);
}

function view(host: TransmissionModuleHost) {
  return moduleView(host.actor.getSnapshot(), host.record(), host.outboxItems(), host.packages, host.work());
}

function board(host: TransmissionModuleHost): Record<string, MesaStatus> {
  return Object.fromEntries(view(host).board.map((row) => [row.mesa, row.status]));
}

async function receive(world: ModuleWorld, host: TransmissionModuleHost, mesa: string, t: ExecutionContext): Promise<void> {
  world.insert(world.mesa(mesa));
  await world.placeActa(mesa);
  await step(host, { type: 'RECEIVE' }, 'waiting', t);
}

test('three mesas received in turn: two cargos each, results and actas acknowledged, per-mesa board, three backups, closed', async (t) => {
  t.timeout(240_000);
  const world = await makeModuleWorld(t);
  const host = await world.start();
  t.is(await host.settled(), 'waiting', host.actor.getSnapshot().context.problem ?? '');
  const zero = tickets(host);
  t.is(zero.length, 1);
  t.regex(zero[0] ?? '', /MÓDULO DE TRANSMISIÓN/);
  t.regex(zero[0] ?? '', /Mesas de sufragio atendidas: 3/);
  t.regex(zero[0] ?? '', /Envíos pendientes en el módulo: 0/);
  t.deepEqual(board(host), { '041287': 'waiting', '041288': 'waiting', '041289': 'waiting' });
  t.deepEqual(view(host).actions, ['RECEIVE', 'SEND'], 'nothing to finish before a mesa is received');

  for (const [m, mesa] of PLACE_MESAS.entries()) {
    const before = tickets(host).length;
    await receive(world, host, mesa, t);
    const cargos = tickets(host).slice(before);
    t.is(cargos.length, 2, `two cargos for mesa ${mesa}`);
    const resultSha = sha256Hex(new Uint8Array(fs.readFileSync(path.join(world.mesa(mesa).dir, MESA_RESULT_FILE_NAME))));
    for (const [i, cargo] of cargos.entries()) {
      t.regex(cargo, /CARGO DE RECEPCIÓN/);
      t.true(cargo.includes(`Ejemplar ${i + 1} de 2 (${i === 0 ? 'presidente' : 'coordinador'} de mesa)`), cargo);
      t.true(cargo.includes(`Mesa de sufragio N.° ${mesa}`));
      t.true(cargo.replace(/\s+/g, ' ').includes('Local de votación: I.E. Sintética N.° 901 Colibrí'), 'the polling place (wrapped on paper)');
      t.true(cargo.includes(`Recibido: 2026-04-12 18:3${m}:00 (America/Lima)`), 'the time received, to the second');
      t.true(cargo.includes(groupHex(resultSha).split('\n')[0] ?? 'x'), 'the received result by its sha256');
      t.regex(cargo, /SIMULACRO/);
      t.notRegex(cargo, /REIMPRESIÓN/);
    }
    world.clockMs += 60_000;
  }
  t.deepEqual(board(host), { '041287': 'acknowledged', '041288': 'acknowledged', '041289': 'acknowledged' });
  for (const row of view(host).board) t.regex(row.text, /^resultado: recibido por el centro; imagen del acta: recibido por el centro; cargos impresos: 2; constancias impresas: resultado 0, imagen 0$/);
  t.is(world.events.filter((e) => e.kind === 'acknowledged' && e.file === 'mesa-result').length, 3);
  t.is(world.events.filter((e) => e.kind === 'acknowledged' && e.file === 'acta-image').length, 3);

  // A constancia de transmisión for one mesa, in the copies asked.
  const before = tickets(host).length;
  await step(host, { type: 'PRINT', mesa: '041288', what: 'result', copies: 2 }, 'waiting', t);
  const constancias = tickets(host).slice(before);
  t.is(constancias.length, 2);
  t.regex(constancias[0] ?? '', /CONSTANCIA DE\s+TRANSMISIÓN/);
  t.regex(constancias[1] ?? '', /Mesa de sufragio N\.° 041288/);

  await step(host, { type: 'FINISH' }, 'ready-to-close', t);
  for (const n of [1, 2, 3]) {
    const stick = world.hardware.usbStick(`respaldo-${n}`);
    t.true(stick.state.finalized);
    const files = await stick.rawFiles();
    for (const mesa of PLACE_MESAS) {
      const original = new Uint8Array(fs.readFileSync(path.join(world.mesa(mesa).dir, MESA_RESULT_FILE_NAME)));
      t.is(sha256Hex(files.get(`mesa-${mesa}-${MESA_RESULT_FILE_NAME}`) ?? new Uint8Array()), sha256Hex(original), `backup ${n}: mesa ${mesa}`);
      for (const name of ['acta-odpe.png', 'recibo-resultado.vep', 'recibo-imagen.vep']) t.true(files.has(`mesa-${mesa}-${name}`), `backup ${n} holds mesa ${mesa} ${name}`);
    }
  }
  await step(host, { type: 'CLOSE' }, 'closed', t);
  const audit = host.audit.entries().map((e) => e.event);
  t.is(audit.filter((e) => e === 'cargo.printed').length, 6);
  t.is(audit.filter((e) => e === 'backup.written').length, 3);
});

test('a device with no results is handed back with a Spanish message and NO cargo; once the mesa writes them it is received', async (t) => {
  t.timeout(180_000);
  const world = await makeModuleWorld(t);
  const host = await world.start();
  t.is(await host.settled(), 'waiting');
  const zeroTickets = tickets(host).length;
  world.insert(world.mesa('041288'), [MESA_RESULT_FILE_NAME]);
  await step(host, { type: 'RECEIVE' }, 'no-results', t);
  t.is(tickets(host).length, zeroTickets, 'no cargo printed');
  const shown = view(host);
  t.is(shown.title, 'Dispositivo sin resultados');
  t.regex(shown.instruction, /^El dispositivo de la mesa 041288 no contiene resultados\. Devuélvalo al presidente de mesa junto con el acta; NO se imprime cargo\./);
  t.deepEqual(shown.actions, ['CONTINUE']);
  t.deepEqual(host.outboxItems(), []);
  await step(host, { type: 'CONTINUE' }, 'waiting', t);
  t.is(board(host)['041288'], 'returned');
  t.true(host.audit.entries().some((e) => e.event === 'device.returned'));

  // The mesa writes its results and comes back (Art. 31.5): now received, with its two cargos.
  await receive(world, host, '041288', t);
  t.is(tickets(host).length, zeroTickets + 2);
  t.is(board(host)['041288'], 'acknowledged');
});

test('devices of another election and of another polling place are refused with their reason; a tampered one too; the board says so', async (t) => {
  t.timeout(180_000);
  const world = await makeModuleWorld(t);
  const host = await world.start();
  t.is(await host.settled(), 'waiting');
  const printedBefore = tickets(host).length;

  world.insert(world.otherElection);
  await step(host, { type: 'RECEIVE' }, 'device-refused', t);
  t.is(host.actor.getSnapshot().context.refusal, 'other-election');
  t.regex(host.actor.getSnapshot().context.problem ?? '', /^its package is of election erm2026 \(mesa 041290\); this module serves eg2026$/);
  t.regex(view(host).instruction, /^Dispositivo de la mesa 041290 rechazado: el dispositivo es de otra elección\./);
  await step(host, { type: 'CONTINUE' }, 'waiting', t);

  world.insert(world.otherPlace);
  await step(host, { type: 'RECEIVE' }, 'device-refused', t);
  t.is(host.actor.getSnapshot().context.refusal, 'other-place');
  t.true((host.actor.getSnapshot().context.problem ?? '').startsWith(`mesa ${OTHER_PLACE_MESA} (I.E. N.° 55 Otro Local) is not a mesa of this polling place`));
  await step(host, { type: 'CONTINUE' }, 'waiting', t);

  // A device of one of our mesas whose result was altered.
  world.insert(world.mesa('041289'));
  const file = path.join(world.port, MESA_RESULT_FILE_NAME);
  const bytes = fs.readFileSync(file);
  const at = Math.floor(bytes.length / 2);
  bytes[at] = (bytes[at] ?? 0) ^ 0x01;
  fs.writeFileSync(file, bytes);
  await step(host, { type: 'RECEIVE' }, 'device-refused', t);
  t.is(host.actor.getSnapshot().context.refusal, 'result-invalid');
  await step(host, { type: 'CONTINUE' }, 'waiting', t);

  t.is(tickets(host).length, printedBefore, 'no cargo for a refused device');
  t.deepEqual(host.outboxItems(), []);
  t.is(board(host)['041289'], 'refused');
  t.regex(view(host).board.find((r) => r.mesa === '041289')?.text ?? '', /^dispositivo rechazado: el resultado de la mesa no es auténtico o fue alterado$/);
  t.deepEqual(view(host).foreign, [
    `Mesa ${OTHER_ELECTION_MESA} (erm2026): el dispositivo es de otra elección`,
    `Mesa ${OTHER_PLACE_MESA} (eg2026): la mesa no pertenece a este local de votación`,
  ]);
  t.is(host.audit.entries().filter((e) => e.event === 'device.refused').length, 3);
});

test('centre down: results stay pending on the board, FINISH waits; once up they are acknowledged and a reinserted device gets a REIMPRESIÓN cargo', async (t) => {
  t.timeout(180_000);
  const world = await makeModuleWorld(t, (c) => ({ ...c, scanActas: false }));
  let up = true;
  const config = TransmissionModuleConfigSchema.parse(world.config);
  const pinnedCert = fs.readFileSync(config.centre.certFile ?? '', 'utf8');
  // The real pinned client while "up"; a refused connection, as a dead centre gives, while down.
  const started = await startTransmissionModuleHost(config, {
    ...world.hostOptions(),
    sendUnit: (unit) =>
      up ? sendUnit(unit, { url: config.centre.url, pinnedCert }) : Promise.resolve(err({ kind: 'unreachable' as const, detail: 'ECONNREFUSED', requestSent: false })),
  });
  if (!started.ok) return t.fail(JSON.stringify(started.error));
  const host = started.value;
  t.teardown(() => host.close());
  t.is(await host.settled(), 'waiting');
  up = false;
  world.insert(world.mesa('041287'));
  await step(host, { type: 'RECEIVE' }, 'waiting', t);
  t.is(board(host)['041287'], 'pending');
  t.regex(view(host).board[0]?.text ?? '', /^resultado: pendiente; imagen del acta: sin imagen; cargos impresos: 2; constancias/);
  t.false(view(host).actions.includes('FINISH'), 'backups wait for every queued unit to settle');
  host.send({ type: 'FINISH' });
  t.is(host.screen(), 'waiting');

  up = true;
  world.clockMs += BACKOFF.baseMs;
  await step(host, { type: 'SEND' }, 'waiting', t);
  t.is(board(host)['041287'], 'acknowledged');
  t.true(view(host).actions.includes('FINISH'));

  // The president lost the cargo: the same device again prints a reprint, nothing is queued again.
  const before = tickets(host).length;
  const units = host.outboxItems().length;
  await step(host, { type: 'RECEIVE' }, 'waiting', t);
  const reprints = tickets(host).slice(before);
  t.is(reprints.length, 2);
  for (const ticket of reprints) t.regex(ticket, /REIMPRESIÓN/);
  t.is(host.outboxItems().length, units);
  t.is(world.events.filter((e) => e.kind === 'acknowledged').length, 1);
});

test('a restarted module keeps its board and does not print its puesta a cero again', async (t) => {
  t.timeout(180_000);
  const world = await makeModuleWorld(t, (c) => ({ ...c, scanActas: false }));
  const first = await world.start();
  t.is(await first.settled(), 'waiting');
  world.insert(world.mesa('041287'));
  await step(first, { type: 'RECEIVE' }, 'waiting', t);
  await first.close();
  const second = await world.start();
  t.is(await second.settled(), 'waiting');
  t.is(tickets(second).length, 0);
  t.is(board(second)['041287'], 'acknowledged');
  t.true(view(second).actions.includes('FINISH'), 'the mesa received before the restart counts');
});

test('a result the centre refuses (another result of the mesa already there) shows on the board as refused by the centre with the reason', async (t) => {
  t.timeout(180_000);
  const world = await makeModuleWorld(t, (c) => ({ ...c, scanActas: false }));
  // Another signed result of mesa 041288 under the same package reached the centre first.
  const rival = buildMesaDevice(path.join(world.tmp, 'rival-041288'), {
    keysDir: world.keysDir,
    definition: { ...EG2026, mesa: { ...EG2026.mesa, number: '041288' } },
    seed: 77,
  });
  const signer = loadSigner(world.keysDir, 'transmission');
  if (!signer.ok) return t.fail('transmission key');
  const pinnedCert = fs.readFileSync(world.config.centre.certFile ?? '', 'utf8');
  const unit = sealTransmission({ pkg: rival.pkg, kind: 'mesa-result', plaintext: new Uint8Array(fs.readFileSync(path.join(rival.dir, MESA_RESULT_FILE_NAME))), signer: signer.value });
  const first = await sendUnit(unit, { url: world.centre.url, pinnedCert });
  t.true(first.ok && first.value.status === 200);

  const host = await world.start();
  t.is(await host.settled(), 'waiting');
  world.insert(world.mesa('041288'));
  await step(host, { type: 'RECEIVE' }, 'waiting', t);
  t.is(board(host)['041288'], 'centre-refused');
  t.regex(view(host).board.find((r) => r.mesa === '041288')?.text ?? '', /^resultado: rechazado por el centro \(motivo: conflict\);/);
  t.true(host.audit.entries().some((e) => e.event === 'transmission.refused'));
  // A refusal is final: it does not hold the backups back.
  t.true(view(host).actions.includes('FINISH'));
});

test('the module stopped before digitizing an acta: the mesa\'s result is sent after the restart, and presenting the device again reprints the cargo and digitizes the acta', async (t) => {
  t.timeout(180_000);
  const world = await makeModuleWorld(t);
  const first = await world.start();
  t.is(await first.settled(), 'waiting');
  world.insert(world.mesa('041289'));
  // No acta on the glass: the scanner has nothing to digitize.
  await step(first, { type: 'RECEIVE' }, 'scan-failed', t);
  t.deepEqual(first.outboxItems(), [], 'nothing queued yet');
  await first.close();

  const second = await world.start();
  t.is(await second.settled(), 'waiting');
  t.deepEqual(second.outboxItems().map((i) => [i.kind, i.status]), [['mesa-result', 'acknowledged']], 'the received result is queued and sent by the first pass');
  t.regex(view(second).board.find((r) => r.mesa === '041289')?.text ?? '', /imagen del acta: sin imagen/);

  await world.placeActa('041289');
  await step(second, { type: 'RECEIVE' }, 'waiting', t);
  const reprints = tickets(second);
  t.is(reprints.length, 2);
  for (const ticket of reprints) t.regex(ticket, /REIMPRESIÓN/);
  t.deepEqual(
    second.outboxItems().map((i) => [i.kind, i.status]).sort(),
    [['acta-image', 'acknowledged'], ['mesa-result', 'acknowledged']],
  );
  t.is(world.events.filter((e) => e.kind === 'acknowledged' && e.file === 'mesa-result').length, 1, 'the result is not sent twice');
});

test('RECEIVE with no device in the port says so and lists nothing; the operator inserts it and receives', async (t) => {
  t.timeout(120_000);
  const world = await makeModuleWorld(t, (c) => ({ ...c, scanActas: false }));
  const host = await world.start();
  t.is(await host.settled(), 'waiting');
  fs.rmSync(world.port, { recursive: true });
  await step(host, { type: 'RECEIVE' }, 'device-refused', t);
  t.is(host.actor.getSnapshot().context.refusal, 'unreadable');
  t.regex(view(host).instruction, /no se pudo leer el dispositivo \(¿está insertado\?\)/);
  await step(host, { type: 'CONTINUE' }, 'waiting', t);
  t.deepEqual(view(host).foreign, []);
  t.is(board(host)['041287'], 'waiting');
  fs.mkdirSync(world.port);
  world.insert(world.mesa('041287'));
  await step(host, { type: 'RECEIVE' }, 'waiting', t);
  t.is(board(host)['041287'], 'acknowledged');
});
