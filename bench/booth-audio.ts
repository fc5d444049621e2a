/**
 * Bench: audio response of the cabin to a keypad key (issue 8: "audio responds within 0.5 s of
 * a key"). A real cabin (booth/station.ts runCabin: the host with the signed eg2026 package, the
 * vote store, the simulated HID keypad, activation reader, printer and USB, and the real kiosk
 * server) takes a voter; the bench then presses keys on the simulated keypad and, like the kiosk
 * page, follows the server's event stream and fetches the first clip of each new utterance. The
 * latency of a key is from the key press to the last byte of that clip: when the page can start
 * playing it. (The browser's decode and the sound card add a few ms that are not measured.)
 *
 * The key walk covers every speech rate step: down from 60 to 250 wpm, at each rate five focus
 * moves over the organizations (a new organization each time), help, repeat and the rate key.
 *
 * Two cabins run the same walk on the same package:
 * - "render on key press": no clip cache, every clip rendered by espeak-ng when the key asks
 *   for it (what happened before this bench for every rate but the default);
 * - "pre-rendered": the cache `vep booth prepare-audio` writes (prerenderClips, every rate step).
 *   To keep the bench short it renders only the prompts the walk speaks (at every rate), not the
 *   whole package (minutes); the cabin reads those files exactly as it reads a full cache.
 *   `--full-audio-cache` runs the real prepare-audio for the whole package instead and reports
 *   its time and size on disk.
 */
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { issueToken } from '../shared/activation/token.ts';
import { generateKeySet, loadSigner, publicKeyFile } from '../shared/crypto/keyset.ts';
import { presidentSignerRole, writeMemberCredential } from '../shared/credentials/member-credential.ts';
import { encodeImage } from '../shared/devices/activation/device-image.ts';
import type { KeyName } from '../shared/devices/keypad/keypad.ts';
import { loadElectionDefinitionFile, type ElectionDefinition } from '../shared/election/definition.ts';
import { buildPackage, verifyPackageBytes, type VerifiedPackage } from '../shared/election/package.ts';
import { readRootPublicKeyFile } from '../shared/election/root-key.ts';
import { SimulatedHardware } from '../hardware-sim/control/simulated-hardware.ts';
import { RATE_STEPS_WPM, DEFAULT_RATE_INDEX } from '../booth/accessibility/audio-settings.ts';
import { prerenderPackageClips } from '../booth/accessibility/prerender.ts';
import type { Prompt } from '../booth/accessibility/prompts.ts';
import { prerenderClips } from '../booth/accessibility/speech.ts';
import type { BoothHostConfig } from '../booth/host-config.ts';
import { screenOf } from '../booth/machine.ts';
import type { BoothScreen } from '../booth/machine-types.ts';
import { runCabin, type RunningCabin } from '../booth/station.ts';

export const AUDIO_TARGET_MS = 500;
/** Voting is open at this instant for eg2026 (the fixture's schedule). */
const OPEN_AT = Date.parse('2026-04-12T12:30:00Z');

export interface LatencySummary {
  readonly keys: number;
  readonly p50Ms: number;
  readonly p95Ms: number;
  readonly maxMs: number;
}

export interface BoothAudioBenchResult {
  readonly renderOnKeyPress: LatencySummary;
  readonly preRendered: LatencySummary;
  /** Clips the pre-rendered cabin's cache holds, and how it was prepared. */
  readonly cache: { readonly clips: number; readonly bytes: number; readonly seconds: number; readonly full: boolean };
}

/** The walk: from the default rate down to 60 wpm, then every step up to 250. */
function keyWalk(): KeyName[] {
  const keys: KeyName[] = Array.from({ length: DEFAULT_RATE_INDEX }, () => 'rate-down' as const);
  for (let step = 0; step < RATE_STEPS_WPM.length; step++) keys.push('down', 'down', 'down', 'down', 'down', 'help', 'repeat', 'rate-up');
  return keys;
}

function summarize(samples: readonly number[]): LatencySummary {
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)] ?? Number.NaN;
  return { keys: sorted.length, p50Ms: at(0.5), p95Ms: at(0.95), maxMs: sorted.at(-1) ?? Number.NaN };
}

interface Mesa {
  readonly dir: string;
  readonly keysDir: string;
  readonly packagePath: string;
  readonly pkg: VerifiedPackage;
  readonly definition: ElectionDefinition;
}

function prepareMesa(definitionFile: string): Mesa {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vep-bench-audio-'));
  const loaded = loadElectionDefinitionFile(definitionFile);
  if (!loaded.ok) throw new Error(`bench: definition ${definitionFile} does not load`);
  const definition = loaded.value;
  const keysDir = path.join(dir, 'keys');
  if (!generateKeySet(keysDir, { cabins: definition.mesa.cabins, members: definition.members.length }).ok) throw new Error('bench: keys');
  const built = buildPackage(definition, keysDir);
  if (!built.ok) throw new Error('bench: package');
  const packagePath = path.join(dir, 'package.vep');
  fs.writeFileSync(packagePath, built.value);
  const rootKey = readRootPublicKeyFile(publicKeyFile(keysDir, 'onpe-root'));
  if (rootKey === undefined) throw new Error('bench: root key');
  const pkg = verifyPackageBytes(built.value, rootKey);
  if (!pkg.ok) throw new Error('bench: package does not verify');
  return { dir, keysDir, packagePath, pkg: pkg.value, definition };
}

/** Follows the kiosk server's event stream like the page: the latest view's speech. */
function followSpeech(url: string) {
  const controller = new AbortController();
  let latest: { seq: number; clips: readonly string[] } | null = null;
  let waiter: (() => void) | undefined;
  let buffer = '';
  const request = http.get(new URL('/events', url), { signal: controller.signal }, (response) => {
    if (response.statusCode !== 200) throw new Error(`bench: event stream answered ${String(response.statusCode)}`);
    response.setEncoding('utf8');
    response.on('data', (chunk: string) => {
      buffer += chunk;
      let end: number;
      while ((end = buffer.indexOf('\n\n')) >= 0) {
        const frame = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        if (!frame.startsWith('data: ')) continue;
        const view = JSON.parse(frame.slice('data: '.length)) as { accessibility: { speech: { seq: number; clips: string[] } | null } | null };
        const speech = view.accessibility?.speech ?? null;
        if (speech !== null && (latest === null || speech.seq > latest.seq)) {
          latest = speech;
          waiter?.();
        }
      }
    });
  });
  request.on('error', (e) => {
    if (!controller.signal.aborted) throw e;
  });
  return {
    seq: () => latest?.seq ?? 0,
    /** Resolves with the first utterance newer than `seq`. */
    async next(seq: number, timeoutMs = 30_000): Promise<{ seq: number; clips: readonly string[] }> {
      const deadline = Date.now() + timeoutMs;
      while (latest === null || latest.seq <= seq) {
        if (Date.now() > deadline) throw new Error('bench: no utterance after a key');
        await new Promise<void>((resolve) => {
          waiter = resolve;
          setTimeout(resolve, 50);
        });
      }
      return latest;
    },
    stop: () => controller.abort(),
  };
}

async function until(cabin: RunningCabin, screen: BoothScreen): Promise<void> {
  for (let i = 0; i < 3000; i++) {
    await cabin.host.idle();
    if (screenOf(cabin.host.actor.getSnapshot()) === screen) return;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error(`bench: cabin never reached ${screen}`);
}

/** A cabin opened by the president with a voter on the first contest, keypad attached. */
async function cabinWithVoter(mesa: Mesa, name: string, audioCacheDir: string | undefined): Promise<{ cabin: RunningCabin; hardware: SimulatedHardware }> {
  const hardware = new SimulatedHardware();
  const config: BoothHostConfig = {
    packagePath: mesa.packagePath,
    rootPublicKeyFile: publicKeyFile(mesa.keysDir, 'onpe-root'),
    cabinId: 'cabin-1',
    dataDir: path.join(mesa.dir, name),
    keysDir: mesa.keysDir,
    ...(audioCacheDir === undefined ? {} : { audioCacheDir }),
    devices: {
      activationReader: { kind: 'simulated', name: 'reader', timeoutMs: 3000 },
      consolidation: { kind: 'simulated', name: 'usb', writeOnce: false, inserted: true },
      printer: { kind: 'simulated-pty' },
      keypad: { kind: 'simulated', name: 'keypad', profile: 'navigation' },
    },
  };
  const started = await runCabin(config, { hardware, clock: () => new Date(OPEN_AT) });
  if (!started.ok) throw new Error(`bench: cabin did not start: ${JSON.stringify(started.error)}`);
  const cabin = started.value;
  const role = presidentSignerRole(mesa.pkg);
  const president = role === undefined ? undefined : loadSigner(mesa.keysDir, role);
  const identity = loadSigner(mesa.keysDir, 'identity');
  if (role === undefined || president === undefined || !president.ok || !identity.ok) throw new Error('bench: keys');
  const reader = hardware.activationReader('reader');
  await until(cabin, 'awaiting-puesta-a-cero');
  const credential = hardware.activationDevice('credential');
  credential.writeMemory(encodeImage(writeMemberCredential(president.value.seed, role)));
  reader.insert(credential);
  await until(cabin, 'ready');
  reader.pull();
  await cabin.host.idle();
  const { definition } = mesa;
  const token = issueToken({ electionId: definition.election.id, mesa: definition.mesa.number, simulacro: definition.election.simulacro, now: new Date(OPEN_AT), validityMinutes: 60, signer: identity.value });
  const voter = hardware.activationDevice('voter');
  voter.writeMemory(encodeImage(token.bytes));
  reader.insert(voter);
  await until(cabin, 'contest');
  return { cabin, hardware };
}

/** Runs the key walk; returns each key's latency and every prompt spoken (for the cache). */
async function walk(mesa: Mesa, name: string, audioCacheDir: string | undefined): Promise<{ latencies: number[]; spoken: Prompt[] }> {
  const { cabin, hardware } = await cabinWithVoter(mesa, name, audioCacheDir);
  const speech = followSpeech(cabin.screenUrl);
  const spoken = new Map<string, Prompt>();
  const off = cabin.host.accessibility?.controller.onSpeak((utterance) => {
    for (const prompt of utterance.prompts) spoken.set(prompt.id, prompt);
  });
  const keypad = hardware.keypad('keypad', 'navigation');
  const latencies: number[] = [];
  try {
    // The contest intro spoken on insertion is not a key's answer: start after it.
    await speech.next(0);
    for (const key of keyWalk()) {
      const before = speech.seq();
      const start = performance.now();
      keypad.press(key);
      const utterance = await speech.next(before);
      const first = utterance.clips[0];
      if (first === undefined) throw new Error('bench: an utterance without clips');
      const response = await fetch(new URL(first, cabin.screenUrl));
      if (!response.ok) throw new Error(`bench: clip ${first} answered ${response.status}`);
      await response.arrayBuffer();
      latencies.push(performance.now() - start);
    }
  } finally {
    off?.();
    speech.stop();
    await cabin.close();
    hardware.dispose();
  }
  return { latencies, spoken: [...spoken.values()] };
}

function directoryBytes(dir: string): number {
  return fs.readdirSync(dir).reduce((sum, file) => sum + fs.statSync(path.join(dir, file)).size, 0);
}

export async function runBoothAudioBench(options: {
  readonly definitionFile: string;
  readonly fullCache: boolean;
  readonly log: (line: string) => void;
}): Promise<BoothAudioBenchResult> {
  const mesa = prepareMesa(options.definitionFile);
  try {
    options.log(`walk: ${keyWalk().length} keys over the ${RATE_STEPS_WPM.length} rate steps (${RATE_STEPS_WPM.join(', ')} wpm)`);
    const uncached = await walk(mesa, 'render-on-key', undefined);
    const cacheDir = path.join(mesa.dir, 'audio');
    const started = performance.now();
    const prepared = options.fullCache
      ? await prerenderPackageClips(mesa.definition, mesa.pkg.packageHash, cacheDir)
      : await prerenderClips({ packageHash: mesa.pkg.packageHash, prompts: uncached.spoken, rates: RATE_STEPS_WPM, cacheDir });
    if (!prepared.ok) throw new Error(`bench: prepare-audio failed: ${JSON.stringify(prepared.error)}`);
    const seconds = (performance.now() - started) / 1000;
    const cached = await walk(mesa, 'pre-rendered', cacheDir);
    return {
      renderOnKeyPress: summarize(uncached.latencies),
      preRendered: summarize(cached.latencies),
      cache: { clips: prepared.value.rendered + prepared.value.reused, bytes: directoryBytes(cacheDir), seconds, full: options.fullCache },
    };
  } finally {
    fs.rmSync(mesa.dir, { recursive: true, force: true });
  }
}
