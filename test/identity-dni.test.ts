import test from 'ava';
import { parseDni, parseDniReading } from '../identity-station/dni.ts';

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

test('a DNI reader reading follows the same rules, with texts about scanning again', (t) => {
  const good = parseDniReading({ kind: 'text', text: '00123456' });
  t.true(good.ok && good.value === '00123456');
  const cases: Array<[Parameters<typeof parseDniReading>[0], RegExp]> = [
    [{ kind: 'garbled' }, /incompleta o dañada/],
    [{ kind: 'text', text: '1234567A' }, /contiene letras/],
    [{ kind: 'text', text: '1234567' }, /tiene 7 dígitos/],
    [{ kind: 'text', text: '123456789' }, /tiene 9 dígitos/],
  ];
  for (const [reading, text] of cases) {
    const parsed = parseDniReading(reading);
    if (parsed.ok) return t.fail(`accepted ${JSON.stringify(reading)}`);
    t.is(parsed.error.kind, 'bad-reading');
    t.regex(parsed.error.screenText, text);
    t.regex(parsed.error.screenText, /escriba el número/);
  }
});
