/**
 * Installation step for the audio ballot: renders every prompt of the election package at the
 * default speech rate into the cabin's clip cache (speech.ts explains why this happens before
 * voting and never during it). Other rates are rendered in memory when a voter asks for them.
 */
import type { ElectionDefinition } from '../../shared/election/definition.ts';
import type { Result } from '../../shared/result.ts';
import { DEFAULT_AUDIO, rateOf } from './audio-settings.ts';
import { allPrompts } from './prompts.ts';
import { prerenderClips, type SpeechError } from './speech.ts';

export function prerenderPackageClips(
  definition: ElectionDefinition,
  packageHash: string,
  cacheDir: string,
): Promise<Result<{ readonly rendered: number; readonly reused: number }, SpeechError>> {
  return prerenderClips({ packageHash, prompts: allPrompts(definition), rates: [rateOf(DEFAULT_AUDIO)], cacheDir });
}
