import fs from 'node:fs';
import path from 'node:path';
import test from 'ava';
import { IDENTITY_PAGE_TEXTS } from '../identity-station/messages.ts';

const PAGE = fs.readFileSync(path.join(import.meta.dirname, '..', 'identity-station', 'ui', 'page.js'), 'utf8');

test('the president page has no Spanish of its own: every label it uses comes from messages.ts', (t) => {
  const used = new Set([...PAGE.matchAll(/\b(?:T|v\.texts)\.([a-zA-Z]+)/gu)].map((m) => m[1] ?? ''));
  t.true(used.size >= 40, 'the page reads its labels from the view');
  for (const key of used) t.true(Object.hasOwn(IDENTITY_PAGE_TEXTS, key), `page.js uses texts.${key}, which messages.ts defines`);
  for (const [key, value] of Object.entries(IDENTITY_PAGE_TEXTS)) {
    const quoted = [`'${value}'`, `"${value}"`, `'${value.trim()}'`];
    t.false(quoted.some((q) => PAGE.includes(q)), `"${value}" (${key}) is written in page.js itself`);
  }
  t.false(/[áéíóúñÁÉÍÓÚÑ¿¡]/u.test(PAGE.replace(/^\s*\/\/.*$/gmu, '')), 'no accented Spanish in the page code');
});
