/**
 * Observations on the actas (Arts. 20, 25), through the real host: the president types them on the
 * installation screen or the idle voting screen (ADD_OBSERVATION), the machine checks them
 * (observation.ts), the identity store files them under the acta being prepared, and the ESC/POS
 * printer simulator prints them: installation ones on the acta de instalación, voting ones on the
 * acta de sufragio. A DNI-like number is refused and never stored or printed; the text never
 * reaches the audit log.
 */
import path from 'node:path';
import test from 'ava';
import { openAuditLog } from '../shared/audit/log.ts';
import { IDENTITY_AUDIT_FILE, type IdentityHost } from '../identity-station/host.ts';
import { identityView } from '../identity-station/ui/view-model.ts';
import {
  closeByPresident,
  eventually,
  flat,
  makeWorld,
  start,
  ticketTexts,
  titulares,
  until,
  withCredential,
  type World,
} from './helpers/identity-host-world.ts';

const AT_INSTALLATION = 'Se instaló con retraso por lluvia.';
const WHILE_VOTING = 'Un personero pidió constancia.';
const WITH_DNI = 'El elector 4111 8899 reclamó.';

const note = (world: World, host: IdentityHost) => identityView(host.actor.getSnapshot(), world.definition).observationNote;

async function observe(world: World, host: IdentityHost, text: string, backOn: 'installation' | 'awaiting-dni'): Promise<void> {
  host.send({ type: 'ADD_OBSERVATION', text });
  await until(host, backOn);
  await eventually(() => note(world, host) !== null, 'observation answered');
}

test('an observation typed during installation is on the acta de instalación, one typed while voting on the acta de sufragio', async (t) => {
  const world = makeWorld(t);
  const host = await start(t, world);
  await until(host, 'confirm-mesa-data');
  host.send({ type: 'CONFIRM_MESA_DATA' });
  await until(host, 'installation');

  await observe(world, host, `  ${AT_INSTALLATION}\n`, 'installation');
  t.regex(note(world, host) ?? '', /registrada; se imprimirá en el acta de instalación/);
  await observe(world, host, WITH_DNI, 'installation');
  t.regex(note(world, host) ?? '', /números de 8 dígitos/);
  await observe(world, host, '   ', 'installation');
  t.regex(note(world, host) ?? '', /Escriba la observación/);

  for (const dni of titulares(world.definition)) host.send({ type: 'MEMBER_ARRIVED', dni });
  host.send({ type: 'INSTALL', credential: await withCredential(world, host) });
  await until(host, 'awaiting-dni');
  const instalacion = ticketTexts(host).filter((text) => text.includes('ACTA DE INSTALACIÓN'));
  t.true(instalacion.length >= 1, 'acta de instalación printed');
  for (const acta of instalacion) {
    t.true(flat(acta).includes(`- ${AT_INSTALLATION}`));
    t.false(flat(acta).includes('Ninguna.'));
    t.false(flat(acta).includes('4111'));
  }

  await observe(world, host, WHILE_VOTING, 'awaiting-dni');
  t.regex(note(world, host) ?? '', /acta de sufragio/);
  await observe(world, host, 'x'.repeat(501), 'awaiting-dni');
  t.regex(note(world, host) ?? '', /demasiado larga/);

  await closeByPresident(world, host);
  const sufragio = ticketTexts(host).filter((text) => text.includes('ACTA DE SUFRAGIO'));
  t.true(sufragio.length >= 1, 'acta de sufragio printed');
  for (const acta of sufragio) {
    t.true(flat(acta).includes(`- ${WHILE_VOTING}`));
    t.false(flat(acta).includes(AT_INSTALLATION), 'installation observations stay on their own acta');
    t.false(flat(acta).includes('Ninguna.'));
  }
  t.false(ticketTexts(host).some((text) => text.includes('4111')), 'the refused DNI-like number was never printed');

  await host.close();
  const log = openAuditLog(path.join(world.config.dataDir, IDENTITY_AUDIT_FILE), { role: 'identity', clock: () => new Date(world.now) });
  if (!log.ok) throw new Error('audit log');
  const entries = JSON.stringify(log.value.entries());
  log.value.close();
  t.true(entries.includes('"acta.observation-recorded"'));
  t.false(entries.includes('personero'), 'the observation text is not logged');
  t.false(entries.includes('lluvia'), 'the observation text is not logged');
});
