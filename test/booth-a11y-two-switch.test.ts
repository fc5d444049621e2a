/**
 * Acceptance of two-switch input (issue 8, limited dexterity): a simulated two-switch device
 * (move / select, nothing else) votes all five eg2026 contests, with preferential numbers
 * stepped by the move switch, leaving a number entry without marking, going back a contest,
 * review and confirmation; the test asserts the spoken prompts step by step, by id AND text (as
 * the keypad acceptance does), and the ballot the cabin stored. The instructions spoken name the
 * two switches, never keys the device does not have.
 */
import test from 'ava';
import type { Utterance } from '../booth/accessibility/controller.ts';
import { allPrompts, type Prompt } from '../booth/accessibility/prompts.ts';
import { contestDisplayName } from '../shared/ballot/describe.ts';
import { loadEg2026 } from './helpers/booth-harness.ts';
import { startAccessibleBooth } from './helpers/booth-a11y-harness.ts';

const definition = loadEg2026();
const SWITCH_KEYS = 'El interruptor Mover recorre las opciones; el interruptor Seleccionar elige.';

function ids(utterances: readonly Utterance[]): string[][] {
  return utterances.map((utterance) => utterance.prompts.map((prompt) => prompt.id));
}

/** What was said, as plain {id, text} prompts per utterance. */
function said(utterances: readonly Utterance[]): Prompt[][] {
  return utterances.map((utterance) => utterance.prompts.map(({ id, text }) => ({ id, text })));
}

function contestOf(contestId: string) {
  const contest = definition.contests.find((c) => c.id === contestId);
  if (contest === undefined) throw new Error(`no contest ${contestId}`);
  return contest;
}

function org(contestId: string, number: number): Prompt {
  const found = contestOf(contestId).organizations.find((o) => o.number === number);
  if (found === undefined) throw new Error(`no org ${number} in ${contestId}`);
  const head = contestId === 'presidencial' ? `, fórmula encabezada por ${found.candidates?.[0]?.name ?? 'missing'}` : '';
  return { id: `org.${contestId}.${number}`, text: `${number}, ${found.name}${head}.` };
}

function candidate(contestId: string, organization: number, number: number): Prompt {
  const name = contestOf(contestId).organizations.find((o) => o.number === organization)?.candidates?.find((c) => c.number === number)?.name;
  if (name === undefined) throw new Error(`no candidate ${number} of ${organization} in ${contestId}`);
  return { id: `candidate.${contestId}.${organization}.${number}`, text: `Número ${number}, ${name}.` };
}

function intro(contestId: string, position: number, preferential: string): Prompt {
  const contest = contestOf(contestId);
  return {
    id: `contest.${contestId}.intro-two-switch`,
    text: `Elección ${position} de 5: ${contestDisplayName(contest)}. ${contest.organizations.length} organizaciones políticas, voto en blanco y voto nulo.${preferential} ${SWITCH_KEYS}`,
  };
}

const contestName = (contestId: string): Prompt => ({ id: `contest.${contestId}.name`, text: `${contestDisplayName(contestOf(contestId))}:` });
const CHOSEN: Prompt = { id: 'state.chosen', text: 'Marcado:' };
const ADDED: Prompt = { id: 'preferential.added', text: 'Voto preferencial marcado:' };
const CHANGE: Prompt = { id: 'review.change', text: 'Seleccione para cambiarla.' };

test('a full vote of the five contests with two switches alone: spoken prompts (id and text) and the stored ballot', async (t) => {
  const cabin = await startAccessibleBooth('two-switch');
  t.teardown(() => cabin.close());
  const { booth, controller } = cabin;
  t.throws(() => cabin.device.press('down'), { message: /no key down/ }, 'the device really has only two switches');

  await booth.act({ type: 'DEVICE_INSERTED' });
  t.deepEqual(said(cabin.utterances.slice(-1)), [[intro('presidencial', 1, ''), org('presidencial', 1)]]);
  t.regex(intro('presidencial', 1, '').text, /^Elección 1 de 5: Presidente y Vicepresidentes de la República\. 36 organizaciones políticas, voto en blanco y voto nulo\. El interruptor Mover/);

  // 1. Presidencial: 2.
  t.deepEqual(said(await cabin.press('move')), [[org('presidencial', 2)]]);
  t.deepEqual(said(await cabin.press('select')), [[CHOSEN, org('presidencial', 2)]]);
  await cabin.moveTo('next', 'move');
  t.deepEqual(said(cabin.utterances.slice(-1)), [[{ id: 'nav.next', text: 'Siguiente elección.' }]]);
  const senadoIntro = intro('senado-nacional', 2, ' Después de elegir una organización puede marcar hasta 2 votos preferenciales.');
  t.deepEqual(said(await cabin.press('select')), [[senadoIntro, org('senado-nacional', 1)]]);

  // 2. Senado nacional: 1 with number 2; an entry left at "terminar" marks nothing.
  t.deepEqual(said(await cabin.press('select')), [[CHOSEN, org('senado-nacional', 1)]]);
  await cabin.moveTo('pref-entry', 'move');
  const entry: Prompt = { id: 'preferential.entry.2', text: 'Voto preferencial, opcional: puede marcar hasta 2. Seleccione para elegir el número de un candidato.' };
  t.deepEqual(said(cabin.utterances.slice(-1)), [[entry]]);
  t.deepEqual(said(await cabin.press('select')), [[candidate('senado-nacional', 1, 1)]]);
  t.deepEqual(said(await cabin.press('move')), [[candidate('senado-nacional', 1, 2)]]);
  t.deepEqual(said(await cabin.press('select')), [[ADDED, candidate('senado-nacional', 1, 2)]]);
  await cabin.press('select');
  for (let number = 2; number <= 30; number++) await cabin.press('move');
  t.is(controller.view().entry, 30);
  t.deepEqual(said(cabin.utterances.slice(-1)), [[candidate('senado-nacional', 1, 30)]]);
  t.deepEqual(said(await cabin.press('move')), [[{ id: 'preferential.entry-done', text: 'Terminar sin marcar.' }]]);
  t.is(controller.view().entry, 0);
  t.deepEqual(said(await cabin.press('select')), [[entry]], 'left the entry, focus spoken again');
  t.is(controller.view().entry, null);
  await cabin.moveTo('next', 'move');
  await cabin.press('select');

  // 3. Senado regional: back to the previous contest with the "back" item, then blank.
  await cabin.moveTo('back', 'move');
  t.deepEqual(said(cabin.utterances.slice(-1)), [[{ id: 'nav.back-contest', text: 'Volver a la elección anterior.' }]]);
  t.deepEqual(said(await cabin.press('select')), [[senadoIntro, CHOSEN, org('senado-nacional', 1)]]);
  await cabin.moveTo('next', 'move');
  await cabin.press('select');
  t.deepEqual(said(cabin.utterances.slice(-1)), [
    [intro('senado-regional', 3, ' Después de elegir una organización puede marcar hasta 1 voto preferencial.'), org('senado-regional', 1)],
  ]);
  await cabin.moveTo('blank', 'move');
  t.deepEqual(said(await cabin.press('select')), [[CHOSEN, { id: 'choice.blank', text: 'Voto en blanco.' }]]);
  await cabin.moveTo('next', 'move');
  await cabin.press('select');

  // 4. Diputados: null.
  await cabin.moveTo('null', 'move');
  t.deepEqual(said(await cabin.press('select')), [[CHOSEN, { id: 'choice.null', text: 'Voto nulo.' }]]);
  await cabin.moveTo('next', 'move');
  await cabin.press('select');

  // 5. Parlamento Andino: 3 with numbers 1 and 3.
  await cabin.moveTo('org-3', 'move');
  await cabin.press('select');
  await cabin.moveTo('pref-entry', 'move');
  await cabin.press('select');
  t.deepEqual(said(await cabin.press('select')), [[ADDED, candidate('parlamento-andino', 3, 1)]]);
  await cabin.press('select');
  await cabin.press('move');
  await cabin.press('move');
  t.deepEqual(said(await cabin.press('select')), [[ADDED, candidate('parlamento-andino', 3, 3)]]);
  await cabin.moveTo('next', 'move');
  t.deepEqual(said(cabin.utterances.slice(-1)), [[{ id: 'nav.to-review', text: 'Ir a revisar su voto.' }]]);
  const review: Prompt = {
    id: 'screen.review-two-switch',
    text: 'Revise su voto. El interruptor Mover recorre cada elección y su opción; Seleccionar permite cambiarla.',
  };
  t.deepEqual(said(await cabin.press('select')), [[review, contestName('presidencial'), org('presidencial', 2), CHANGE]]);

  // Review, then confirmation (the focus starts on "Confirmar mi voto").
  t.deepEqual(said(await cabin.press('move')), [
    [contestName('senado-nacional'), org('senado-nacional', 1), { id: 'preferential.label', text: 'Votos preferenciales:' }, candidate('senado-nacional', 1, 2), CHANGE],
  ]);
  await cabin.moveTo('next', 'move');
  t.deepEqual(said(cabin.utterances.slice(-1)), [[{ id: 'review.continue', text: 'Continuar para confirmar su voto.' }]]);
  t.deepEqual(said(await cabin.press('select')), [
    [
      { id: 'screen.confirm', text: 'Confirme su voto. Al confirmar, el voto queda registrado y ya no podrá cambiarlo.' },
      { id: 'confirm.confirm', text: 'Confirmar mi voto. Al seleccionar, su voto queda registrado y ya no podrá cambiarlo.' },
    ],
  ]);
  await cabin.press('select');
  t.is(booth.screen(), 'remove-device');
  t.deepEqual(said(cabin.utterances.slice(-1)), [
    [{ id: 'screen.remove-device', text: 'Gracias por votar. Su voto fue registrado. Retire el dispositivo de activación y la constancia, y devuélvalos a la mesa.' }],
  ]);
  t.is(booth.calls.commitVote.length, 1);
  t.deepEqual(booth.calls.commitVote[0]?.ballot.choices, {
    presidencial: { kind: 'organization', organization: 2, preferential: [] },
    'senado-nacional': { kind: 'organization', organization: 1, preferential: [2] },
    'senado-regional': { kind: 'blank' },
    diputados: { kind: 'null' },
    'parlamento-andino': { kind: 'organization', organization: 3, preferential: [1, 3] },
  });

  // Every prompt of the whole vote (also those the moves above passed over) is one of the
  // package's prompts with the same text, so pre-rendered clips cover it; none names a key the
  // two-switch device does not have.
  const known = new Map(allPrompts(definition).map((prompt) => [prompt.id, prompt.text]));
  for (const prompt of cabin.utterances.flatMap((u) => u.prompts)) {
    t.is(known.get(prompt.id), prompt.text, prompt.id);
    t.notRegex(prompt.text, /[Ff]lecha|[Tt]ecla|Atrás|Repetir/, prompt.id);
  }
  t.true(ids(cabin.utterances).flat().length > 150, 'the whole vote was spoken, not only the asserted steps');
});
