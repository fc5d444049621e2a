/**
 * The simulated clock `vep start` hands its stations: set once where the day starts (even in the
 * past), then moved only forward through the control commands the tester panel sends.
 */
import test from 'ava';
import { SimulatedHardware } from '../hardware-sim/control/simulated-hardware.ts';
import { SimCommandSchema } from '../hardware-sim/control/commands.ts';

test('the simulated clock starts where the run says, advances and is set only forward', async (t) => {
  const hardware = new SimulatedHardware();
  t.teardown(() => hardware.dispose());
  const opening = new Date('2026-04-12T12:00:00Z');
  hardware.clock.startAt(opening);
  const read = hardware.clock.read;
  const drift = (at: Date) => Math.abs(read().getTime() - at.getTime());
  t.true(drift(opening) < 60_000, 'starts at the given instant and runs in real time');

  t.true((await hardware.execute({ action: 'clock.advance', minutes: 60 })).ok);
  t.true(drift(new Date(opening.getTime() + 3600_000)) < 60_000);
  const close = '2026-04-12T22:00:00Z';
  t.true((await hardware.execute({ action: 'clock.set', at: close })).ok);
  t.true(drift(new Date(close)) < 60_000);
  t.is(hardware.snapshot().clock.now.slice(0, 13), close.slice(0, 13));

  const back = await hardware.execute({ action: 'clock.set', at: '2026-04-12T21:00:00Z' });
  t.false(back.ok);
  t.true(drift(new Date(close)) < 60_000, 'a refused set leaves the clock alone');
});

test('the panel commands for the clock are parsed at the boundary', (t) => {
  t.true(SimCommandSchema.safeParse({ action: 'clock.advance', minutes: 15 }).success);
  t.false(SimCommandSchema.safeParse({ action: 'clock.advance', minutes: 0 }).success);
  t.false(SimCommandSchema.safeParse({ action: 'clock.advance', minutes: -5 }).success);
  t.true(SimCommandSchema.safeParse({ action: 'clock.set', at: '2026-04-12T17:00:00-05:00' }).success);
  t.false(SimCommandSchema.safeParse({ action: 'clock.set', at: 'tomorrow' }).success);
});
