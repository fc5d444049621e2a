/**
 * Acceptance of two-switch input (issue 8, limited dexterity): a simulated two-switch device
 * (move / select, nothing else) votes all five eg2026 contests, with preferential numbers
 * stepped by the move switch, leaving a number entry without marking, going back a contest,
 * review and confirmation; the test asserts the spoken prompts and the stored ballot.
 */
import test from 'ava';
import type { Utterance } from '../booth/accessibility/controller.ts';
import { startAccessibleBooth } from './helpers/booth-a11y-harness.ts';

function ids(utterances: readonly Utterance[]): string[][] {
  return utterances.map((utterance) => utterance.prompts.map((prompt) => prompt.id));
}

test('a full vote of the five contests with two switches alone', async (t) => {
  const cabin = await startAccessibleBooth('two-switch');
  t.teardown(() => cabin.close());
  const { booth, controller } = cabin;
  t.throws(() => cabin.device.press('down'), { message: /no key down/ }, 'the device really has only two switches');

  await booth.act({ type: 'DEVICE_INSERTED' });
  t.deepEqual(cabin.lastIds(), ['contest.presidencial.intro', 'org.presidencial.1']);

  // 1. Presidencial: 2.
  t.deepEqual(ids(await cabin.press('move')), [['org.presidencial.2']]);
  t.deepEqual(ids(await cabin.press('select')), [['state.chosen', 'org.presidencial.2']]);
  await cabin.moveTo('next', 'move');
  t.deepEqual(ids(await cabin.press('select')), [['contest.senado-nacional.intro', 'org.senado-nacional.1']]);

  // 2. Senado nacional: 1 with number 2; an entry left at "terminar" marks nothing.
  t.deepEqual(ids(await cabin.press('select')), [['state.chosen', 'org.senado-nacional.1']]);
  await cabin.moveTo('pref-entry', 'move');
  t.deepEqual(ids(await cabin.press('select')), [['candidate.senado-nacional.1.1']]);
  t.deepEqual(ids(await cabin.press('move')), [['candidate.senado-nacional.1.2']]);
  t.deepEqual(ids(await cabin.press('select')), [['preferential.added', 'candidate.senado-nacional.1.2']]);
  await cabin.press('select');
  for (let number = 2; number <= 30; number++) await cabin.press('move');
  t.is(controller.view().entry, 30);
  t.deepEqual(ids(await cabin.press('move')), [['preferential.entry-done']]);
  t.is(controller.view().entry, 0);
  t.deepEqual(ids(await cabin.press('select')), [['preferential.entry.2']], 'left the entry, focus spoken again');
  t.is(controller.view().entry, null);
  await cabin.moveTo('next', 'move');
  await cabin.press('select');

  // 3. Senado regional: back to the previous contest with the "back" item, then blank.
  await cabin.moveTo('back', 'move');
  t.deepEqual(cabin.lastIds(), ['nav.back-contest']);
  t.deepEqual(ids(await cabin.press('select')), [['contest.senado-nacional.intro', 'state.chosen', 'org.senado-nacional.1']]);
  await cabin.moveTo('next', 'move');
  await cabin.press('select');
  t.deepEqual(cabin.lastIds(), ['contest.senado-regional.intro', 'org.senado-regional.1']);
  await cabin.moveTo('blank', 'move');
  await cabin.press('select');
  await cabin.moveTo('next', 'move');
  await cabin.press('select');

  // 4. Diputados: null.
  await cabin.moveTo('null', 'move');
  t.deepEqual(ids(await cabin.press('select')), [['state.chosen', 'choice.null']]);
  await cabin.moveTo('next', 'move');
  await cabin.press('select');

  // 5. Parlamento Andino: 3 with numbers 1 and 3.
  await cabin.moveTo('org-3', 'move');
  await cabin.press('select');
  await cabin.moveTo('pref-entry', 'move');
  await cabin.press('select');
  t.deepEqual(ids(await cabin.press('select')), [['preferential.added', 'candidate.parlamento-andino.3.1']]);
  await cabin.press('select');
  await cabin.press('move');
  await cabin.press('move');
  t.deepEqual(ids(await cabin.press('select')), [['preferential.added', 'candidate.parlamento-andino.3.3']]);
  await cabin.moveTo('next', 'move');
  t.deepEqual(cabin.lastIds(), ['nav.to-review']);
  t.deepEqual(ids(await cabin.press('select')), [['screen.review', 'contest.presidencial.name', 'org.presidencial.2', 'review.change']]);

  // Review, then confirmation (the focus starts on "Confirmar mi voto").
  t.deepEqual(ids(await cabin.press('move')), [
    ['contest.senado-nacional.name', 'org.senado-nacional.1', 'preferential.label', 'candidate.senado-nacional.1.2', 'review.change'],
  ]);
  await cabin.moveTo('next', 'move');
  t.deepEqual(ids(await cabin.press('select')), [['screen.confirm', 'confirm.confirm']]);
  await cabin.press('select');
  t.is(booth.screen(), 'remove-device');
  t.deepEqual(cabin.lastIds(), ['screen.remove-device']);
  t.is(booth.calls.commitVote.length, 1);
  t.deepEqual(booth.calls.commitVote[0]?.ballot.choices, {
    presidencial: { kind: 'organization', organization: 2, preferential: [] },
    'senado-nacional': { kind: 'organization', organization: 1, preferential: [2] },
    'senado-regional': { kind: 'blank' },
    diputados: { kind: 'null' },
    'parlamento-andino': { kind: 'organization', organization: 3, preferential: [1, 3] },
  });
});
