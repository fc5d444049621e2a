/**
 * Speech for the audio ballot: espeak-ng's Latin-American Spanish voice renders a valid WAV, the
 * rate steps change the speech length, clips are keyed by package hash, the pre-rendered cache is
 * used only for its own package, the kiosk server serves only clips the cabin issued, and the
 * package's prompt set covers every contest, organization and preferential candidate.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import test from 'ava';
import { DEFAULT_AUDIO, gainOf, RATE_STEPS_WPM, rateOf, VOLUME_STEPS_DB } from '../booth/accessibility/audio-settings.ts';
import { createAccessibilityController } from '../booth/accessibility/controller.ts';
import { allPrompts, type Prompt } from '../booth/accessibility/prompts.ts';
import { checkVoice, clipKey, createClipStore, MANIFEST_FILE, prerenderClips, renderWav } from '../booth/accessibility/speech.ts';
import { startKioskServer } from '../booth/ui/server.ts';
import { loadEg2026, startOpenBooth } from './helpers/booth-harness.ts';

const PROMPT: Prompt = { id: 'org.presidencial.8', text: '8, Partido de prueba, fórmula encabezada por Ana Quispe.' };
const PACKAGE_A = 'a'.repeat(64);
const PACKAGE_B = 'b'.repeat(64);

/** Sample count of a PCM WAV (RIFF header, then the 'data' chunk). */
function wavSamples(bytes: Uint8Array): { readonly sampleRate: number; readonly samples: number } {
  const view = Buffer.from(bytes);
  if (view.toString('ascii', 0, 4) !== 'RIFF' || view.toString('ascii', 8, 12) !== 'WAVE') throw new Error('not a RIFF/WAVE file');
  let offset = 12;
  let sampleRate = 0;
  let bytesPerSample = 0;
  while (offset + 8 <= view.length) {
    const id = view.toString('ascii', offset, offset + 4);
    const size = view.readUInt32LE(offset + 4);
    if (id === 'fmt ') {
      sampleRate = view.readUInt32LE(offset + 12);
      bytesPerSample = (view.readUInt16LE(offset + 10) * view.readUInt16LE(offset + 22)) / 8;
    }
    // espeak-ng on stdout cannot seek back to fill in the size: the data runs to the end.
    if (id === 'data') return { sampleRate, samples: Math.floor((view.length - offset - 8) / bytesPerSample) };
    offset += 8 + size;
  }
  throw new Error('no data chunk');
}

function tempDir(t: { teardown(fn: () => void): void }): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vep-'));
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

test('espeak-ng has the es-419 voice and renders a prompt to a valid WAV; a slower rate is longer', async (t) => {
  t.true((await checkVoice()).ok);
  const normal = await renderWav(PROMPT.text, rateOf(DEFAULT_AUDIO));
  const slow = await renderWav(PROMPT.text, 60);
  if (!normal.ok || !slow.ok) return t.fail('espeak-ng did not render');
  const a = wavSamples(normal.value);
  const b = wavSamples(slow.value);
  t.true(a.sampleRate >= 16_000);
  t.true(a.samples > a.sampleRate, 'more than a second of speech');
  t.true(b.samples > a.samples, '60 words/min lasts longer than 120');
});

test('rate and volume steps meet VVSG 2.0: default 120–125 wpm, ≥ 6 steps over 60–250, volume steps ≤ 10 dB', (t) => {
  const rate = rateOf(DEFAULT_AUDIO);
  t.true(rate >= 120 && rate <= 125);
  t.true(RATE_STEPS_WPM.length >= 6 && RATE_STEPS_WPM.length <= 8);
  t.true((RATE_STEPS_WPM[0] ?? 0) >= 60 && (RATE_STEPS_WPM[0] ?? 0) <= 70);
  t.true((RATE_STEPS_WPM.at(-1) ?? 0) >= 240 && (RATE_STEPS_WPM.at(-1) ?? 0) <= 250);
  for (let i = 1; i < VOLUME_STEPS_DB.length; i++) {
    const step = (VOLUME_STEPS_DB[i] ?? 0) - (VOLUME_STEPS_DB[i - 1] ?? 0);
    t.true(step > 0 && step <= 10, `volume step ${step} dB`);
  }
  t.true(gainOf(DEFAULT_AUDIO) > 0 && gainOf(DEFAULT_AUDIO) < 1);
});

test('clips are keyed by package hash, rate and text; the store serves only the clips it issued', async (t) => {
  t.not(clipKey(PACKAGE_A, PROMPT.text, 120), clipKey(PACKAGE_B, PROMPT.text, 120));
  t.not(clipKey(PACKAGE_A, PROMPT.text, 120), clipKey(PACKAGE_A, PROMPT.text, 150));
  const store = createClipStore({ packageHash: PACKAGE_A });
  const never = clipKey(PACKAGE_A, 'Texto que la cabina nunca pidió.', 120);
  t.deepEqual(await store.clip(never), { ok: false, error: { kind: 'unknown-clip' } });
  const url = store.url(PROMPT, 120);
  t.is(url, `/audio/${clipKey(PACKAGE_A, PROMPT.text, 120)}.wav`);
  const clip = await store.clip(clipKey(PACKAGE_A, PROMPT.text, 120));
  t.true(clip.ok && Buffer.from(clip.value).toString('ascii', 0, 4) === 'RIFF');
});

test('pre-rendered clips: manifest written, reused on a second run, read from the cache only for the same package', async (t) => {
  const dir = tempDir(t);
  const prompts: Prompt[] = [PROMPT, { id: 'choice.blank', text: 'Voto en blanco.' }];
  const first = await prerenderClips({ packageHash: PACKAGE_A, prompts, rates: [120], cacheDir: dir });
  const clipBytes = prompts.reduce((sum, prompt) => sum + fs.statSync(path.join(dir, `${clipKey(PACKAGE_A, prompt.text, 120)}.wav`)).size, 0);
  t.deepEqual(first, { ok: true, value: { rendered: 2, reused: 0, bytes: clipBytes } });
  t.true(fs.existsSync(path.join(dir, MANIFEST_FILE)));
  const second = await prerenderClips({ packageHash: PACKAGE_A, prompts, rates: [120], cacheDir: dir });
  t.deepEqual(second, { ok: true, value: { rendered: 0, reused: 2, bytes: clipBytes } });

  // Mark the cached file: a store for the same package serves it, one for another package does not.
  const key = clipKey(PACKAGE_A, PROMPT.text, 120);
  const marker = Buffer.from('RIFF-cached-marker');
  fs.writeFileSync(path.join(dir, `${key}.wav`), marker);
  const same = createClipStore({ packageHash: PACKAGE_A, cacheDir: dir });
  same.url(PROMPT, 120);
  const cached = await same.clip(key);
  t.true(cached.ok && Buffer.from(cached.value).equals(marker));
  const other = createClipStore({ packageHash: PACKAGE_B, cacheDir: dir });
  const otherKey = other.url(PROMPT, 120).slice('/audio/'.length, -'.wav'.length);
  const rendered = await other.clip(otherKey);
  t.true(rendered.ok && !Buffer.from(rendered.value).equals(marker));
});

test('the prompt set of eg2026 covers every contest, organization and preferential candidate, with unique ids', (t) => {
  const definition = loadEg2026();
  const prompts = allPrompts(definition);
  const byId = new Map(prompts.map((prompt) => [prompt.id, prompt]));
  t.is(byId.size, prompts.length);
  for (const contest of definition.contests) {
    t.true(byId.has(`contest.${contest.id}.intro`));
    for (const org of contest.organizations) {
      t.true(byId.get(`org.${contest.id}.${org.number}`)?.text.startsWith(`${org.number}, ${org.name}`));
      if (contest.maxPreferential === 0) continue;
      for (const candidate of org.candidates ?? []) t.true(byId.has(`candidate.${contest.id}.${org.number}.${candidate.number}`));
    }
  }
  for (const prompt of prompts) t.true(prompt.text.length > 0 && !/undefined|NaN/.test(prompt.text), prompt.id);
});

test('the kiosk server serves the spoken clip as audio/wav, and nothing for a key it did not issue', async (t) => {
  const definition = loadEg2026();
  const booth = await startOpenBooth({ definition });
  const clips = createClipStore({ packageHash: PACKAGE_A });
  const controller = createAccessibilityController({ actor: booth.actor, definition, clips });
  const server = await startKioskServer(booth.actor, definition, { accessibility: { controller, clips } });
  t.teardown(async () => {
    controller.stop();
    await server.close();
    booth.actor.stop();
  });
  const view = (await (await fetch(new URL('/view', server.url))).json()) as { accessibility: { speech: { clips: string[] } | null } };
  const clip = view.accessibility.speech?.clips[0];
  if (clip === undefined) return t.fail('the ready screen spoke nothing');
  const response = await fetch(new URL(clip, server.url));
  t.is(response.status, 200);
  t.is(response.headers.get('content-type'), 'audio/wav');
  t.is(Buffer.from(await response.arrayBuffer()).toString('ascii', 0, 4), 'RIFF');
  const forged = await fetch(new URL(`/audio/${'c'.repeat(64)}.wav`, server.url));
  t.is(forged.status, 404);
  t.is((await fetch(new URL('/audio/page.js', server.url))).status, 404);
});
