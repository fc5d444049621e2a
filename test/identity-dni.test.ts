import test from 'ava';
import { parseDni } from '../identity-station/dni.ts';

test('exactly 8 digits is a DNI, leading zeros kept, surrounding spaces dropped', (t) => {
  t.deepEqual(parseDni('01234567'), { ok: true, value: '01234567' });
  t.deepEqual(parseDni(' 87654321\n'), { ok: true, value: '87654321' });
});

test('letters are refused with Spanish text', (t) => {
  const parsed = parseDni('1234567A');
  t.false(parsed.ok);
  if (!parsed.ok) {
    t.is(parsed.error.kind, 'not-digits');
    t.regex(parsed.error.screenText, /solo puede contener números/);
  }
});

test('7 and 9 digits are refused and the text says how many were typed', (t) => {
  const short = parseDni('1234567');
  const long = parseDni('123456789');
  t.false(short.ok);
  t.false(long.ok);
  if (!short.ok) {
    t.is(short.error.kind, 'too-short');
    t.regex(short.error.screenText, /se ingresaron 7/);
  }
  if (!long.ok) {
    t.is(long.error.kind, 'too-long');
    t.regex(long.error.screenText, /se ingresaron 9/);
  }
});

test('inner spaces, dashes, empty input and non-ASCII digits are refused', (t) => {
  for (const text of ['1234 5678', '1234-5678', '', '   ', '１２３４５６７８']) {
    t.false(parseDni(text).ok, JSON.stringify(text));
  }
  const empty = parseDni('');
  if (!empty.ok) t.is(empty.error.kind, 'empty');
});
