/**
 * Acceptance, end to end with the REAL transmission station host (Art. 30, not only the outbox):
 * a mesa's consolidation device built with the results station's own builders (signed acta,
 * member signatures, mesa result) -> validate, link check, puesta a cero, transmit result and
 * acta image over pinned HTTPS to the in-process centre -> close; then `vep center tally` (a
 * child process on the centre's store) must show, for the nation and for the mesa's ODPE,
 * EVERY contest and EVERY organization with exactly the acta's numbers, and the valid, blank,
 * null and emitted totals. The tally text is parsed here independently of centre/tally.ts.
 * The second test takes the device from a whole simulated day (`vep sim day`: the identity,
 * cabin, results and transmission stations in their own processes), so the stick is the one the results station wrote.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import test, { type ExecutionContext } from 'ava';
import type { ElectionDefinition } from '../shared/election/definition.ts';
import { verifyPackageBytes } from '../shared/election/package.ts';
import { loadPublicKeyFile } from '../shared/crypto/keyset.ts';
import { runSimDay } from '../hardware-sim/day/run-day.ts';
import { MESA_RESULT_FILE_NAME, verifyMesaResult } from '../shared/results/mesa-result.ts';
import type { Tally } from '../shared/tally/tally.ts';
import { contestKey } from '../centre/tally.ts';
import { runCli } from './helpers/cli.ts';
import { makeWorld } from './helpers/transmission-host-world.ts';

interface PrintedContest {
  readonly organizations: Map<number, number>;
  readonly totals: Map<string, number>;
}
interface PrintedBlock {
  readonly header: string;
  readonly summary: string;
  readonly contests: Map<string, PrintedContest>;
}

/** Reads the blocks (NATIONAL, ODPE ...) of `vep center tally` line by line. */
function parseTallyOutput(stdout: string): PrintedBlock[] {
  const blocks: PrintedBlock[] = [];
  let block: PrintedBlock | undefined;
  let contest: PrintedContest | undefined;
  for (const line of stdout.split('\n')) {
    if (line === 'NATIONAL' || line.startsWith('ODPE ')) {
      block = { header: line, summary: '', contests: new Map() };
      blocks.push(block);
      contest = undefined;
      continue;
    }
    if (line.startsWith('CONFLICTS:')) {
      block = undefined;
      continue;
    }
    if (block === undefined || line === '') continue;
    const summary = /^ {2}(mesas: .*)$/.exec(line);
    if (summary?.[1] !== undefined) {
      block = { ...block, summary: summary[1] };
      blocks[blocks.length - 1] = block;
      continue;
    }
    const header = /^ {2}\S.* \[([^\]]+)\]$/.exec(line);
    if (header?.[1] !== undefined) {
      contest = { organizations: new Map(), totals: new Map() };
      block.contests.set(header[1], contest);
      continue;
    }
    const total = /^ {8}(valid|blank|null|emitted)\s+(\d+)$/.exec(line);
    if (total?.[1] !== undefined && contest !== undefined) {
      contest.totals.set(total[1], Number(total[2]));
      continue;
    }
    const organization = /^ {4} *(\d+) .*?\s(\d+)$/.exec(line);
    if (organization?.[1] !== undefined && contest !== undefined) {
      contest.organizations.set(Number(organization[1]), Number(organization[2]));
      continue;
    }
    throw new Error(`unexpected tally line: ${JSON.stringify(line)}`);
  }
  return blocks;
}

/** `vep center tally` (a child process) on the centre's store shows exactly the acta, nationally and for its ODPE. */
async function expectTallyEqualsActa(t: ExecutionContext, dbFile: string, tally: Tally, definition: ElectionDefinition): Promise<void> {
  const run = await runCli(['center', 'tally', '--db', dbFile]);
  t.is(run.code, 0, run.stderr);
  const blocks = parseTallyOutput(run.stdout);
  t.deepEqual(
    blocks.map((b) => b.header),
    ['NATIONAL', `ODPE ${definition.mesa.odpe.code} ${definition.mesa.odpe.name}`],
  );
  t.regex(run.stdout, /\nCONFLICTS: 0\n/);
  for (const block of blocks) {
    t.is(block.summary, `mesas: 1   electronic ballots: ${tally.ballots}   Art. 23 blanks: ${tally.art23Blanks}`, block.header);
    t.is(block.contests.size, tally.contests.length, `${block.header}: every contest of the acta, no other`);
    for (const contest of tally.contests) {
      const def = definition.contests.find((c) => c.id === contest.contestId);
      if (def === undefined) return void t.fail(`contest ${contest.contestId} of the acta is in the definition`);
      const printed = block.contests.get(contestKey(def));
      if (printed === undefined) return void t.fail(`${block.header}: contest ${contestKey(def)} printed`);
      t.deepEqual(
        Object.fromEntries(printed.organizations),
        Object.fromEntries(contest.organizations.map((o) => [o.organization, o.votes])),
        `${block.header} ${contest.contestId}: every organization with the acta's votes`,
      );
      t.deepEqual(
        Object.fromEntries(printed.totals),
        { valid: contest.valid, blank: contest.blank, null: contest.null, emitted: contest.emitted },
        `${block.header} ${contest.contestId}: totals`,
      );
    }
  }
}

test.serial('mesa -> real transmission station -> centre -> `vep center tally` equals the acta in every contest and organization', async (t) => {
  t.timeout(180_000);
  const world = await makeWorld(t);
  // The real pinned HTTPS client and link check: nothing of the station is replaced.
  const host = await world.start({ sendUnit: undefined });
  t.is(await host.settled(), 'acknowledged', host.actor.getSnapshot().context.problem ?? '');
  host.send({ type: 'CONTINUE' });
  t.is(await host.settled(), 'acknowledged');
  host.send({ type: 'CONTINUE' });
  t.is(await host.settled(), 'ready-to-close');
  host.send({ type: 'CLOSE' });
  t.is(await host.settled(), 'closed');
  await host.close();
  await world.stopCentre();

  // What the device says (verified as the station verified it), not what the builder was asked.
  const verified = verifyMesaResult(new Uint8Array(fs.readFileSync(path.join(world.deviceDir, MESA_RESULT_FILE_NAME))), { pkg: world.device.pkg });
  if (!verified.ok) return t.fail('the device result verifies');
  const tally: Tally = verified.value.acta.data.tally;
  t.deepEqual(tally, world.device.acta.tally);

  await expectTallyEqualsActa(t, path.join(world.tmp, 'centre.db'), tally, world.device.pkg.payload.definition);
  // The check is not vacuous: the acta has votes in several contests.
  t.true(tally.contests.length > 1);
  t.true(tally.contests.every((c) => c.emitted > 0));
});

test.serial('a whole simulated mesa day (identity, cabin, results and transmission stations, each in its own process): `vep center tally` equals the acta on the stick the results station wrote', async (t) => {
  t.timeout(600_000);
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'vep-'));
  t.teardown(() => fs.rmSync(root, { recursive: true, force: true }));
  const out = path.join(root, 'day');
  const day = await runSimDay({ voters: 6, seed: 7, outDir: out, faults: [] });
  if (!day.ok) return t.fail(day.error);
  t.regex(day.value.transmission, /mesa-result: acknowledged/, 'the real transmission station sent the result');
  // The acta as the results station sealed it on the stick, verified against the day's package.
  const onpeRoot = loadPublicKeyFile(path.join(out, 'keys'), 'onpe-root');
  if (!onpeRoot.ok) return t.fail('onpe root key');
  const pkg = verifyPackageBytes(new Uint8Array(fs.readFileSync(path.join(out, 'paquete-electoral.vep'))), onpeRoot.value.publicKey);
  if (!pkg.ok) return t.fail('the day package verifies');
  const verified = verifyMesaResult(new Uint8Array(fs.readFileSync(path.join(out, 'dispositivo', MESA_RESULT_FILE_NAME))), { pkg: pkg.value });
  if (!verified.ok) return t.fail('the stick result verifies');
  await expectTallyEqualsActa(t, path.join(out, 'centro', 'centre.db'), verified.value.acta.data.tally, pkg.value.payload.definition);
  t.true(verified.value.acta.data.tally.ballots > 0);
});
