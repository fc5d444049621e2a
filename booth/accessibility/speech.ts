/**
 * Spanish speech for the audio ballot: espeak-ng renders a prompt's text to a WAV clip, and a
 * clip store serves clips by key to the kiosk page (an <audio> element on the voter's
 * headphones). A clip's key is sha256 over (package hash, voice, rate, text), so a cached clip is
 * tied to the election package it was rendered for: a cache left from another package is never
 * played, it is simply not found.
 *
 * DECISIONS
 * - Pre-rendering (`prerenderClips`) writes every prompt of the package (prompts.ts
 *   `allPrompts`) at every rate step into a cache directory with a manifest, BEFORE voting
 *   (prerender.ts), so a key press never waits for espeak-ng (audio within 0.5 s of a key).
 *   During voting the store only READS that cache; a clip missing from it (no cache configured,
 *   a cache prepared by an older version, tests) is rendered into memory, never written to
 *   disk, so no file name or file time created during voting can reveal what a voter listened to.
 * - The store serves only keys it issued itself (`url`), so the page cannot make the cabin speak
 *   (or render) arbitrary text.
 * - Text goes to espeak-ng on stdin (never argv, never a shell) and the WAV comes on stdout.
 */
import { execFile, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { z } from 'zod';
import { canonicalJson } from '../../shared/crypto/canonical-json.ts';
import { sha256Hex } from '../../shared/crypto/hash.ts';
import { err, ok, type Result } from '../../shared/result.ts';
import type { Prompt } from './prompts.ts';

export const VOICE = 'es-419';
const ESPEAK = 'espeak-ng';
const RENDER_TIMEOUT_MS = 20_000;
const MEMORY_CLIPS = 256;

export type SpeechError =
  | { readonly kind: 'espeak-failed'; readonly detail: string }
  | { readonly kind: 'voice-missing'; readonly voice: string }
  | { readonly kind: 'cache'; readonly detail: string }
  | { readonly kind: 'unknown-clip' };

export function clipKey(packageHash: string, text: string, rate: number): string {
  return sha256Hex(canonicalJson({ packageHash, voice: VOICE, rate, text }));
}

/** Whether espeak-ng knows the Latin-American Spanish voice. */
export function checkVoice(): Promise<Result<void, SpeechError>> {
  return new Promise((resolve) => {
    execFile(ESPEAK, ['--voices=es'], { timeout: RENDER_TIMEOUT_MS }, (error, stdout) => {
      if (error !== null) return resolve(err({ kind: 'espeak-failed', detail: error.message }));
      const found = stdout.split('\n').some((line) => line.trim().split(/\s+/)[1] === VOICE);
      resolve(found ? ok(undefined) : err({ kind: 'voice-missing', voice: VOICE }));
    });
  });
}

/** One clip: `espeak-ng -v es-419 -s RATE --stdout` with the text on stdin. */
export function renderWav(text: string, rate: number): Promise<Result<Uint8Array, SpeechError>> {
  return new Promise((resolve) => {
    const child = spawn(ESPEAK, ['-v', VOICE, '-s', String(rate), '--stdout'], { stdio: ['pipe', 'pipe', 'pipe'], timeout: RENDER_TIMEOUT_MS });
    const chunks: Buffer[] = [];
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => chunks.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString('utf8');
    });
    child.on('error', (error) => resolve(err({ kind: 'espeak-failed', detail: error.message })));
    child.on('close', (code) => {
      const wav = Buffer.concat(chunks);
      if (code !== 0 || wav.length < 44) return resolve(err({ kind: 'espeak-failed', detail: `exit ${String(code)}: ${stderr.trim()}` }));
      resolve(ok(new Uint8Array(wav)));
    });
    child.stdin.end(text, 'utf8');
  });
}

const manifestSchema = z.strictObject({
  formatVersion: z.literal(1),
  packageHash: z.string(),
  voice: z.string(),
  clips: z.record(z.string().regex(/^[0-9a-f]{64}$/), z.strictObject({ file: z.string().regex(/^[0-9a-f]{64}\.wav$/), rate: z.number(), promptId: z.string() })),
});
type Manifest = z.infer<typeof manifestSchema>;

export const MANIFEST_FILE = 'manifest.json';

function readManifest(cacheDir: string): Manifest | undefined {
  try {
    const parsed = manifestSchema.safeParse(JSON.parse(fs.readFileSync(path.join(cacheDir, MANIFEST_FILE), 'utf8')));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

export interface ClipStore {
  /** URL path of the clip for this prompt at this rate (registers the key as servable). */
  url(prompt: Prompt, rate: number): string;
  /** The WAV bytes of a key previously issued by `url`. */
  clip(key: string): Promise<Result<Uint8Array, SpeechError>>;
}

export const CLIP_URL_PREFIX = '/audio/';

export function createClipStore(options: { readonly packageHash: string; readonly cacheDir?: string }): ClipStore {
  const manifest = options.cacheDir === undefined ? undefined : readManifest(options.cacheDir);
  const cached = manifest !== undefined && manifest.packageHash === options.packageHash && manifest.voice === VOICE ? manifest.clips : {};
  const issued = new Map<string, { readonly text: string; readonly rate: number }>();
  const memory = new Map<string, Uint8Array>();
  return {
    url(prompt, rate) {
      const key = clipKey(options.packageHash, prompt.text, rate);
      issued.set(key, { text: prompt.text, rate });
      return `${CLIP_URL_PREFIX}${key}.wav`;
    },
    async clip(key) {
      const wanted = issued.get(key);
      if (wanted === undefined) return err({ kind: 'unknown-clip' });
      const entry = cached[key];
      if (entry !== undefined && options.cacheDir !== undefined) {
        try {
          return ok(new Uint8Array(fs.readFileSync(path.join(options.cacheDir, entry.file))));
        } catch {
          // A damaged cache falls back to rendering: the voter still hears the prompt.
        }
      }
      const remembered = memory.get(key);
      if (remembered !== undefined) return ok(remembered);
      const rendered = await renderWav(wanted.text, wanted.rate);
      if (!rendered.ok) return rendered;
      if (memory.size >= MEMORY_CLIPS) memory.delete(memory.keys().next().value ?? '');
      memory.set(key, rendered.value);
      return rendered;
    },
  };
}

/** Renders one clip (espeak-ng's `renderWav` unless a test injects a stand-in). */
export type ClipRenderer = (text: string, rate: number) => Promise<Result<Uint8Array, SpeechError>>;

export interface PrerenderSummary {
  readonly rendered: number;
  readonly reused: number;
  /** Size of all the clips in the cache, in bytes. */
  readonly bytes: number;
}

/**
 * Renders every prompt at each rate into `cacheDir` (before voting: at installation), reusing
 * clips already there (their file name is the clip key: same package, text and rate), and
 * writes the manifest last. Up to `concurrency`
 * espeak-ng processes run at once (default: one per CPU), since a whole election at every rate
 * is thousands of clips.
 */
export async function prerenderClips(options: {
  readonly packageHash: string;
  readonly prompts: readonly Prompt[];
  readonly rates: readonly number[];
  readonly cacheDir: string;
  readonly render?: ClipRenderer;
  readonly concurrency?: number;
  /** Called after each clip, rendered or reused (an installer watching a long run). */
  readonly onProgress?: (done: number, total: number) => void;
}): Promise<Result<PrerenderSummary, SpeechError>> {
  const voice = await checkVoice();
  if (!voice.ok) return voice;
  try {
    fs.mkdirSync(options.cacheDir, { recursive: true });
  } catch (e) {
    return err({ kind: 'cache', detail: String(e) });
  }
  const render = options.render ?? renderWav;
  // Prompts with the same words (one organization in several contests) share one clip.
  const byKey = new Map<string, { readonly rate: number; readonly prompt: Prompt; readonly key: string }>();
  for (const rate of options.rates) {
    for (const prompt of options.prompts) {
      const key = clipKey(options.packageHash, prompt.text, rate);
      if (!byKey.has(key)) byKey.set(key, { rate, prompt, key });
    }
  }
  const jobs = [...byKey.values()];
  const clips: Manifest['clips'] = {};
  let rendered = 0;
  let reused = 0;
  let bytes = 0;
  let done = 0;
  let failure: SpeechError | undefined;
  let next = 0;
  const worker = async (): Promise<void> => {
    while (failure === undefined && next < jobs.length) {
      const job = jobs[next++];
      if (job === undefined) return;
      const file = `${job.key}.wav`;
      const target = path.join(options.cacheDir, file);
      // A clip file is complete once it exists (written under a temporary name, then renamed),
      // so an interrupted installation resumes where it stopped, manifest or not.
      const existing = fileSize(target);
      if (existing !== undefined) {
        reused++;
        bytes += existing;
      } else {
        const wav = await render(job.prompt.text, job.rate);
        if (!wav.ok) {
          failure = wav.error;
          return;
        }
        try {
          fs.writeFileSync(`${target}.partial`, wav.value);
          fs.renameSync(`${target}.partial`, target);
        } catch (e) {
          failure = { kind: 'cache', detail: String(e) };
          return;
        }
        rendered++;
        bytes += wav.value.length;
      }
      clips[job.key] = { file, rate: job.rate, promptId: job.prompt.id };
      options.onProgress?.(++done, jobs.length);
    }
  };
  const workers = Math.max(1, Math.min(options.concurrency ?? os.availableParallelism(), jobs.length));
  await Promise.all(Array.from({ length: workers }, () => worker()));
  if (failure !== undefined) return err(failure);
  const manifest: Manifest = { formatVersion: 1, packageHash: options.packageHash, voice: VOICE, clips };
  try {
    fs.writeFileSync(path.join(options.cacheDir, MANIFEST_FILE), JSON.stringify(manifest, null, 1));
  } catch (e) {
    return err({ kind: 'cache', detail: String(e) });
  }
  return ok({ rendered, reused, bytes });
}

function fileSize(file: string): number | undefined {
  try {
    return fs.statSync(file).size;
  } catch {
    return undefined;
  }
}
