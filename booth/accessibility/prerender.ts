/**
 * Installation step for the audio ballot: renders every prompt of the election package at EVERY
 * speech rate step into the cabin's clip cache (speech.ts explains why this happens before voting
 * and never during it). A voter who changes the rate then still hears each key's prompt from the
 * cache, with no espeak-ng run between the key and the audio (issue 8: audio within 0.5 s of a
 * key; measured by `npm run bench -- --only booth-audio`).
 *
 * Cost, measured for eg2026 (2,107 prompts with 2,011 distinct texts × 7 rates = 14,077 clips):
 * 2.57 GB of WAV (413 MB at the default 120 wpm, 609 MB at 60, 183 MB at 250) rendered in about
 * 17 minutes by two espeak-ng processes on a 2-core machine that was also running other work.
 * The cabin needs that much free storage; the cache is written once, at installation, and only
 * read while voting. An interrupted run resumes (clips already on disk are kept).
 */
import type { ElectionDefinition } from '../../shared/election/definition.ts';
import type { Result } from '../../shared/result.ts';
import { RATE_STEPS_WPM } from './audio-settings.ts';
import { allPrompts } from './prompts.ts';
import { prerenderClips, type ClipRenderer, type PrerenderSummary, type SpeechError } from './speech.ts';

export function prerenderPackageClips(
  definition: ElectionDefinition,
  packageHash: string,
  cacheDir: string,
  options: { readonly render?: ClipRenderer; readonly onProgress?: (done: number, total: number) => void } = {},
): Promise<Result<PrerenderSummary, SpeechError>> {
  return prerenderClips({ packageHash, prompts: allPrompts(definition), rates: RATE_STEPS_WPM, cacheDir, ...options });
}
