/**
 * `vep sim day` (issue 9): whole small mesa days with the real stations, each in its own process
 * on the simulator's device bridge, driven through their screens' HTTP interface. Kept small (a
 * few voters) for the 2-core CI; `--voters 300` is for the command line. Serial: each day already
 * keeps both cores busy (station processes, ptys, printers, SQLite).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import test from 'ava';
import type { ExecutionContext } from 'ava';
import type { Ballot } from '../shared/ballot/ballot.ts';
import { loadElectionDefinitionFile } from '../shared/election/definition.ts';
import { MESA_RESULT_FILE_NAME, verifyMesaResult } from '../shared/results/mesa-result.ts';
import { CABIN_RESULTS_FILE_NAME } from '../shared/results/cabin-results.ts';
import { addArt23Blanks } from '../shared/tally/art23.ts';
import { tallyBallots } from '../shared/tally/tally.ts';
import { loadPublicKeyFile } from '../shared/crypto/keyset.ts';
import { verifyPackageBytes } from '../shared/election/package.ts';
import { DEFAULT_DAY_DEFINITION, runSimDay, type DayFault, type SimDaySummary } from '../hardware-sim/day/run-day.ts';
import { simDay } from '../shared/cli/sim-day-command.ts';
import { ACTA_IMAGE_FILE_NAME, RESULT_RECEIPT_FILE_NAME } from '../transmission-station/host-actors.ts';
import { runCli } from './helpers/cli.ts';

function outDir(t: ExecutionContext): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vep-'));
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  return path.join(dir, 'day');
}

function failedNames(summary: SimDaySummary): string[] {
  return summary.invariants.filter((i) => !i.ok).map((i) => i.name);
}

test.serial('a small day (12 voters, 2 cabins, seed 1) exits 0 and leaves tickets, PDF, device copy, backups and a summary whose invariants hold', async (t) => {
  t.timeout(600_000);
  const out = outDir(t);
  const run = await runCli(['sim', 'day', '--voters', '12', '--cabins', '2', '--seed', '1', '--out', out], { timeoutMs: 540_000 });
  t.is(run.code, 0, `${run.stdout}${run.stderr}`);
  t.regex(run.stderr, /elector 12\/12/u, 'progress lines on stderr');
  t.regex(run.stderr, /each in its own process \(pid\): identity station \d+, cabin-1 \d+, cabin-2 \d+, computing centre \d+/u, 'every station in a process of its own');
  t.true(fs.existsSync(path.join(out, 'config', 'cabin-1.json')), 'the configuration file vep booth run was started with');
  const summary = JSON.parse(fs.readFileSync(path.join(out, 'summary.json'), 'utf8')) as SimDaySummary;
  t.true(summary.ok);
  t.deepEqual(failedNames(summary), []);
  t.true(summary.invariants.length >= 9);
  t.is(summary.electors, 12);
  t.is(summary.votes + summary.art23 + summary.impugnados, 12);
  t.true(summary.art23 >= 1 && summary.impugnados >= 1, 'the day exercises Art. 23 and an impugnación');
  t.true(fs.readFileSync(path.join(out, 'summary.txt'), 'utf8').includes('RESULT: every invariant holds'));
  const cabinTickets = fs.readdirSync(path.join(out, 'impresos', 'cabin-1'));
  t.true(cabinTickets.some((f) => f.endsWith('.png')) && cabinTickets.some((f) => f.endsWith('.txt')), 'tickets as text and PNG');
  t.true(fs.existsSync(path.join(out, 'pdf', 'acta-escrutinio.pdf')));
  t.true(fs.existsSync(path.join(out, 'dispositivo', MESA_RESULT_FILE_NAME)));
  // The real transmission station (Art. 30) sent, printed and burned: its constancias on its own
  // printer, and each write-once backup holds the device, the scanned acta and the centre's receipt.
  t.regex(summary.transmission, /^station closed; .*mesa-result: acknowledged/u);
  t.regex(summary.transmission, /acta-image: acknowledged/u);
  const transmissionTickets = fs.readdirSync(path.join(out, 'impresos', 'transmission')).filter((f) => f.endsWith('.txt'));
  const constancias = transmissionTickets.filter((f) => /CONSTANCIA DE\s+TRANSMISIÓN/u.test(fs.readFileSync(path.join(out, 'impresos', 'transmission', f), 'utf8')));
  t.true(constancias.length >= 2, `constancias de transmisión printed: ${constancias.length}`);
  for (const copy of [1, 2, 3]) {
    for (const file of [MESA_RESULT_FILE_NAME, ACTA_IMAGE_FILE_NAME, RESULT_RECEIPT_FILE_NAME]) t.true(fs.existsSync(path.join(out, 'respaldos', `copia-${copy}`, file)), `copia-${copy}/${file}`);
  }
  // The acta on the device copy, read independently, counts every vote of the summary.
  const root = loadPublicKeyFile(path.join(out, 'keys'), 'onpe-root');
  if (!root.ok) throw new Error('root key');
  const pkg = verifyPackageBytes(new Uint8Array(fs.readFileSync(path.join(out, 'paquete-electoral.vep'))), root.value.publicKey);
  if (!pkg.ok) throw new Error('package');
  const verified = verifyMesaResult(new Uint8Array(fs.readFileSync(path.join(out, 'dispositivo', MESA_RESULT_FILE_NAME))), { pkg: pkg.value });
  if (!verified.ok) throw new Error('mesa result');
  t.is(verified.value.acta.data.tally.ballots, summary.votes);
});

for (const fault of ['printer-paper-out', 'device-pulled', 'cabin-crash'] as const satisfies readonly DayFault[]) {
  test.serial(`fault ${fault} on a small day is handled: every invariant still holds`, async (t) => {
    t.timeout(600_000);
    const result = await runSimDay({ voters: 6, seed: 7, outDir: outDir(t), faults: [fault] });
    if (!result.ok) throw new Error(result.error);
    t.deepEqual(failedNames(result.value), []);
    t.is(result.value.faultsApplied.length, 1);
    t.true(result.value.faultsApplied[0]?.startsWith(fault));
    t.is(result.value.votes + result.value.art23 + result.value.impugnados, 6);
    t.true(result.value.votes >= 3, 'at least the titulares voted');
  });
}

test.serial('a script day on 3 cabins (definition varied in memory): the acta equals the script totals (parallel integrity test)', async (t) => {
  t.timeout(600_000);
  const loaded = loadElectionDefinitionFile(DEFAULT_DAY_DEFINITION);
  if (!loaded.ok) throw new Error('fixture');
  const definition = loaded.value;
  const ballot = (pick: (i: number) => Ballot['choices'][string]): Ballot => ({
    choices: Object.fromEntries(definition.contests.map((c, i) => [c.id, pick(i)])),
  });
  const org = (i: number, k: number) => {
    const contest = definition.contests[i];
    const organization = contest?.organizations[k % contest.organizations.length];
    if (contest === undefined || organization === undefined) throw new Error('fixture');
    const preferential = contest.kind === 'organization-list' && contest.maxPreferential > 0 ? (organization.candidates ?? []).slice(0, 1).map((c) => c.number) : [];
    return { kind: 'organization' as const, organization: organization.number, preferential };
  };
  const script: Ballot[] = [
    ballot(() => ({ kind: 'blank' })),
    ballot(() => ({ kind: 'null' })),
    ballot((i) => org(i, 0)),
    ballot((i) => org(i, 0)),
    ballot((i) => (i % 2 === 0 ? org(i, 2) : { kind: 'blank' })),
  ];
  const dir = outDir(t);
  const scriptFile = `${dir}-script.json`;
  fs.writeFileSync(scriptFile, JSON.stringify(script));
  t.teardown(() => fs.rmSync(scriptFile, { force: true }));
  const result = await runSimDay({ voters: 1, cabins: 3, seed: 1, outDir: dir, faults: [], scriptFile });
  if (!result.ok) throw new Error(result.error);
  t.deepEqual(failedNames(result.value), []);
  t.is(result.value.votes, script.length);
  t.false(result.value.cabinsFromDefinition);
  t.deepEqual(result.value.votesPerCabin, { 'cabin-1': 2, 'cabin-2': 2, 'cabin-3': 1 });
  const expected = tallyBallots(definition, script);
  if (!expected.ok) throw new Error('script tally');
  const withArt23 = addArt23Blanks(expected.value, 0);
  if (!withArt23.ok) throw new Error('art23');
  t.deepEqual(result.value.tally, withArt23.value, 'the acta tally equals the script totals');
});

test.serial('a tampered device copy fails the check: exit 1 naming signatures-verify', async (t) => {
  t.timeout(600_000);
  const out = outDir(t);
  const code = await simDay(
    { voters: 4, seed: 3, out, faults: [] },
    {
      beforeChecks: ({ deviceCopyDir }) => {
        const file = path.join(deviceCopyDir, CABIN_RESULTS_FILE_NAME('cabin-1'));
        const bytes = fs.readFileSync(file);
        const at = Math.floor(bytes.length / 2);
        bytes[at] = (bytes[at] ?? 0) ^ 0x01;
        fs.writeFileSync(file, bytes);
      },
    },
  );
  t.is(code, 1);
  const summary = JSON.parse(fs.readFileSync(path.join(out, 'summary.json'), 'utf8')) as SimDaySummary;
  t.false(summary.ok);
  t.true(failedNames(summary).includes('signatures-verify'), `failed: ${failedNames(summary).join(', ')}`);
  t.regex(fs.readFileSync(path.join(out, 'summary.txt'), 'utf8'), /RESULT: FAILED .*signatures-verify/u);
});

test('refused clearly: more voters than the padrón, an invalid script, a non-empty --out', async (t) => {
  const dir = outDir(t);
  const tooMany = await runSimDay({ voters: 100_000, seed: 1, outDir: dir, faults: [] });
  t.false(tooMany.ok);
  if (!tooMany.ok) t.regex(tooMany.error, /padrón/u);
  const scriptFile = `${dir}-bad.json`;
  fs.writeFileSync(scriptFile, JSON.stringify([{ choices: { nope: { kind: 'blank' } } }]));
  t.teardown(() => fs.rmSync(scriptFile, { force: true }));
  const badScript = await runSimDay({ voters: 1, seed: 1, outDir: dir, faults: [], scriptFile });
  t.false(badScript.ok);
  if (!badScript.ok) t.regex(badScript.error, /script ballot 1/u);
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, 'something'), 'x');
  const notEmpty = await runSimDay({ voters: 3, seed: 1, outDir: dir, faults: [] });
  t.false(notEmpty.ok);
  if (!notEmpty.ok) t.regex(notEmpty.error, /not empty/u);
});
