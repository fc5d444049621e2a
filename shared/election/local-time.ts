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

function zoneOffsetMs(epochMs: number, timeZone: string): number {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone,
    hourCycle: 'h23',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
  }).formatToParts(new Date(epochMs));
  const get = (type: string) => Number(parts.find((p) => p.type === type)?.value);
  const asUtc = Date.UTC(get('year'), get('month') - 1, get('day'), get('hour'), get('minute'), get('second'));
  return asUtc - Math.floor(epochMs / 1000) * 1000;
}

/** Epoch ms of local `time` ("HH:MM") on `date` ("YYYY-MM-DD") in the IANA `timeZone`. Throws on malformed input (the definition was validated). */
export function localDateTimeToEpoch(date: string, time: string, timeZone: string): number {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/u.exec(date);
  const minutes = localTimeToMinutes(time);
  if (match === null || minutes === undefined) throw new Error(`bad local date/time ${date} ${time}`);
  const wall = Date.UTC(Number(match[1]), Number(match[2]) - 1, Number(match[3])) + minutes * 60_000;
  // Two passes settle the offset even when the first guess falls on the other side of a DST change.
  let epoch = wall - zoneOffsetMs(wall, timeZone);
  epoch = wall - zoneOffsetMs(epoch, timeZone);
  return epoch;
}
