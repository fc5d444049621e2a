/**
 * Election-day times are wall-clock "HH:MM" strings in the election's timezone (the legal texts
 * speak of "las 07:00 horas"), so they compare as minutes since local midnight.
 */

/** Minutes since local midnight for a 24-hour "HH:MM" time, or undefined if malformed. */
export function localTimeToMinutes(time: string): number | undefined {
  const match = /^([01][0-9]|2[0-3]):([0-5][0-9])$/u.exec(time);
  if (match === null) return undefined;
  return Number(match[1]) * 60 + Number(match[2]);
}
