/**
 * Speech rate and volume steps of the audio ballot (VVSG 2.0 ch. 7): rate default 120–125
 * words/min, adjustable in 6–8 steps from 60–70 to 240–250; volume adjustable in steps of at most
 * 10 dB. Per-voter: reset for each voter like the display settings.
 */

/** espeak-ng `-s` values (words per minute): 7 steps from 60 to 250. */
export const RATE_STEPS_WPM = [60, 90, 120, 150, 180, 215, 250] as const;
export const DEFAULT_RATE_INDEX = 2; // 120 wpm

/**
 * Playback gain relative to the clip, in dB: 6 dB steps (≤ 10 dB) over a 30 dB range. The kiosk
 * page applies it as the <audio> element's linear volume 10^(dB/20); the headphone amplifier's
 * own level sets the absolute range.
 */
export const VOLUME_STEPS_DB = [-30, -24, -18, -12, -6, 0] as const;
export const DEFAULT_VOLUME_INDEX = 3; // -12 dB: room to go up and down

export interface AudioSettings {
  readonly rateIndex: number;
  readonly volumeIndex: number;
}

export const DEFAULT_AUDIO: AudioSettings = Object.freeze({ rateIndex: DEFAULT_RATE_INDEX, volumeIndex: DEFAULT_VOLUME_INDEX });

export function rateOf(settings: AudioSettings): number {
  const rate = RATE_STEPS_WPM[settings.rateIndex];
  if (rate === undefined) throw new Error(`audio: no rate step ${settings.rateIndex}`);
  return rate;
}

export function gainOf(settings: AudioSettings): number {
  const db = VOLUME_STEPS_DB[settings.volumeIndex];
  if (db === undefined) throw new Error(`audio: no volume step ${settings.volumeIndex}`);
  return 10 ** (db / 20);
}

/** One step up or down, clamped at the ends (a voter at the limit hears the limit again). */
export function stepRate(settings: AudioSettings, step: 1 | -1): AudioSettings {
  return { ...settings, rateIndex: Math.min(RATE_STEPS_WPM.length - 1, Math.max(0, settings.rateIndex + step)) };
}

export function stepVolume(settings: AudioSettings, step: 1 | -1): AudioSettings {
  return { ...settings, volumeIndex: Math.min(VOLUME_STEPS_DB.length - 1, Math.max(0, settings.volumeIndex + step)) };
}
