/**
 * `vep sim day`: a whole simulated mesa day, each station in its own process (as `vep start`) on the hardware
 * simulator, then every invariant checked (hardware-sim/day/run-day.ts). Progress on stderr;
 * the human summary on stdout and in DIR/summary.txt, the machine one in DIR/summary.json.
 * Exit 0: every invariant holds; 1: an invariant failed (named); 2: the day could not run.
 * The simulator is imported lazily: `vep` on a station never loads it.
 */
import fs from 'node:fs';
import path from 'node:path';
import { InvalidArgumentError, type Command } from 'commander';
import type { DayFault, SimDayOptions, SimDaySummary } from '../../hardware-sim/day/run-day.ts';

const FAULTS: readonly DayFault[] = ['printer-paper-out', 'device-pulled', 'cabin-crash'];

function positiveInt(value: string): number {
  if (!/^[0-9]{1,6}$/.test(value) || Number(value) < 1) throw new InvalidArgumentError('expected a whole number ≥ 1');
  return Number(value);
}

function seed(value: string): number {
  if (!/^[0-9]{1,10}$/.test(value) || Number(value) > 0xffff_ffff) throw new InvalidArgumentError('expected a whole number 0-4294967295');
  return Number(value);
}

function faults(value: string): DayFault[] {
  const names = value.split(',').map((n) => n.trim()).filter((n) => n !== '');
  const chosen: DayFault[] = [];
  for (const name of names) {
    const fault = FAULTS.find((f) => f === name);
    if (fault === undefined) throw new InvalidArgumentError(`unknown fault "${name}" (known: ${FAULTS.join(', ')})`);
    if (!chosen.includes(fault)) chosen.push(fault);
  }
  return chosen;
}

export function formatDaySummary(summary: SimDaySummary): string {
  const lines = [
    `SIMULACRO day — election ${summary.election}, mesa ${summary.mesa}, seed ${summary.seed}`,
    `cabins: ${summary.cabins}${summary.cabinsFromDefinition ? '' : ' (definition changed in memory for --cabins)'}`,
    summary.script === null ? 'ballots: seeded random' : `ballots: script ${summary.script}`,
    `electors: ${summary.electors}; votes: ${summary.votes} (${Object.entries(summary.votesPerCabin).map(([c, n]) => `${c} ${n}`).join(', ')}); Art. 23: ${summary.art23}; impugnados: ${summary.impugnados}`,
    `faults: ${summary.faultsApplied.length === 0 ? 'none' : ''}`,
    ...summary.faultsApplied.map((f) => `  - ${f}`),
    `transmission: ${summary.transmission}`,
    'invariants:',
    ...summary.invariants.map((i) => `  ${i.ok ? 'PASS' : 'FAIL'} ${i.name}: ${i.detail}`),
    `wall time: ${(summary.wallTimeMs / 1000).toFixed(1)} s`,
    summary.ok ? 'RESULT: every invariant holds' : `RESULT: FAILED ${summary.invariants.filter((i) => !i.ok).map((i) => i.name).join(', ')}`,
  ];
  return `${lines.join('\n')}\n`;
}

export interface DayOptions {
  voters: number;
  cabins?: number;
  seed: number;
  out: string;
  faults: DayFault[];
  script?: string;
  definition?: string;
}

/** The command's work; `hooks` is for tests only (e.g. tamper with the device copy before the checks). */
export async function simDay(opts: DayOptions, hooks: Pick<SimDayOptions, 'beforeChecks'> = {}): Promise<number> {
  const { runSimDay } = await import('../../hardware-sim/day/run-day.ts');
  const started = Date.now();
  const result = await runSimDay({
    voters: opts.voters,
    cabins: opts.cabins,
    seed: opts.seed,
    outDir: opts.out,
    faults: opts.faults,
    scriptFile: opts.script,
    definitionFile: opts.definition,
    ...hooks,
    progress: (line) => process.stderr.write(`vep sim day [${((Date.now() - started) / 1000).toFixed(1)} s]: ${line}\n`),
  });
  if (!result.ok) {
    process.stderr.write(`vep sim day: the day could not run: ${result.error}\n`);
    return 2;
  }
  const text = formatDaySummary(result.value);
  fs.writeFileSync(path.join(opts.out, 'summary.json'), `${JSON.stringify(result.value, null, 2)}\n`);
  fs.writeFileSync(path.join(opts.out, 'summary.txt'), text);
  process.stdout.write(text);
  return result.value.ok ? 0 : 1;
}

export function registerSimDayCommand(sim: Command): void {
  sim
    .command('day')
    .description(
      'Run a whole simulacro mesa day with each station in its own process on simulated hardware (installation, puestas a cero, ' +
        'voters, close, escrutinio, cotejo, signatures, transmission, backups) and check every invariant. ' +
        'Writes tickets (text + PNG), the acta PDF, the device copy, backups and summary.json/summary.txt under --out',
    )
    .requiredOption('--out <dir>', 'new or empty output folder')
    .option('--voters <n>', 'electors who come to the mesa (titulares first, then the padrón)', positiveInt, 12)
    .option('--cabins <n>', "cabins (default: the definition's mesa; otherwise the definition is changed in memory)", positiveInt)
    .option('--seed <n>', 'seed of the voters, choices and fault moments', seed, 1)
    .option('--faults <list>', `comma-separated: ${FAULTS.join(', ')}`, faults, [])
    .option('--script <file>', 'JSON array of ballots (shared ballot encoding) voted in order; the acta must equal its totals')
    .option('--definition <file>', 'election definition (a simulacro; default the eg2026 fixture)')
    .action(async (opts: DayOptions) => {
      process.exitCode = await simDay(opts);
    });
}
