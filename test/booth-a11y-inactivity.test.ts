/**
 * Inactivity with the audio ballot, on the simulated clock: moving the keypad focus counts as
 * activity, the alert comes after the configured time with no key and is spoken, any key dismisses
 * it and the voter is back on the item they left, and an alert left alone ends the session
 * (spoken) without storing anything.
 */
import test from 'ava';
import { BOOTH_TIMEOUT_LIMITS, DEFAULT_BOOTH_TIMEOUTS } from '../booth/timeouts.ts';
import { startAccessibleBooth } from './helpers/booth-a11y-harness.ts';

const ALERT_AFTER = 2 * 60_000;
const ALERT_LASTS = 20_000;

test('the configured inactivity times are inside the VVSG ranges (alert after 2–5 min, lasting 20–45 s)', (t) => {
  t.true(BOOTH_TIMEOUT_LIMITS.inactivityAlertAfterMs.min >= 2 * 60_000 && BOOTH_TIMEOUT_LIMITS.inactivityAlertAfterMs.max <= 5 * 60_000);
  t.true(BOOTH_TIMEOUT_LIMITS.inactivityAlertDurationMs.min >= 20_000 && BOOTH_TIMEOUT_LIMITS.inactivityAlertDurationMs.max <= 45_000);
  t.true(DEFAULT_BOOTH_TIMEOUTS.inactivityAlertAfterMs >= BOOTH_TIMEOUT_LIMITS.inactivityAlertAfterMs.min);
  t.true(DEFAULT_BOOTH_TIMEOUTS.inactivityAlertDurationMs <= BOOTH_TIMEOUT_LIMITS.inactivityAlertDurationMs.max);
});

test('keypad focus moves keep the session alive; the spoken alert, dismissed by any key, returns to the same item', async (t) => {
  const cabin = await startAccessibleBooth('navigation', {
    input: { timeouts: { inactivityAlertAfterMs: ALERT_AFTER, inactivityAlertDurationMs: ALERT_LASTS } },
  });
  t.teardown(() => cabin.close());
  const { booth } = cabin;
  await booth.act({ type: 'DEVICE_INSERTED' });
  await cabin.moveTo('org-4', 'down');

  await booth.advance(ALERT_AFTER - 20_000);
  t.deepEqual(cabin.lastIds(), ['org.presidencial.4']);
  await cabin.press('down');
  await booth.advance(ALERT_AFTER - 20_000);
  t.is(booth.screen(), 'contest', 'a focus move restarted the inactivity count');

  await booth.advance(20_000);
  t.is(booth.screen(), 'inactivity-alert');
  const alert = cabin.utterances.at(-1)?.prompts ?? [];
  t.deepEqual(alert.map((p) => p.id), ['screen.inactivity-alert', 'alert.still-here']);
  t.regex(alert[0]?.text ?? '', /^¿Sigue ahí\? Pulse cualquier tecla/);

  const back = await cabin.press('right');
  t.is(booth.screen(), 'contest');
  t.deepEqual(back.map((u) => u.prompts.map((p) => p.id)), [['org.presidencial.5']], 'back on the item the voter left');
  t.deepEqual(booth.actor.getSnapshot().context.draft, {}, 'the dismissing key chose nothing');
});

test('an alert left alone ends the session, spoken, with nothing stored', async (t) => {
  const cabin = await startAccessibleBooth('navigation', {
    input: { timeouts: { inactivityAlertAfterMs: ALERT_AFTER, inactivityAlertDurationMs: ALERT_LASTS } },
  });
  t.teardown(() => cabin.close());
  const { booth } = cabin;
  await booth.act({ type: 'DEVICE_INSERTED' });
  await cabin.press('select');
  await booth.advance(ALERT_AFTER);
  t.is(booth.screen(), 'inactivity-alert');
  await booth.advance(ALERT_LASTS - 1_000);
  t.is(booth.screen(), 'inactivity-alert', 'the alert lasts the configured time');
  await booth.advance(1_000);
  t.is(booth.screen(), 'session-ended-inactivity');
  const ended = cabin.utterances.at(-1)?.prompts ?? [];
  t.deepEqual(ended.map((p) => p.id), ['screen.session-ended-inactivity']);
  t.regex(ended[0]?.text ?? '', /Sesión terminada por inactividad/);
  t.is(booth.calls.commitVote.length, 0);
});
