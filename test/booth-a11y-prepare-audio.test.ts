/**
 * After `vep booth prepare-audio` (prerenderPackageClips), every prompt of the eg2026 package at
 * every speech rate step is in the clip cache, and the cabin's clip store serves each of them
 * from the cache: no rate a voter can choose leaves a key press waiting for espeak-ng (issue 8:
 * audio within 0.5 s of a key; the latency itself is measured by `npm run bench`).
 *
 * The renderer is a stand-in that writes bytes naming the text and rate (real espeak-ng for every
 * clip of eg2026 takes minutes; booth-a11y-speech.test.ts renders real clips). Since the store
 * renders a missing clip with espeak-ng, getting the stand-in's bytes back proves the clip came
 * from the cache.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import test from 'ava';
import { RATE_STEPS_WPM } from '../booth/accessibility/audio-settings.ts';
import { prerenderPackageClips } from '../booth/accessibility/prerender.ts';
import { allPrompts } from '../booth/accessibility/prompts.ts';
import { clipKey, createClipStore, MANIFEST_FILE } from '../booth/accessibility/speech.ts';
import { parseBoothHostConfig } from '../booth/host-config.ts';
import { ok } from '../shared/result.ts';
import { loadEg2026 } from './helpers/booth-harness.ts';

const PACKAGE = 'd'.repeat(64);
const standIn = (text: string, rate: number): Uint8Array => new Uint8Array(Buffer.from(`stand-in clip ${rate} ${text}`, 'utf8'));

test('prepare-audio puts every prompt at every rate step in the cache, and the store serves each from it', async (t) => {
  t.timeout(120_000);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vep-'));
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  const definition = loadEg2026();
  const prompts = allPrompts(definition);
  t.true(RATE_STEPS_WPM.length >= 6);

  const prepared = await prerenderPackageClips(definition, PACKAGE, dir, { render: (text, rate) => Promise.resolve(ok(standIn(text, rate))) });
  if (!prepared.ok) return t.fail(JSON.stringify(prepared.error));
  const distinctTexts = new Set(prompts.map((prompt) => prompt.text)).size;
  t.is(prepared.value.rendered, distinctTexts * RATE_STEPS_WPM.length, 'one clip per distinct text and rate');
  t.is(prepared.value.reused, 0);

  const manifest = JSON.parse(fs.readFileSync(path.join(dir, MANIFEST_FILE), 'utf8')) as { clips: Record<string, { rate: number; promptId: string }> };
  t.is(Object.keys(manifest.clips).length, distinctTexts * RATE_STEPS_WPM.length);
  const textOf = new Map(prompts.map((prompt) => [prompt.id, prompt.text]));
  const store = createClipStore({ packageHash: PACKAGE, cacheDir: dir });
  const missing: string[] = [];
  for (const rate of RATE_STEPS_WPM) {
    for (const prompt of prompts) {
      const key = clipKey(PACKAGE, prompt.text, rate);
      const entry = manifest.clips[key];
      // Prompts with the same words (one organization in several contests) share one clip.
      if (entry?.rate !== rate || textOf.get(entry.promptId) !== prompt.text) missing.push(`${prompt.id}@${rate} (manifest)`);
      const url = store.url(prompt, rate);
      t.is(url, `/audio/${key}.wav`);
      const served = await store.clip(key);
      if (!served.ok || !Buffer.from(served.value).equals(Buffer.from(standIn(prompt.text, rate)))) missing.push(`${prompt.id}@${rate}`);
    }
  }
  t.deepEqual(missing, [], 'clips not served from the cache');

  // An installation interrupted before the manifest was written, started again: every clip
  // already on disk is reused.
  fs.rmSync(path.join(dir, MANIFEST_FILE));
  const again = await prerenderPackageClips(definition, PACKAGE, dir, {
    render: () => Promise.reject(new Error('nothing should be rendered again')),
  });
  t.true(again.ok && again.value.rendered === 0 && again.value.reused === distinctTexts * RATE_STEPS_WPM.length);
  t.true(fs.existsSync(path.join(dir, MANIFEST_FILE)), 'the manifest is written once every clip is there');
});

test('the deployed cabin configuration names a clip cache for prepare-audio, inside the cabin data dir', (t) => {
  const parsed = parseBoothHostConfig(JSON.parse(fs.readFileSync(path.join('deploy', 'config', 'booth.example.json'), 'utf8')));
  if (!parsed.ok) return t.fail(parsed.error.join('; '));
  const { audioCacheDir, dataDir } = parsed.value;
  t.truthy(audioCacheDir, 'without it every clip would be rendered when a key asks for it');
  t.is(path.dirname(audioCacheDir ?? ''), dataDir, 'the directory systemd gives the cabin (owned by vep)');
});
