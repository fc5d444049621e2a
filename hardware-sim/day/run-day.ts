/**
 * `vep sim day`: a whole mesa day on the simulated hardware with the REAL stations, each in a
 * process of its own as `vep start` runs them, driven through their screen servers' HTTP
 * interface as the browser page does (stations.ts), then every invariant checked. Stages: keys +
 * signed package (a simulacro), printers on real ptys (socat) writing every ticket as text + PNG,
 * the simulator's device bridge, the identity station installed by the members' DNIs, each
 * cabin's puesta a cero, the voters (seeded random choices or a script), Art. 23 and impugnados,
 * close, escrutinio on the results station (reads the one consolidation stick, cotejo with the
 * paper count, members sign), the transmission station (Art. 30: sends to a local centre,
 * constancias, the acta image, three write-once backups), checks on the stations' data dirs and
 * stores once their processes stopped.
 *
 * DECISIONS
 * - Every station is its own process (`vep identity run`, `vep booth run`, `vep results run`,
 *   `vep transmission run`, `vep center serve`; bin/start-processes.ts and bin/start-stations.ts,
 *   shared with `vep start`), on the devices and clock this process's simulator serves on its
 *   device bridge (a unix socket under --out, or a private temp folder when that path is too
 *   long). Devices move here, in the simulator (readers, activation devices, paper); people's
 *   taps and typing reach the stations only as their pages send them (POST /input).
 * - The clock: the simulator's, from the opening of voting, running in real time; before the
 *   close it is moved to one minute past the close of voting, since a simulacro cabin closes
 *   with a member's credential only then (`--simulacro-credential-close`, as in `vep start`).
 * - A cabin crash is a SIGKILL of the cabin's process mid-vote and `vep booth run` started again
 *   on the same data dir and printer pty; the voter votes again with the same device.
 * - The members' paper count at the cotejo is what the voters chose (the seed's or the script's
 *   ballots, Art. 23 blanks apart), typed into the screen's form: an independent count, so
 *   `cotejo-agrees` compares the electronic tally with what was meant, not with itself.
 * - The transmission station (stations.ts runTransmission) is driven on its screen with the console
 *   coordinator's default choices, reading the stick in the results station's port (Art. 30: the
 *   same hardware), sending over pinned HTTPS to the local centre's process (127.0.0.1); the ODPE
 *   acta copy the results printer cut is what it scans. The backups under
 *   --out are copies of the three write-once media it burned.
 * - --cabins different from the definition's mesa: the definition is changed in memory (mesa.cabins)
 *   and re-validated, and the key set made for that many cabins; the summary says so.
 * - Voters come in padrón order with the three titulares first (the identity station's rule).
 *   Random mode: a seeded ~5% share does not vote (Art. 23: device back unused) and ~3% is
 *   impugned (Art. 24, votes on paper, outside the electronic count); at least one of each when
 *   there are enough plain electors. Script mode: every scripted voter votes.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Ballot } from '../../shared/ballot/ballot.ts';
import { canonicalJson } from '../../shared/crypto/canonical-json.ts';
import { describeKeySetError, generateKeySet, loadPublicKeyFile, ONPE_ROOT_ROLE } from '../../shared/crypto/keyset.ts';
import { formatDefinitionIssues, loadElectionDefinitionFile, parseElectionDefinition, type ElectionDefinition } from '../../shared/election/definition.ts';
import { buildPackage, describeBuildError, describePackageError, verifyPackageBytes } from '../../shared/election/package.ts';
import { err, ok, type Result } from '../../shared/result.ts';
import { MESA_RESULT_FILE_NAME, PACKAGE_COPY_FILE_NAME, verifyMesaResult, describeMesaResultProblem } from '../../shared/results/mesa-result.ts';
import { REPO_ROOT } from '../../shared/software/version-code.ts';
import type { Tally } from '../../shared/tally/tally.ts';
import { verifyDevice } from '../../shared/observer/verify-device.ts';
import { openCentreStore } from '../../centre/store.ts';
import { votingCloseAt } from '../../booth/host.ts';
import { openVoteStore } from '../../booth/vote-store.ts';
import { IDENTITY_AUDIT_FILE, identitySchedule } from '../../identity-station/host.ts';
import { ACTA_PDF_FILE_NAME } from '../../results-station/host-actors.ts';
import { tallyToSheet } from '../../results-station/ports.ts';
import { entryFields } from '../../results-station/ui/view-model.ts';
import { SimulatedHardware } from '../control/simulated-hardware.ts';
import { loadScript, randomBallot, tallyOf } from './ballots.ts';
import { copyBackups, copyTree } from './outputs.ts';
import { randomIndex, seededRandom } from './prng.ts';
import { listFiles, scanForDnis } from './secrecy-scan.ts';
import {
  chooseContests,
  closeCabin,
  closeIdentity,
  impugn,
  installMesa,
  issueDevice,
  memberCredential,
  presentToResults,
  puestaACero,
  returnDevice,
  runTransmission,
  signAtResults,
  startCabin,
  startCentre,
  startIdentity,
  startResults,
  TRANSMISSION_DEVICE,
  USB_NAME,
  voteInCabin,
  type Mesa,
  type RunningStation,
  type VoteHooks,
} from './stations.ts';
import { bridgeSocketPath } from '../../bin/start-stations.ts';
import type { StationProcess } from '../../bin/start-processes.ts';
import { serveDeviceBridge, type DeviceBridge } from '../bridge/device-bridge.ts';

export const DAY_FAULTS = ['printer-paper-out', 'device-pulled', 'cabin-crash'] as const;
export type DayFault = (typeof DAY_FAULTS)[number];
export const DEFAULT_DAY_DEFINITION = path.join(REPO_ROOT, 'test', 'fixtures', 'eg2026', 'definition.json');
const ART23_SHARE = 0.05;
const IMPUGNED_SHARE = 0.03;

export interface SimDayOptions {
  /** Electors who come to the mesa (ignored with a script: one voter per scripted ballot). */
  readonly voters: number;
  /** Cabins; undefined: the definition's. */
  readonly cabins?: number | undefined;
  readonly seed: number;
  readonly outDir: string;
  readonly faults: readonly DayFault[];
  readonly scriptFile?: string | undefined;
  readonly definitionFile?: string | undefined;
  /** One line per step (the CLI writes them on stderr). */
  readonly progress?: (line: string) => void;
  /** Test hook: runs once the device copy is written, before the invariants are checked. */
  readonly beforeChecks?: (paths: { readonly outDir: string; readonly deviceCopyDir: string }) => void;
}

export interface Invariant {
  readonly name: string;
  readonly ok: boolean;
  readonly detail: string;
}

export interface SimDaySummary {
  readonly ok: boolean;
  readonly election: string;
  readonly mesa: string;
  readonly seed: number;
  readonly cabins: number;
  readonly cabinsFromDefinition: boolean;
  readonly script: string | null;
  readonly faults: readonly DayFault[];
  readonly faultsApplied: readonly string[];
  readonly electors: number;
  readonly votes: number;
  readonly votesPerCabin: Record<string, number>;
  readonly art23: number;
  readonly impugnados: number;
  readonly transmission: string;
  readonly invariants: readonly Invariant[];
  readonly wallTimeMs: number;
  readonly tally: Tally | null;
}

type VoterKind = 'vote' | 'art23' | 'impugned';
interface PlannedVoter {
  readonly dni: string;
  readonly kind: VoterKind;
  readonly ballot: Ballot | null;
}

function titularesFirst(definition: ElectionDefinition): string[] {
  const order = ['presidente', 'secretario', 'tercer-miembro'];
  const titulares = order.flatMap((role) => definition.members.filter((m) => m.role === role).map((m) => m.dni));
  const rest = definition.padron.map((e) => e.dni).filter((dni) => !titulares.includes(dni));
  return [...titulares, ...rest];
}

function planVoters(definition: ElectionDefinition, count: number, script: readonly Ballot[] | null, random: () => number): PlannedVoter[] {
  const dnis = titularesFirst(definition).slice(0, count);
  const titulares = Math.min(3, dnis.length);
  const kinds: VoterKind[] = dnis.map((_, i) => {
    if (script !== null || i < titulares) return 'vote';
    const r = random();
    return r < ART23_SHARE ? 'art23' : r < ART23_SHARE + IMPUGNED_SHARE ? 'impugned' : 'vote';
  });
  // At least one of each case when there are enough plain electors, so every day exercises them.
  if (script === null && dnis.length - titulares >= 5) {
    for (const kind of ['art23', 'impugned'] as const) {
      if (kinds.includes(kind)) continue;
      const candidates = kinds.flatMap((k, i) => (k === 'vote' && i >= titulares ? [i] : []));
      const pick = candidates[randomIndex(random, candidates.length)];
      if (pick !== undefined) kinds[pick] = kind;
    }
  }
  let scripted = 0;
  return dnis.map((dni, i) => {
    const kind = kinds[i] ?? 'vote';
    if (kind !== 'vote') return { dni, kind, ballot: null };
    const ballot = script === null ? randomBallot(definition, random) : script[scripted++];
    if (ballot === undefined) throw new Error('bug: script shorter than its voters');
    return { dni, kind, ballot };
  });
}

function sameTally(a: Tally | null, b: Tally | null): boolean {
  return a !== null && b !== null && canonicalJson(a) === canonicalJson(b);
}

interface Setup {
  readonly definition: ElectionDefinition;
  readonly cabinsFromDefinition: boolean;
  readonly script: Ballot[] | null;
}

function prepareDefinition(options: SimDayOptions): Result<Setup, string> {
  const file = options.definitionFile ?? DEFAULT_DAY_DEFINITION;
  const loaded = loadElectionDefinitionFile(file);
  if (!loaded.ok) return err(`invalid election definition ${file}:\n${formatDefinitionIssues(loaded.error)}`);
  let definition = loaded.value;
  if (!definition.election.simulacro) return err('vep sim day only runs simulacro elections: the definition has simulacro=false');
  const cabinsFromDefinition = options.cabins === undefined || options.cabins === definition.mesa.cabins;
  if (!cabinsFromDefinition) {
    const variant = parseElectionDefinition(JSON.parse(JSON.stringify({ ...definition, mesa: { ...definition.mesa, cabins: options.cabins } })));
    if (!variant.ok) return err(`--cabins ${String(options.cabins)}: ${formatDefinitionIssues(variant.error)}`);
    definition = variant.value;
  }
  let script: Ballot[] | null = null;
  if (options.scriptFile !== undefined) {
    const loadedScript = loadScript(options.scriptFile, definition);
    if (!loadedScript.ok) return err(loadedScript.error);
    script = loadedScript.value;
  }
  const electors = script?.length ?? options.voters;
  if (electors < 1) return err('a day needs at least one voter');
  if (electors > definition.padron.length) return err(`${electors} voters, but the padrón of mesa ${definition.mesa.number} has ${definition.padron.length} electors`);
  return ok({ definition, cabinsFromDefinition, script });
}

/**
 * Runs the day. An error result means the day could not be set up or a station never reached
 * a screen it should have (the message says which); invariant failures are in the summary.
 */
export async function runSimDay(options: SimDayOptions): Promise<Result<SimDaySummary, string>> {
  const startedAt = Date.now();
  const progress = options.progress ?? (() => undefined);
  const setup = prepareDefinition(options);
  if (!setup.ok) return setup;
  const { definition, script } = setup.value;
  const out = path.resolve(options.outDir);
  if (fs.existsSync(out) && fs.readdirSync(out).length > 0) return err(`--out ${out} is not empty: give a new or empty folder`);
  fs.mkdirSync(out, { recursive: true });

  // Keys and package, verified with the root public key exactly as a station loads it.
  const keysDir = path.join(out, 'keys');
  const generated = generateKeySet(keysDir, { cabins: definition.mesa.cabins, members: definition.members.length });
  if (!generated.ok) return err(describeKeySetError(generated.error));
  const built = buildPackage(definition, keysDir);
  if (!built.ok) return err(describeBuildError(built.error));
  const packagePath = path.join(out, 'paquete-electoral.vep');
  fs.writeFileSync(packagePath, built.value);
  const root = loadPublicKeyFile(keysDir, ONPE_ROOT_ROLE);
  if (!root.ok) return err(describeKeySetError(root.error));
  const pkg = verifyPackageBytes(built.value, root.value.publicKey);
  if (!pkg.ok) return err(describePackageError(pkg.error));
  progress(`package for mesa ${definition.mesa.number} (${definition.mesa.cabins} cabins) built and verified`);

  const random = seededRandom(options.seed);
  const voters = planVoters(definition, script?.length ?? options.voters, script, random);
  const cabinIds = Array.from({ length: definition.mesa.cabins }, (_, i) => `cabin-${i + 1}`);
  const voting = voters.filter((v) => v.kind === 'vote').length;
  // Which vote (in order) each fault strikes; distinct when there are enough votes.
  const faultAt = new Map<DayFault, number>();
  for (const fault of options.faults) {
    const taken = new Set(faultAt.values());
    let at = randomIndex(random, voting);
    for (let tries = 0; taken.has(at) && tries < voting; tries++) at = (at + 1) % voting;
    faultAt.set(fault, at);
  }

  const hardware = new SimulatedHardware();
  hardware.usbStick(USB_NAME);
  // The day runs on the simulator's clock from the opening of voting; every station reads it
  // through the device bridge (`--clock-bridge`), as under `vep start`.
  hardware.clock.startAt(new Date(identitySchedule(definition).votingOpenAt));
  const printerPaths = new Map<string, string>();
  const running = new Set<StationProcess>();
  const track = <T extends { readonly process: StationProcess }>(station: T): T => {
    running.add(station.process);
    return station;
  };
  const socket = bridgeSocketPath(out);
  let bridge: DeviceBridge | undefined;
  try {
    for (const station of ['identity', ...cabinIds, 'results', TRANSMISSION_DEVICE]) {
      const started = await hardware.startPrinter(station, { outputDir: path.join(out, 'impresos', station) });
      if (!started.ok) return err(`printer ${station}: ${started.error}`);
      printerPaths.set(station, started.value);
    }
    const served = await serveDeviceBridge(hardware, socket.path);
    if (!served.ok) return err(`device bridge: ${served.error}`);
    bridge = served.value;
    const configDir = path.join(out, 'config');
    fs.mkdirSync(configDir, { recursive: true, mode: 0o700 });
    const mesa: Mesa = {
      definition,
      pkg: pkg.value,
      packagePath,
      keysDir,
      stationsDir: path.join(out, 'estaciones'),
      configDir,
      hardware,
      bridge: socket.path,
      printerPaths,
    };

    // --- the station processes, all at once (each spends its first seconds loading its sources)
    const centreDir = path.join(out, 'centro');
    fs.mkdirSync(centreDir, { recursive: true });
    const starting = await Promise.allSettled([startIdentity(mesa), ...cabinIds.map((cabinId) => startCabin(mesa, cabinId))]);
    const centreStart = await Promise.allSettled([startCentre(mesa, path.join(centreDir, 'centre.db'))]);
    for (const s of [...starting, ...centreStart]) if (s.status === 'fulfilled') track(s.value);
    const refused = [...starting, ...centreStart].find((s) => s.status === 'rejected');
    if (refused !== undefined) throw refused.reason;
    const [identityStarted, ...cabinsStarted] = starting.map((s) => (s.status === 'fulfilled' ? s.value : undefined));
    const centre = centreStart[0]?.status === 'fulfilled' ? centreStart[0].value : undefined;
    if (identityStarted === undefined || centre === undefined) throw new Error('bug: a station process is missing');
    const identity = identityStarted.screen;
    progress(`stations started, each in its own process (pid): ${[identityStarted, ...cabinsStarted].map((st) => `${st?.process.label ?? '?'} ${String(st?.process.pid ?? '?')}`).join(', ')}, computing centre ${String(centre.process.pid)}`);

    // --- installation and puestas a cero
    await installMesa(mesa, identity, voters.slice(0, 3).map((v) => v.dni));
    progress('identity station installed by the titulares');
    const cabins = new Map<string, RunningStation>();
    for (const [i, cabinId] of cabinIds.entries()) {
      const cabin = cabinsStarted[i];
      if (cabin === undefined) throw new Error(`bug: ${cabinId} not started`);
      cabins.set(cabinId, cabin);
      await puestaACero(mesa, cabin.screen, cabinId);
      progress(`${cabinId}: puesta a cero printed`);
    }

    // --- the voters
    const votesPerCabin: Record<string, number> = Object.fromEntries(cabinIds.map((c) => [c, 0]));
    const cast = new Map<string, Ballot[]>(cabinIds.map((c) => [c, []]));
    const faultsApplied: string[] = [];
    let votes = 0;
    for (const [n, voter] of voters.entries()) {
      if (voter.kind === 'impugned') {
        await impugn(identity, voter.dni);
        progress(`elector ${n + 1}/${voters.length}: impugned (Art. 24), votes on paper`);
        continue;
      }
      const device = hardware.activationDevice(`dispositivo-${n + 1}`);
      await issueDevice(mesa, identity, voter.dni, device);
      if (voter.kind === 'art23' || voter.ballot === null) {
        await returnDevice(mesa, identity, voter.dni, device, false);
        progress(`elector ${n + 1}/${voters.length}: device returned unused (Art. 23)`);
        continue;
      }
      const ballot = voter.ballot;
      const cabinId = cabinIds[votes % cabinIds.length] ?? 'cabin-1';
      let cabin = cabins.get(cabinId);
      if (cabin === undefined) throw new Error(`bug: ${cabinId} not started`);
      const reader = hardware.activationReader(cabinId);
      if (faultAt.get('device-pulled') === votes) {
        reader.insert(device);
        await cabin.screen.onScreen('contest');
        await chooseContests(definition, cabin.screen, ballot, 1);
        reader.pull();
        await cabin.screen.onScreen('ready');
        faultsApplied.push(`device-pulled: vote ${votes + 1} in ${cabinId}, device pulled after the first contest; voted again with the same device`);
      }
      if (faultAt.get('cabin-crash') === votes) {
        reader.insert(device);
        await cabin.screen.onScreen('contest');
        await chooseContests(definition, cabin.screen, ballot, 1);
        // A power cut mid-vote: SIGKILL, no chance to close anything.
        await cabin.process.kill();
        running.delete(cabin.process);
        reader.pull();
        cabin = track(await startCabin(mesa, cabinId));
        cabins.set(cabinId, cabin);
        await cabin.screen.onScreen('ready');
        faultsApplied.push(`cabin-crash: ${cabinId} process killed (SIGKILL) mid-vote (vote ${votes + 1}) and vep booth run restarted on its data dir; the voter voted again with the same device`);
      }
      let hooks: VoteHooks = {};
      if (faultAt.get('printer-paper-out') === votes) {
        const emulator = hardware.printers.emulator(cabinId);
        if (emulator === undefined) throw new Error(`bug: no printer emulator for ${cabinId}`);
        const screen = cabin.screen;
        hooks = {
          beforeConfirm: () => emulator.setFault('paper-out'),
          afterConfirm: async () => {
            await screen.onScreen('printer-fault');
            emulator.refillPaper();
          },
        };
        faultsApplied.push(`printer-paper-out: ${cabinId} out of paper at vote ${votes + 1}, refilled on the printer-fault screen`);
      }
      await voteInCabin(mesa, cabin.screen, cabinId, device, ballot, hooks);
      await returnDevice(mesa, identity, voter.dni, device, true);
      cast.get(cabinId)?.push(ballot);
      votesPerCabin[cabinId] = (votesPerCabin[cabinId] ?? 0) + 1;
      votes++;
      progress(`elector ${n + 1}/${voters.length}: voted in ${cabinId}`);
    }

    // --- close: the clock moves to the close of voting (cabins close with a credential only after it)
    const closeAt = votingCloseAt(definition) + 60_000;
    if (hardware.clock.now().getTime() < closeAt) {
      const moved = hardware.clock.set(new Date(closeAt));
      if (!moved.ok) return err(`clock: ${moved.error}`);
    }
    for (const cabinId of cabinIds) {
      const cabin = cabins.get(cabinId);
      if (cabin === undefined) continue;
      await closeCabin(mesa, cabin.screen, cabinId);
      await cabin.process.stop();
      progress(`${cabinId}: closed, results written to the consolidation device`);
    }
    await closeIdentity(mesa, identity);
    await identityStarted.process.stop();
    progress('identity station closed');

    const stored = new Map<string, Ballot[]>();
    for (const cabinId of cabinIds) {
      const store = openVoteStore(path.join(mesa.stationsDir, cabinId, 'votes.db'));
      if (!store.ok) return err(`${cabinId}: vote store unreadable after close`);
      const ballots = store.value.closedBallots();
      store.value.disconnect();
      if (!ballots.ok) return err(`${cabinId}: stored ballots unreadable`);
      stored.set(cabinId, ballots.value);
    }

    // --- escrutinio on the results station
    const resultsStarted = track(await startResults(mesa));
    const results = resultsStarted.screen;
    await results.onScreen('awaiting-president');
    const tallied = await presentToResults(mesa, results, 'resultados-presidente', memberCredential(mesa, 1), 'tallied');
    if (tallied.tally === null) return err('the results station has no tally after reading the device');
    await results.input({ type: 'START_COTEJO' });
    await results.onScreen('cotejo-entry');
    // The members' paper count: what the voters' constancias say (the ballots they chose), typed
    // field by field in the order of the screen's form.
    const paper = tallyOf(definition, [...cast.values()], voters.filter((v) => v.kind === 'art23').length);
    if (!paper.ok) return err(`paper count: ${paper.error}`);
    const sheet = tallyToSheet(paper.value);
    await results.input({ type: 'COTEJO_ENTERED', values: entryFields(definition, 'electronic').map((field) => sheet[field.name] ?? 0) });
    await results.onScreen('cotejo-review');
    await results.input({ type: 'RECORD_COTEJO' });
    await results.onScreen('signing');
    for (let m = 1; m <= definition.members.length; m++) await signAtResults(mesa, results, `firma-${m}`, memberCredential(mesa, m));
    await results.input({ type: 'FINISH_SIGNING' });
    await results.onScreen('closed');
    await resultsStarted.process.stop();
    progress('results station: actas printed, signed by the members, mesa result written');

    const deviceDir = hardware.usbStick(USB_NAME).mountPath;
    const pdf = path.join(mesa.stationsDir, 'results', ACTA_PDF_FILE_NAME);
    if (fs.existsSync(pdf)) copyTree(pdf, path.join(out, 'pdf', ACTA_PDF_FILE_NAME));

    // --- the transmission station sends to the local centre and burns the backups
    let transmission: string;
    try {
      const sent = await runTransmission(mesa, { url: centre.url, certFile: centre.certFile });
      transmission = `station ${sent.screen}${sent.problem === null ? '' : ` (${sent.problem})`}; ${sent.items.map((item) => `${item.kind}: ${item.status}`).join(', ') || 'nothing queued'}`;
    } finally {
      await centre.process.stop();
    }
    progress(`transmission: ${transmission}`);

    const deviceCopyDir = path.join(out, 'dispositivo');
    copyTree(deviceDir, deviceCopyDir);
    const backups = await copyBackups(hardware, path.join(out, 'respaldos'), deviceDir);
    progress(`device copied and the ${backups.length} backups the transmission station burned copied`);
    options.beforeChecks?.({ outDir: out, deviceCopyDir });

    // --- invariants
    const invariants: Invariant[] = [];
    const check = (name: string, passed: boolean, detail: string) => invariants.push({ name, ok: passed, detail });
    const mesaBytes = fs.existsSync(path.join(deviceCopyDir, MESA_RESULT_FILE_NAME)) ? new Uint8Array(fs.readFileSync(path.join(deviceCopyDir, MESA_RESULT_FILE_NAME))) : null;
    const verified = mesaBytes === null ? null : verifyMesaResult(mesaBytes, { pkg: pkg.value });
    const acta = verified?.ok === true ? verified.value.acta.data : null;
    const actaProblem = mesaBytes === null ? 'no mesa result on the device copy' : verified?.ok === false ? verified.error.map(describeMesaResultProblem).join('; ') : '';
    const storedTotal = [...stored.values()].reduce((sum, b) => sum + b.length, 0);
    const consumed = acta?.identity?.counts.activationsConsumed ?? null;
    check('votes-equal-activations', storedTotal === votes && consumed === votes, `votes cast ${votes}, ballots stored ${storedTotal}, activations consumed (identity summary) ${String(consumed)}`);

    const constancias = cabinIds.map((cabinId) => {
      const printed = hardware.printers.emulator(cabinId)?.completeTickets().filter((ticket) => ticket.text.includes('CONSTANCIA DE VOTO')).length ?? -1;
      return { cabinId, printed, stored: stored.get(cabinId)?.length ?? 0 };
    });
    check('constancias-printed-once', constancias.every((c) => c.printed === c.stored), constancias.map((c) => `${c.cabinId}: ${c.printed} constancias for ${c.stored} ballots`).join('; '));

    const art23 = voters.filter((v) => v.kind === 'art23').length;
    const impugnados = voters.filter((v) => v.kind === 'impugned').length;
    const identityArt23 = acta?.identity?.counts.art23NotVoted ?? 0;
    const recount = tallyOf(definition, [...stored.values()], identityArt23);
    const intended = tallyOf(definition, [...cast.values()], art23);
    const actaTally = acta?.tally ?? null;
    check('acta-equals-recount', recount.ok && sameTally(actaTally, recount.value), acta === null ? `acta unreadable: ${actaProblem}` : recount.ok ? 'acta tally vs recount of the ballots stored in the cabins' : recount.error);
    check(
      'acta-equals-intended-votes',
      intended.ok && sameTally(actaTally, intended.value) && identityArt23 === art23 && acta?.identity?.counts.impugnados === impugnados,
      `acta tally vs the ${script === null ? `seed ${options.seed}` : 'script'}'s ${votes} ballots; Art. 23 ${identityArt23}/${art23}; impugnados ${String(acta?.identity?.counts.impugnados)}/${impugnados}`,
    );
    check('cotejo-agrees', acta?.cotejo?.differences.length === 0, `cotejo differences: ${acta?.cotejo === null || acta === null ? 'none recorded' : String(acta.cotejo.differences.length)}`);

    let centreTally: Tally | null = null;
    const centreStore = openCentreStore(path.join(centreDir, 'centre.db'), { readOnly: true });
    if (centreStore.ok) {
      const row = [...centreStore.value.mesaResults()].find((r) => r.mesa === definition.mesa.number);
      centreTally = row === undefined ? null : (JSON.parse(row.tallyJson) as Tally);
      centreStore.value.close();
    }
    check('centre-equals-acta', sameTally(centreTally, actaTally), `transmission ${transmission}; centre ${centreTally === null ? 'holds no result for the mesa' : 'tally compared with the acta'}`);

    const report = verifyDevice({ deviceDir: deviceCopyDir, keysDir });
    const failed = report.checks.filter((c) => c.status === 'fail');
    check('signatures-verify', report.ok, report.ok ? `observer verifyDevice: ${report.checks.length} checks passed` : failed.map((c) => `${c.check}${c.file === null ? '' : ` (${c.file})`}: ${c.message}`).join('; '));
    check(
      'backups-identical',
      backups.length === 3 && backups.every((b) => b.identical),
      backups.length === 0 ? 'no backup burned' : backups.map((b) => `${path.basename(b.dir)}: ${b.identical ? 'finalized, identical, holds the device' : `DIFFERS (${b.detail})`}`).join('; '),
    );

    const scanned = [
      deviceCopyDir,
      path.join(out, 'respaldos'),
      centreDir,
      path.join(mesa.stationsDir, 'results'),
      path.join(mesa.stationsDir, 'transmission'),
      path.join(mesa.stationsDir, 'identity', IDENTITY_AUDIT_FILE),
      path.join(out, 'impresos', 'results'),
      path.join(out, 'impresos', TRANSMISSION_DEVICE),
      ...cabinIds.flatMap((c) => [path.join(mesa.stationsDir, c), path.join(out, 'impresos', c)]),
    ]
      .flatMap(listFiles)
      // The package copy carries the padrón by design (public, and no vote in it): not linkage.
      .filter((file) => path.basename(file) !== PACKAGE_COPY_FILE_NAME);
    const findings = scanForDnis(scanned, new Set(definition.padron.map((e) => e.dni)));
    check(
      'no-linkage-data',
      findings.length === 0,
      findings.length === 0 ? `no DNI in ${scanned.length} files (device, backups, centre, cabin/results data and tickets, audit logs)` : `${findings.length} DNI occurrences: ${findings.slice(0, 10).map((f) => `${path.relative(out, f.file)} at byte ${f.offset}`).join('; ')}`,
    );

    return ok({
      ok: invariants.every((i) => i.ok),
      election: definition.election.id,
      mesa: definition.mesa.number,
      seed: options.seed,
      cabins: cabinIds.length,
      cabinsFromDefinition: setup.value.cabinsFromDefinition,
      script: options.scriptFile ?? null,
      faults: options.faults,
      faultsApplied,
      electors: voters.length,
      votes,
      votesPerCabin,
      art23,
      impugnados,
      transmission,
      invariants,
      wallTimeMs: Date.now() - startedAt,
      tally: actaTally,
    });
  } catch (e) {
    return err(e instanceof Error ? e.message : String(e));
  } finally {
    await Promise.all([...running].map((station) => station.stop()));
    await bridge?.close();
    socket.cleanup();
    await hardware.close();
  }
}
