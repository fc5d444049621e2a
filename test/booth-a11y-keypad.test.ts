/**
 * Acceptance of the audio ballot with the tactile keypad (issue 8): a voter votes all five eg2026
 * contests with the simulated HID keypad alone (preferential numbers, a refused extra number,
 * help and repeat, audio settings, screen blanking, a change from the review, confirmation), and
 * the test asserts the spoken prompts (id and text) step by step and the ballot the cabin stored.
 */
import test from 'ava';
import { allPrompts } from '../booth/accessibility/prompts.ts';
import type { Prompt } from '../booth/accessibility/prompts.ts';
import type { Utterance } from '../booth/accessibility/controller.ts';
import { contestDisplayName } from '../shared/ballot/describe.ts';
import type { ElectionDefinition } from '../shared/election/definition.ts';
import { loadEg2026 } from './helpers/booth-harness.ts';
import { startAccessibleBooth } from './helpers/booth-a11y-harness.ts';

const definition = loadEg2026();

function ids(utterances: readonly Utterance[]): string[][] {
  return utterances.map((utterance) => utterance.prompts.map((prompt) => prompt.id));
}

function orgName(def: ElectionDefinition, contestId: string, number: number): string {
  const org = def.contests.find((c) => c.id === contestId)?.organizations.find((o) => o.number === number);
  if (org === undefined) throw new Error(`no org ${number} in ${contestId}`);
  return org.name;
}

function candidateName(def: ElectionDefinition, contestId: string, org: number, candidate: number): string {
  const found = def.contests
    .find((c) => c.id === contestId)
    ?.organizations.find((o) => o.number === org)
    ?.candidates?.find((c) => c.number === candidate);
  if (found === undefined) throw new Error(`no candidate ${candidate} of org ${org} in ${contestId}`);
  return found.name;
}

function only(utterances: readonly Utterance[]): readonly Prompt[] {
  if (utterances.length !== 1 || utterances[0] === undefined) throw new Error(`expected one utterance, got ${JSON.stringify(ids(utterances))}`);
  return utterances[0].prompts;
}

test('a full vote of the five contests with the keypad alone: spoken prompts and the stored ballot', async (t) => {
  const cabin = await startAccessibleBooth('navigation');
  t.teardown(() => cabin.close());
  const { booth, controller } = cabin;
  const knownPrompts = new Map(allPrompts(definition).map((prompt) => [prompt.id, prompt.text]));

  // Device in: the first contest is announced, then the focused first organization.
  await booth.act({ type: 'DEVICE_INSERTED' });
  t.is(booth.screen(), 'contest');
  const intro = cabin.utterances.at(-1)?.prompts ?? [];
  t.deepEqual(intro.map((p) => p.id), ['contest.presidencial.intro', 'org.presidencial.1']);
  t.regex(intro[0]?.text ?? '', /^Elección 1 de 5: Presidente y Vicepresidentes de la República\. 36 organizaciones políticas, voto en blanco y voto nulo\./);
  t.is(intro[1]?.text, `1, ${orgName(definition, 'presidencial', 1)}, fórmula encabezada por ${candidateName(definition, 'presidencial', 1, 1)}.`);

  // 1. Presidencial: organization 8 (the 7th on the ballot: 7 is not running).
  t.deepEqual(ids(await cabin.press('down')), [['org.presidencial.2']]);
  await cabin.moveTo('org-8', 'down');
  t.deepEqual(cabin.lastIds(), ['org.presidencial.8']);
  const chosen = only(await cabin.press('select'));
  t.deepEqual(chosen.map((p) => p.id), ['state.chosen', 'org.presidencial.8']);
  t.is(chosen[0]?.text, 'Marcado:');
  // Up from the first item wraps to the end of the list: privacy, then "Siguiente elección".
  await cabin.moveTo('next', 'up');
  t.deepEqual(cabin.lastIds(), ['nav.next']);
  t.deepEqual(ids(await cabin.press('select')), [['contest.senado-nacional.intro', 'org.senado-nacional.1']]);

  // 2. Senado nacional: organization 12, preferential 15 and 3 entered with up/down/right.
  await cabin.moveTo('org-12', 'down');
  t.deepEqual(ids(await cabin.press('select')), [['state.chosen', 'org.senado-nacional.12']]);
  await cabin.moveTo('pref-entry', 'up');
  const entryItem = cabin.utterances.at(-1)?.prompts[0];
  t.is(entryItem?.id, 'preferential.entry.2');
  t.regex(entryItem?.text ?? '', /puede marcar hasta 2/);
  t.deepEqual(ids(await cabin.press('select')), [['candidate.senado-nacional.12.1']]);
  t.is(controller.view().entry, 1);
  t.deepEqual(ids(await cabin.press('right')), [['candidate.senado-nacional.12.11']]);
  for (let i = 0; i < 4; i++) await cabin.press('up');
  const fifteen = cabin.utterances.at(-1)?.prompts[0];
  t.deepEqual(fifteen, { id: 'candidate.senado-nacional.12.15', text: `Número 15, ${candidateName(definition, 'senado-nacional', 12, 15)}.` });
  t.deepEqual(ids(await cabin.press('select')), [['preferential.added', 'candidate.senado-nacional.12.15']]);
  t.is(controller.view().entry, null);
  await cabin.press('select');
  await cabin.press('up');
  await cabin.press('up');
  t.deepEqual(ids(await cabin.press('select')), [['preferential.added', 'candidate.senado-nacional.12.3']]);
  t.deepEqual(ids(await cabin.press('down')), [['preferential.marked', 'candidate.senado-nacional.12.3']]);
  t.deepEqual(ids(await cabin.press('down')), [['preferential.marked', 'candidate.senado-nacional.12.15']]);
  t.deepEqual(ids(await cabin.press('down')), [['nav.next']]);
  t.deepEqual(ids(await cabin.press('select')), [['contest.senado-regional.intro', 'org.senado-regional.1']]);

  // 3. Senado regional: organization 3, preferential 1; a second number is refused (max 1).
  await cabin.moveTo('org-3', 'down');
  await cabin.press('select');
  await cabin.moveTo('pref-entry', 'up');
  t.deepEqual(ids(await cabin.press('select')), [['candidate.senado-regional.3.1']]);
  t.deepEqual(ids(await cabin.press('select')), [['preferential.added', 'candidate.senado-regional.3.1']]);
  await cabin.press('select');
  // Down from 1 wraps to the organization's last candidate.
  t.deepEqual(ids(await cabin.press('down')), [['candidate.senado-regional.3.3']]);
  const refused = only(await cabin.press('select'));
  t.deepEqual(refused.map((p) => p.id), ['refusal.too-many-preferential']);
  t.regex(refused[0]?.text ?? '', /máximo de votos preferenciales/);
  await cabin.moveTo('next', 'down');
  await cabin.press('select');
  t.deepEqual(cabin.lastIds(), ['contest.diputados.intro', 'org.diputados.1']);

  // 4. Diputados: a held key moves once; NEXT without a choice is refused; help and repeat; blank.
  t.deepEqual(ids(await cabin.hold('down', 6)), [['org.diputados.2']], 'a held key is one press');
  await cabin.moveTo('next', 'up');
  t.deepEqual(ids(await cabin.press('select')), [['refusal.pending']]);
  t.is(booth.screen(), 'contest');
  const help = only(await cabin.press('help'));
  t.deepEqual(help.map((p) => p.id), ['help.contest']);
  t.deepEqual(only(await cabin.press('repeat')), help, 'repeat says the last message again');
  await cabin.moveTo('blank', 'up');
  t.deepEqual(ids(await cabin.press('select')), [['state.chosen', 'choice.blank']]);
  await cabin.moveTo('next', 'down');
  await cabin.press('select');
  t.deepEqual(cabin.lastIds(), ['contest.parlamento-andino.intro', 'org.parlamento-andino.1']);

  // 5. Parlamento Andino: null; audio rate and volume keys; the voter blanks the screen.
  await cabin.moveTo('null', 'up');
  t.deepEqual(ids(await cabin.press('select')), [['state.chosen', 'choice.null']]);
  const rate = only(await cabin.press('rate-up'));
  t.deepEqual(rate, [{ id: 'audio.rate.150', text: 'Velocidad 150 palabras por minuto.' }]);
  t.deepEqual(ids(await cabin.press('volume-down')), [['audio.volume.2']]);
  await cabin.moveTo('privacy', 'down');
  t.deepEqual(cabin.lastIds(), ['privacy.hide']);
  t.deepEqual(ids(await cabin.press('select')), [['privacy.hidden']]);
  t.true(controller.view().blanked);
  await cabin.moveTo('next', 'up');
  t.deepEqual(ids(await cabin.press('select')), [['screen.review', 'contest.presidencial.name', 'org.presidencial.8', 'review.change']]);
  t.is(booth.screen(), 'review');
  t.true(controller.view().blanked, 'the screen stays black for the whole session');

  // Review: each line is spoken from static prompts; diputados is changed to 5 with number 2.
  const line = only(await cabin.press('down'));
  t.deepEqual(line.map((p) => p.id), [
    'contest.senado-nacional.name',
    'org.senado-nacional.12',
    'preferential.label',
    'candidate.senado-nacional.12.3',
    'candidate.senado-nacional.12.15',
    'review.change',
  ]);
  const senadoNacional = definition.contests.find((c) => c.id === 'senado-nacional');
  t.is(line[0]?.text, senadoNacional === undefined ? 'missing' : `${contestDisplayName(senadoNacional)}:`);
  await cabin.moveTo('edit-diputados', 'down');
  t.deepEqual(cabin.lastIds(), ['contest.diputados.name', 'choice.blank', 'review.change']);
  t.deepEqual(ids(await cabin.press('select')), [['contest.diputados.intro', 'state.chosen', 'choice.blank']]);
  await cabin.moveTo('org-5', 'down');
  await cabin.press('select');
  await cabin.moveTo('pref-entry', 'up');
  await cabin.press('select');
  await cabin.press('up');
  t.deepEqual(ids(await cabin.press('select')), [['preferential.added', 'candidate.diputados.5.2']]);
  await cabin.moveTo('next', 'down');
  t.deepEqual(cabin.lastIds(), ['nav.return-review']);
  await cabin.press('select');
  t.is(booth.screen(), 'review');
  await cabin.moveTo('next', 'down');
  t.deepEqual(cabin.lastIds(), ['review.continue']);
  t.deepEqual(ids(await cabin.press('select')), [['screen.confirm', 'confirm.confirm']]);
  const spokenBeforeConfirm = cabin.utterances.length;
  await cabin.press('select');
  t.is(booth.screen(), 'remove-device');
  t.deepEqual(ids(cabin.utterances.slice(spokenBeforeConfirm)).at(-1), ['screen.remove-device']);

  t.deepEqual(booth.calls.commitVote.length, 1);
  t.deepEqual(booth.calls.commitVote[0]?.ballot.choices, {
    presidencial: { kind: 'organization', organization: 8, preferential: [] },
    'senado-nacional': { kind: 'organization', organization: 12, preferential: [3, 15] },
    'senado-regional': { kind: 'organization', organization: 3, preferential: [1] },
    diputados: { kind: 'organization', organization: 5, preferential: [2] },
    'parlamento-andino': { kind: 'null' },
  });

  // Every prompt spoken is one of the package's prompts, with the same text (so pre-rendered
  // clips cover the whole vote, and no text was built from the voter's choices).
  for (const utterance of cabin.utterances) {
    for (const prompt of utterance.prompts) t.is(knownPrompts.get(prompt.id), prompt.text, prompt.id);
  }

  // Next voter: settings reset.
  await booth.act({ type: 'DEVICE_REMOVED' });
  t.is(booth.screen(), 'ready');
  t.false(controller.view().blanked);
  await booth.act({ type: 'DEVICE_INSERTED' });
  t.deepEqual(ids(await cabin.press('volume-up')), [['audio.volume.4']], 'volume back at the default step');
});

test('held keys do not repeat, even when the keypad resends key-down without a key-up', async (t) => {
  const cabin = await startAccessibleBooth('navigation');
  t.teardown(() => cabin.close());
  await cabin.booth.act({ type: 'DEVICE_INSERTED' });
  const before = cabin.utterances.length;
  // Driver level: the device repeats its report 8 times while held.
  await cabin.hold('down', 8);
  t.is(cabin.controller.view().focus, 'org-2');
  // Controller level: repeated key-down events without key-up (a keypad with its own repeat).
  for (let i = 0; i < 5; i++) cabin.controller.handleKey({ type: 'down', key: 'down' });
  t.is(cabin.controller.view().focus, 'org-3');
  cabin.controller.handleKey({ type: 'up', key: 'down' });
  cabin.controller.handleKey({ type: 'down', key: 'down' });
  t.is(cabin.controller.view().focus, 'org-4');
  t.deepEqual(ids(cabin.utterances.slice(before)), [['org.presidencial.2'], ['org.presidencial.3'], ['org.presidencial.4']]);
});
