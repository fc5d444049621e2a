import test from 'ava';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Dni } from '../identity-station/dni.ts';
import {
  actaDeInstalacion,
  actaDeNoInstalacion,
  actaDeSufragio,
  constanciaDeSufragio,
  formatToMinute,
  identityPuestaACeroReport,
  type ActaMember,
} from '../identity-station/documents.ts';
import { openIdentityStore, type IdentityStoreSummary } from '../identity-station/store.ts';
import { documentToPlainText } from '../shared/documents/print-document.ts';
import type { ElectionDefinition } from '../shared/election/definition.ts';
import { EG2026 } from './helpers/ballots.ts';

const AT = new Date('2026-04-12T12:31:47Z'); // 07:31:47 in Lima
const CODE = 'a'.repeat(64);
const PKG = 'b'.repeat(64);

const MEMBERS: ActaMember[] = [
  { dni: '99864135', role: 'secretario', takenFromLine: false },
  { dni: '99524208', role: 'presidente', takenFromLine: false },
  { dni: EG2026.padron[5]?.dni ?? '', role: 'tercer-miembro', takenFromLine: true },
];

function nonSimulacro(): ElectionDefinition {
  return { ...EG2026, election: { ...EG2026.election, simulacro: false } };
}

/** A real store after a scripted day: 4 voted, 2 Art. 23 of which 1 lost device, 1 impugnado, 2 assisted. */
function closedSummary(t: { teardown: (fn: () => void) => void }): IdentityStoreSummary {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vep-'));
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  const opened = openIdentityStore(path.join(dir, 'id.db'), EG2026.padron);
  if (!opened.ok) throw new Error('open');
  const store = opened.value;
  const dni = (i: number) => (EG2026.padron[i]?.dni ?? '') as Dni;
  const steps = [
    store.setPhase('voting'),
    ...[0, 1, 2, 3, 4, 5].map((i) => store.markHoldsDevice(dni(i))),
    ...[0, 1, 2, 3].map((i) => store.recordVoted(dni(i))),
    store.recordArt23(dni(4)),
    store.recordLostDevice(dni(5)),
    store.recordImpugnado(dni(9)),
    store.recordAssisted(),
    store.recordAssisted(),
    store.setPhase('closing'),
  ];
  if (steps.some((s) => !s.ok)) throw new Error('scripted step refused');
  const summary = store.summary();
  store.disconnect();
  return summary;
}

function zeroSummary(): IdentityStoreSummary {
  return {
    electoresHabiles: EG2026.padron.length,
    activationsIssued: 0,
    activationsConsumed: 0,
    art23NotVoted: 0,
    lostDevices: 0,
    impugnados: 0,
    assistedVoters: 0,
    outstandingDevices: 0,
  };
}

/** Wrapped lines joined, to look for phrases. */
const flat = (plain: string): string => plain.replace(/\s+/gu, ' ');

/** The number at the right end of the line whose label starts with `label`. */
function countOf(plain: string, label: string): number {
  const line = plain.split('\n').find((l) => l.trimStart().startsWith(label));
  const match = line?.match(/(\d+)\s*$/u);
  if (match?.[1] === undefined) throw new Error(`no count line for ${label}`);
  return Number(match[1]);
}

test('acta de instalación: mesa, place, date, members with roles and names, time to the minute, observations, signatures', (t) => {
  const plain = documentToPlainText(
    actaDeInstalacion({ definition: EG2026, members: MEMBERS, installedAt: AT, observations: ['Se instaló con retraso por lluvia.'] }),
  );
  t.true(plain.includes('ACTA DE INSTALACIÓN'));
  t.true(plain.includes(`Mesa de sufragio N.° ${EG2026.mesa.number}`));
  t.true(plain.includes(EG2026.mesa.place.name));
  t.true(flat(plain).includes('Hora de instalación: 2026-04-12 07:31 (America/Lima)'));
  t.false(plain.includes('07:31:47'));
  t.true(plain.includes('Presidente(a)'));
  t.true(plain.includes('Secretario(a)'));
  t.true(plain.includes('Tercer miembro (elector de la fila, Art. 21)'));
  t.true(plain.includes(`DNI 99524208`));
  const president = EG2026.padron.find((e) => e.dni === '99524208');
  t.true(president !== undefined && plain.includes(president.surnames));
  t.true(plain.includes('Se instaló con retraso por lluvia.'));
  t.true(plain.includes('FIRMAS'));
  t.true(plain.includes('Firma de personero'));
  // The president comes first even if registered later.
  t.true(plain.indexOf('Presidente(a)') < plain.indexOf('Secretario(a)'));
  t.true(plain.includes('*** SIMULACRO ***'));
  t.false(documentToPlainText(actaDeInstalacion({ definition: nonSimulacro(), members: MEMBERS, installedAt: AT, observations: [] })).includes('SIMULACRO'));
  t.throws(() => actaDeInstalacion({ definition: EG2026, members: MEMBERS.filter((m) => m.role !== 'presidente'), installedAt: AT, observations: [] }));
});

test('acta de no instalación lists who came, or none', (t) => {
  const plain = documentToPlainText(actaDeNoInstalacion({ definition: EG2026, members: [], recordedAt: AT, observations: [] }));
  t.true(plain.includes('ACTA DE NO INSTALACIÓN'));
  t.true(flat(plain).includes('La mesa de sufragio no se instaló'));
  t.true(plain.includes('Ninguno.'));
  t.true(plain.includes('Ninguna.'));
  const some = documentToPlainText(actaDeNoInstalacion({ definition: EG2026, members: MEMBERS.slice(0, 1), recordedAt: AT, observations: [] }));
  t.true(some.includes('DNI 99864135'));
});

test('puesta a cero of the identity station: zeros only, with software and package fingerprints', (t) => {
  const plain = documentToPlainText(
    identityPuestaACeroReport({ definition: EG2026, summary: zeroSummary(), softwareCode: CODE, packageHash: PKG, printedAt: AT, members: MEMBERS }),
  );
  t.true(plain.includes('REPORTE DE PUESTA A CERO'));
  t.true(plain.includes('Estación de comprobación de identidad'));
  t.is(countOf(plain, 'Electores hábiles'), EG2026.padron.length);
  t.is(countOf(plain, 'Electores identificados'), 0);
  t.is(countOf(plain, 'Votos registrados'), 0);
  t.true(plain.includes('aaaaaaaaaaaaaaaa aaaaaaaaaaaaaaaa'));
  t.throws(() =>
    identityPuestaACeroReport({
      definition: EG2026,
      summary: { ...zeroSummary(), impugnados: 1 },
      softwareCode: CODE,
      packageHash: PKG,
      printedAt: AT,
      members: MEMBERS,
    }),
  );
});

test('acta de sufragio: every number comes from the store and the totals add up', (t) => {
  const summary = closedSummary(t);
  const plain = documentToPlainText(
    actaDeSufragio({
      definition: EG2026,
      summary,
      members: MEMBERS,
      observations: ['Un personero pidió constancia.'],
      closedAt: AT,
      closedByPresidentOrder: false,
      reprint: false,
    }),
  );
  t.true(plain.includes('ACTA DE SUFRAGIO'));
  t.is(countOf(plain, 'Electores hábiles'), EG2026.padron.length);
  t.is(countOf(plain, 'Votaron en cabina'), 4);
  t.is(countOf(plain, 'Impugnados'), 1);
  t.is(countOf(plain, 'Identificados que no emitieron'), 2);
  t.is(countOf(plain, 'de ellos, dispositivos'), 1);
  t.is(countOf(plain, 'Total de electores que votaron'), 4 + 2 + 1);
  t.is(countOf(plain, 'Electores que no asistieron'), EG2026.padron.length - 7);
  t.is(countOf(plain, 'Dispositivos de activación entregados'), 6);
  t.is(countOf(plain, 'Electores asistidos'), 2);
  t.true(plain.includes('Un personero pidió constancia.'));
  t.true(flat(plain).includes('a la hora establecida'));
  t.true(plain.includes('Firma de personero'));
  t.true(flat(plain).includes('Hora de cierre: 2026-04-12 07:31'));
  t.false(plain.includes('REIMPRESIÓN'));
  // No voter's DNI is printed: only members'.
  const memberDnis = new Set(MEMBERS.map((m) => m.dni));
  t.false(EG2026.padron.some((e) => !memberDnis.has(e.dni) && plain.includes(e.dni)));

  const reprint = documentToPlainText(
    actaDeSufragio({ definition: EG2026, summary, members: MEMBERS, observations: [], closedAt: AT, closedByPresidentOrder: true, reprint: true }),
  );
  t.true(reprint.includes('REIMPRESIÓN'));
  t.true(flat(reprint).includes('por disposición del presidente de mesa'));
});

test('acta de sufragio refuses a summary with a device out or that does not add up', (t) => {
  const summary = closedSummary(t);
  const base = { definition: EG2026, members: MEMBERS, observations: [], closedAt: AT, closedByPresidentOrder: false, reprint: false };
  t.throws(() => actaDeSufragio({ ...base, summary: { ...summary, outstandingDevices: 1, activationsIssued: summary.activationsIssued + 1 } }));
  t.throws(() => actaDeSufragio({ ...base, summary: { ...summary, activationsConsumed: summary.activationsConsumed + 1 } }));
  t.throws(() => actaDeSufragio({ ...base, summary: { ...summary, impugnados: EG2026.padron.length } }));
});

test('formatToMinute drops the seconds', (t) => {
  t.is(formatToMinute(AT, 'America/Lima'), '2026-04-12 07:31 (America/Lima)');
});

test('constancia de sufragio: election, date, mesa, the voter\'s name and DNI, and no hour, number, cabin or token', (t) => {
  const elector = EG2026.padron[17];
  if (elector === undefined) throw new Error('fixture');
  const doc = constanciaDeSufragio({ definition: nonSimulacro(), dni: elector.dni });
  const plain = documentToPlainText(doc);
  t.true(plain.includes('CONSTANCIA DE SUFRAGIO'));
  t.true(plain.includes(EG2026.election.name));
  t.true(plain.includes(`Mesa de sufragio N.° ${EG2026.mesa.number}`));
  t.true(plain.includes(`Fecha de la elección: ${EG2026.election.date}`));
  t.true(plain.replace(/\s+/gu, ' ').includes(`${elector.surnames}, ${elector.givenNames}`));
  t.true(plain.includes(`DNI ${elector.dni}`));
  t.false(/\d{1,2}:\d{2}/u.test(plain), 'no hour of any kind');
  t.false(/cabina|cabin|token|n\.° de orden|orden/iu.test(plain), 'nothing naming a cabin, token or order');
  t.false(plain.includes('SIMULACRO'));
  // The voter-facing lines are printed tall enough to read (Art. 22.5: handed to the voter).
  const nameBlock = doc.blocks.find((b) => b.kind === 'text' && b.text.includes(elector.surnames));
  t.true(nameBlock?.kind === 'text' && nameBlock.style.size !== 'normal');
  // Two voters' constancias differ only in the voter's lines: nothing else varies per voter.
  const other = EG2026.padron[18];
  if (other === undefined) throw new Error('fixture');
  const strip = (text: string, e: { surnames: string; givenNames: string; dni: string }) =>
    text.replace(/\s+/gu, ' ').replace(`${e.surnames}, ${e.givenNames}`, 'X').replace(e.dni, 'D');
  t.is(strip(documentToPlainText(constanciaDeSufragio({ definition: nonSimulacro(), dni: other.dni })), other), strip(plain, elector));
  t.true(documentToPlainText(constanciaDeSufragio({ definition: EG2026, dni: elector.dni })).includes('SIMULACRO'));
  t.throws(() => constanciaDeSufragio({ definition: EG2026, dni: '00000001' }), { message: /not in this mesa/u });
});

test('an acta ejemplar names its destination and number; an impossible copy number is refused', (t) => {
  const plain = documentToPlainText(
    actaDeInstalacion({ definition: EG2026, members: MEMBERS, installedAt: AT, observations: [], copy: { destination: 'JEE', index: 2, of: 5 } }),
  );
  t.true(plain.includes('Ejemplar: JEE (2 de 5)'));
  t.false(documentToPlainText(actaDeInstalacion({ definition: EG2026, members: MEMBERS, installedAt: AT, observations: [] })).includes('Ejemplar'));
  t.throws(() => actaDeInstalacion({ definition: EG2026, members: MEMBERS, installedAt: AT, observations: [], copy: { destination: 'JEE', index: 6, of: 5 } }));
});
