/**
 * Acta de no instalación through the real host (issue 5, Deliver 1): two members came, the
 * president noted why, and the no-installation deadline passed on the host's clock. Every ejemplar
 * comes out of the ESC/POS printer simulator, as text and PNG, with the mesa, the time to the
 * minute, the members who came (and not the one who did not), the observation and the SIMULACRO
 * banner; the station ends not installed, refuses every further action and prints nothing again
 * after a restart.
 */
import fs from 'node:fs';
import path from 'node:path';
import test from 'ava';
import { PNG } from 'pngjs';
import { formatToMinute } from '../identity-station/documents.ts';
import { identitySchedule } from '../identity-station/host.ts';
import {
  emulator,
  eventually,
  flat,
  makeWorld,
  memberDni,
  printerOutputDir,
  screen,
  start,
  tickets,
  ticketTexts,
  until,
} from './helpers/identity-host-world.ts';

const WHY = 'No llegó el tercer miembro ni suplentes.';

test('past the no-installation deadline the acta de no instalación prints, one ejemplar per destination, as text and PNG', async (t) => {
  const world = makeWorld(t, undefined, { keepPrinterOutput: true });
  const { definition } = world;
  const schedule = identitySchedule(definition);
  world.now = schedule.votingOpenAt - 30 * 60_000;
  const host = await start(t, world);
  await until(host, 'confirm-mesa-data');
  host.send({ type: 'CONFIRM_MESA_DATA' });
  await until(host, 'installation');
  const came = [memberDni(definition, 'presidente'), memberDni(definition, 'secretario')];
  const absent = memberDni(definition, 'tercer-miembro');
  for (const dni of came) host.send({ type: 'MEMBER_ARRIVED', dni });
  host.send({ type: 'ADD_OBSERVATION', text: WHY });
  await eventually(() => screen(host) === 'installation' && host.actor.getSnapshot().context.observationOutcome?.kind === 'recorded', 'observation recorded');
  host.send({ type: 'INSTALL', credential: null });
  t.is(host.actor.getSnapshot().context.installRefusal, 'credential-missing');
  t.is(ticketTexts(host).length, 0, 'nothing printed before the deadline');

  // The deadline passes on the host's clock (the host polls it; no event is needed).
  world.now = schedule.noInstallationDeadlineAt + 60_000;
  await until(host, 'not-installed');
  const actas = tickets(host).filter((ticket) => ticket.text.includes('ACTA DE NO INSTALACIÓN'));
  t.is(actas.length, definition.actaCopies.length, 'one ejemplar per destination');
  const printedAt = formatToMinute(new Date(world.now), definition.election.timezone);
  for (const [i, ticket] of actas.entries()) {
    const text = flat(ticket.text);
    t.true(text.includes(`(${i + 1} de ${definition.actaCopies.length})`), `ejemplar ${i + 1} numbered`);
    t.true(text.includes(`Mesa de sufragio N.° ${definition.mesa.number}`));
    t.true(text.includes(`Fecha y hora: ${printedAt}`));
    t.true(text.includes('La mesa de sufragio no se instaló por no contar con el número de miembros requerido.'));
    for (const dni of came) t.true(text.includes(`DNI ${dni}`), 'a member who came is listed');
    t.false(text.includes(absent), 'the member who did not come is not listed');
    t.true(text.includes(`- ${WHY}`));
    t.is(text.includes('SIMULACRO'), definition.election.simulacro);
  }
  t.is(ticketTexts(host).length, actas.length, 'nothing else is printed (no puesta a cero, no acta de instalación)');

  const outputDir = printerOutputDir(world.dir);
  const first = actas[0];
  if (first === undefined) return t.fail('no acta');
  const png = PNG.sync.read(fs.readFileSync(path.join(outputDir, `ticket-${String(first.index).padStart(4, '0')}.png`)));
  t.deepEqual(png.data, PNG.sync.read(emulator(host).renderPng(first)).data, 'the filed PNG is the rendering of that ticket');
  t.is(png.width, 576, '80 mm paper at 203 dpi');
  t.true(png.height >= first.text.split('\n').length * 24, 'at least one font-A line height per printed line');

  // Not installed is final: nothing more is taken, and a restart prints nothing again.
  host.send({ type: 'MEMBER_ARRIVED', dni: absent });
  host.send({ type: 'DNI_ENTERED', text: came[0] ?? '' });
  t.is(screen(host), 'not-installed');
  await host.close();
  const again = await start(t, world);
  await until(again, 'not-installed');
  t.is(ticketTexts(again).length, 0, 'a station not installed prints nothing at restart');
});
