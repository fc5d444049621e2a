import test from 'ava';
import { OBSERVATION_MAX_CHARS, parseObservation } from '../identity-station/observation.ts';

test('an observation is one normalised paragraph of bounded length', (t) => {
  t.deepEqual(parseObservation('  Llegó tarde\n el   secretario. '), { ok: true, value: 'Llegó tarde el secretario.' });
  t.deepEqual(parseObservation(' \n\t '), { ok: false, error: 'empty' });
  t.true(parseObservation('x'.repeat(OBSERVATION_MAX_CHARS)).ok);
  t.deepEqual(parseObservation('x'.repeat(OBSERVATION_MAX_CHARS + 1)), { ok: false, error: 'too-long' });
  t.deepEqual(parseObservation('a\u0007b'), { ok: false, error: 'control-characters' });
});

test('no number that could be a DNI, however it is written', (t) => {
  for (const text of ['DNI 41118899', 'el 4111 8899', '41.118.899 reclamó', '4111-8899', 'tel 987654321']) {
    t.deepEqual(parseObservation(text), { ok: false, error: 'dni-like-number' }, text);
  }
  for (const text of ['Mesa 900001, 3 cabinas', 'a las 07:30 h', '1234567 y 8', 'cédulas 12 34 56 7']) {
    t.true(parseObservation(text).ok, text);
  }
});
