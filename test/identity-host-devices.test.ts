/**
 * Identity station host, one outcome at a time with real parts: printer faults (acta copies and
 * constancia de sufragio), a lost device, impugnados, assisted voters, a device handed back
 * twice and a device from another mesa.
 */
import path from 'node:path';
import test from 'ava';
import { issueToken } from '../shared/activation/token.ts';
import { openAuditLog } from '../shared/audit/log.ts';
import { IDENTITY_ROLE, loadSigner } from '../shared/crypto/keyset.ts';
import { encodeImage } from '../shared/devices/activation/device-image.ts';
import { IDENTITY_SUMMARY_FILE_NAME, verifyIdentitySummary } from '../shared/results/identity-summary.ts';
import { IDENTITY_AUDIT_FILE, type IdentityHost } from '../identity-station/host.ts';
import type { Ticket } from '../hardware-sim/printer/printer-mechanism.ts';
import {
  closeByPresident,
  consume,
  contentOf,
  emulator,
  eventually,
  handBack,
  impugn,
  install,
  installed,
  issue,
  losesDevice,
  makeWorld,
  plainElectors,
  printedCount,
  start,
  stateOf,
  ticketTexts,
  titulares,
  until,
  votes,
  type World,
} from './helpers/identity-host-world.ts';

function auditEvents(world: World): { event: string; message: string }[] {
  const log = openAuditLog(path.join(world.config.dataDir, IDENTITY_AUDIT_FILE), { role: 'identity', clock: () => new Date(world.now) });
  if (!log.ok) throw new Error('audit log');
  const entries = log.value.entries().map((e) => ({ event: e.event, message: e.message }));
  log.value.close();
  return entries;
}

async function summaryOf(world: World, host: IdentityHost) {
  const file = await host.devices.consolidation?.readFile(IDENTITY_SUMMARY_FILE_NAME);
  if (file?.ok !== true) throw new Error('identity summary missing');
  const summary = verifyIdentitySummary(file.value, { pkg: world.pkg });
  if (!summary.ok) throw new Error(`summary does not verify: ${JSON.stringify(summary.error)}`);
  return summary.value.counts;
}

function actaSufragio(host: IdentityHost): string {
  const acta = ticketTexts(host).find((text) => text.includes('ACTA DE SUFRAGIO'));
  if (acta === undefined) throw new Error('no acta de sufragio printed');
  return acta;
}

test('paper runs out between two ejemplares of the acta de instalación: after the refill each destination is printed exactly once', async (t) => {
  const world = makeWorld(t);
  const host = await start(t, world);
  const printer = emulator(host);
  // Once the first ejemplar is cut, the roll ends a few lines into the second.
  let armed = true;
  printer.on('ticket', (ticket: Ticket) => {
    if (armed && ticket.complete && ticket.text.includes('(1 de ')) {
      armed = false;
      printer.scheduleFault('paper-out', 5);
    }
  });
  await install(world, host, 'printer-fault');
  t.is(host.actor.getSnapshot().context.printerFault?.kind, 'paper-out');
  printer.clearFault('paper-out');
  printer.refillPaper();
  host.send({ type: 'RETRY' });
  await until(host, 'awaiting-dni');
  t.true(printer.tickets().some((ticket) => !ticket.complete && ticket.text.includes('(2 de ')), 'the second ejemplar was cut short');
  const actas = ticketTexts(host).filter((text) => text.includes('ACTA DE INSTALACIÓN'));
  const copies = world.definition.actaCopies;
  t.deepEqual(
    actas.map((text) => /Ejemplar: (\S+) \(/u.exec(text)?.[1]),
    [...copies],
    'every destination once, in order, none twice',
  );
  t.is(new Set(actas.map((text) => /Hora de instalación: (.*)/u.exec(text)?.[1])).size, 1, 'every ejemplar states the same hour');
  t.true(auditEvents(world).some((e) => e.event === 'printer.fault' && e.message === 'paper-out'));
});

test('no paper for the constancia de sufragio: the vote stays recorded, the failure is logged, nothing is counted twice', async (t) => {
  const world = makeWorld(t);
  const [presidente, secretario, tercer] = titulares(world.definition);
  const host = await installed(t, world);
  const device = world.hardware.activationDevice('a');
  const nonce = await issue(world, host, presidente, device);
  consume(world, device, nonce);
  emulator(host).setFault('paper-out');
  handBack(world, host, presidente, device);
  await until(host, 'voted-recorded');
  host.send({ type: 'DONE' });
  await until(host, 'awaiting-dni');
  t.false(ticketTexts(host).some((text) => text.includes('CONSTANCIA DE SUFRAGIO')));
  const events = auditEvents(world);
  t.true(events.some((e) => e.event === 'constancia.failed'));
  t.false(events.some((e) => e.event === 'constancia.printed'));
  // Later voters are served while the paper is still out; then the president is known to have voted.
  await votes(world, host, secretario, device);
  await votes(world, host, tercer, device);
  host.send({ type: 'DNI_ENTERED', text: presidente });
  await until(host, 'voter-already-voted');
  t.is(auditEvents(world).filter((e) => e.event === 'constancia.failed').length, 3);
});

test('a device handed back twice is recorded once; a device declared lost is invalidated and refused when it turns up', async (t) => {
  const world = makeWorld(t);
  const [presidente, secretario, tercer] = titulares(world.definition);
  const host = await installed(t, world);
  const a = world.hardware.activationDevice('a');
  const nonce = await issue(world, host, presidente, a);
  consume(world, a, nonce);
  handBack(world, host, presidente, a);
  await until(host, 'voted-recorded');
  host.send({ type: 'DONE' });
  await until(host, 'awaiting-dni');
  // The same device again (its consumed mark was erased at the first return).
  handBack(world, host, presidente, a);
  await until(host, 'device-refused');
  host.send({ type: 'DONE' });
  await until(host, 'awaiting-dni');
  // Even with the consumed mark written back, the voter no longer holds a device: refused.
  consume(world, a, nonce);
  handBack(world, host, presidente, a);
  await until(host, 'record-failed');
  t.is(host.actor.getSnapshot().context.recordFailure?.kind, 'not-holding-device');
  host.send({ type: 'DONE' });
  await until(host, 'awaiting-dni');

  const lost = world.hardware.activationDevice('lost');
  const lostNonce = await losesDevice(world, host, secretario, lost);
  t.is(host.actor.getSnapshot().context.outstandingDevices, 0);
  // The device turns up, used or not: nothing more is recorded for that voter.
  handBack(world, host, secretario, lost);
  await until(host, 'art23-choice');
  host.send({ type: 'RECORD_NOT_VOTED' });
  await until(host, 'record-failed');
  host.send({ type: 'DONE' });
  await until(host, 'awaiting-dni');
  consume(world, lost, lostNonce);
  handBack(world, host, secretario, lost);
  await until(host, 'record-failed');
  host.send({ type: 'DONE' });
  await until(host, 'awaiting-dni');
  await votes(world, host, tercer, a);
  host.send({ type: 'DNI_ENTERED', text: secretario });
  await until(host, 'voter-already-voted');
  host.send({ type: 'DONE' });
  await until(host, 'awaiting-dni');
  await closeByPresident(world, host);
  const acta = actaSufragio(host);
  t.is(printedCount(acta, 'Votaron en cabina'), 2);
  t.is(printedCount(acta, 'Identificados que no emitieron'), 1);
  t.is(printedCount(acta, 'de ellos, dispositivos'), 1);
  t.is(printedCount(acta, 'Dispositivos de activación entregados:'), 3);
  t.like(await summaryOf(world, host), { activationsIssued: 3, activationsConsumed: 2, art23NotVoted: 1, lostDevices: 1 });
  t.true(auditEvents(world).some((e) => e.event === 'token.voided' && e.message === 'device declared lost'));
});

test('a device of another mesa is refused on return and never overwritten at issue', async (t) => {
  const world = makeWorld(t);
  const [presidente] = titulares(world.definition);
  const host = await installed(t, world);
  const signer = loadSigner(world.keysDir, IDENTITY_ROLE);
  if (!signer.ok) throw new Error('identity key');
  const foreign = issueToken({
    electionId: world.definition.election.id,
    mesa: world.definition.mesa.number === '999999' ? '999998' : '999999',
    simulacro: world.definition.election.simulacro,
    now: new Date(world.now),
    validityMinutes: 30,
    signer: signer.value,
  });
  const other = world.hardware.activationDevice('other-mesa');
  other.writeMemory(encodeImage(foreign.bytes));
  t.is(stateOf(world, other).state, 'invalid');

  const own = world.hardware.activationDevice('a');
  await issue(world, host, presidente, own);
  handBack(world, host, presidente, other);
  await until(host, 'device-refused');
  host.send({ type: 'DONE' });
  await until(host, 'awaiting-dni');
  t.is(host.actor.getSnapshot().context.outstandingDevices, 1, 'the president still holds a device');
  t.deepEqual(contentOf(other), foreign.bytes, 'the foreign device was not touched');

  // Issuing onto the foreign device is refused as well.
  const secretario = titulares(world.definition)[1];
  const reader = world.hardware.activationReader('writer');
  reader.pull();
  reader.insert(other);
  host.send({ type: 'DNI_ENTERED', text: secretario });
  await until(host, 'voter-may-vote');
  host.send({ type: 'ISSUE_DEVICE' });
  await until(host, 'issue-failed');
  t.is(host.actor.getSnapshot().context.issueFailure?.kind, 'device-not-blank');
  t.deepEqual(contentOf(other), foreign.bytes);
});

test('impugnados vote on paper and assisted voters are a count: both reach the acta and the signed summary', async (t) => {
  const world = makeWorld(t);
  const [presidente, secretario, tercer] = titulares(world.definition);
  const [first, second] = plainElectors(world.definition);
  if (first === undefined || second === undefined) throw new Error('fixture');
  const host = await installed(t, world);
  const device = world.hardware.activationDevice('a');
  await votes(world, host, presidente, device);
  await votes(world, host, secretario, device);
  await votes(world, host, tercer, device);
  // Art. 24 from the idle screen, and from the may-vote screen.
  await impugn(host, first);
  host.send({ type: 'DNI_ENTERED', text: second });
  await until(host, 'voter-may-vote');
  host.send({ type: 'IMPUGN' });
  await until(host, 'awaiting-dni');
  host.send({ type: 'DNI_ENTERED', text: first });
  await until(host, 'voter-impugned');
  host.send({ type: 'DONE' });
  await until(host, 'awaiting-dni');
  // Impugning someone who already voted is refused without changing anything.
  host.send({ type: 'IMPUGN', dni: presidente });
  await until(host, 'record-failed');
  host.send({ type: 'DONE' });
  await until(host, 'awaiting-dni');
  // Two assisted voters (Art. 22): a count, no identity.
  host.send({ type: 'ASSISTED_VOTER' });
  host.send({ type: 'ASSISTED_VOTER' });
  await eventually(() => host.actor.getSnapshot().context.assistedVoters === 2, 'assisted voters counted');
  await closeByPresident(world, host);

  const acta = actaSufragio(host);
  t.is(printedCount(acta, 'Impugnados, votaron en'), 2);
  t.is(printedCount(acta, 'Electores asistidos'), 2);
  t.is(printedCount(acta, 'Total de electores que votaron:'), 5);
  t.like(await summaryOf(world, host), { impugnados: 2, assistedVoters: 2, activationsConsumed: 3 });
  const events = auditEvents(world);
  t.is(events.filter((e) => e.event === 'voter.assistance-authorized').length, 2);
  t.false(events.some((e) => /\b\d{8}\b/u.test(e.message)), 'no DNI in the log');
});
