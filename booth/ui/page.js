// Kiosk page: a display for the BoothView JSON the cabin pushes on /events, and a relay of the
// voter's taps to POST /input. It decides nothing: the machine in Node validates every event.
// Plain DOM, no framework, no innerHTML (all text goes through textContent). Served as a static
// asset (eslint does not lint .js here; keep this file small and boring).
'use strict';

(function () {
  const $ = (id) => document.getElementById(id);
  let view = null;
  let typed = '';
  let typedFor = '';
  let speechSeq = 0;
  let speechQueue = [];

  function el(tag, props, children) {
    const node = document.createElement(tag);
    for (const [key, value] of Object.entries(props || {})) {
      if (key === 'text') node.textContent = value;
      else if (key === 'class') node.className = value;
      else if (key === 'onclick') node.addEventListener('click', value);
      else node.setAttribute(key, value);
    }
    for (const child of children || []) if (child) node.appendChild(child);
    return node;
  }

  function button(text, key, onclick, extra) {
    return el('button', Object.assign({ type: 'button', text, 'data-key': key, onclick }, extra || {}));
  }

  function post(event) {
    fetch('/input', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(event) })
      .catch(() => undefined);
  }

  function hueOf(symbol) {
    let hash = 0;
    for (const char of symbol) hash = (hash * 31 + char.charCodeAt(0)) % 8;
    return 'hue-' + hash;
  }

  function organizationList(contest) {
    const chosen = contest.choice.kind === 'organization' ? contest.choice.organization : null;
    const items = contest.organizations.map((org) => {
      const label = org.number + ' — ' + org.name + ' (' + org.shortName + ')';
      const tile = el('button', {
        type: 'button', class: 'org', 'data-key': 'org-' + org.number, 'aria-label': label,
        'aria-pressed': String(chosen === org.number), onclick: () => post({ type: 'CHOOSE_ORGANIZATION', organization: org.number }),
      }, [
        el('span', { class: 'head', 'aria-hidden': 'true' }, [
          el('span', { class: 'badge ' + hueOf(org.symbol), text: org.shortName.slice(0, 4) }),
          el('span', { class: 'number', text: String(org.number) }),
        ]),
        el('span', { class: 'name', 'aria-hidden': 'true', text: org.name }),
      ]);
      return el('li', {}, [tile]);
    });
    return el('ul', { class: 'org-grid', 'aria-label': 'Organizaciones políticas' }, items);
  }

  function preferentialBox(contest) {
    const choice = contest.choice;
    const key = contest.id + '/' + choice.organization;
    if (typedFor !== key) { typed = ''; typedFor = key; }
    const marked = choice.preferential.map((p) =>
      button('Quitar ' + p.number + ' (' + p.name + ')', 'remove-' + p.number, () => post({ type: 'TOGGLE_PREFERENTIAL', candidate: p.number })));
    const keys = ['1', '2', '3', '4', '5', '6', '7', '8', '9', '0'].map((digit) =>
      button(digit, 'digit-' + digit, () => { if (typed.length < 3) { typed += digit; render(); } }, { 'aria-label': 'Dígito ' + digit }));
    const entry = view && view.accessibility ? view.accessibility.entry : null;
    const shown = entry !== null && entry !== undefined ? (entry === 0 ? 'terminar' : String(entry)) : typed;
    return el('fieldset', { class: 'preferential', 'data-key': 'pref-entry' }, [
      el('legend', { text: 'Voto preferencial (opcional, hasta ' + contest.maxPreferential + ')' }),
      el('p', { text: marked.length === 0 ? 'No marcó votos preferenciales.' : 'Votos preferenciales marcados:' }),
      marked.length === 0 ? null : el('div', { class: 'row' }, marked),
      el('p', {}, [
        el('span', { text: 'Número de candidato: ' }),
        el('output', { class: 'typed', id: 'typed', 'aria-live': 'polite', text: shown === '' ? '—' : shown }),
      ]),
      el('div', { class: 'keypad', role: 'group', 'aria-label': 'Teclado numérico' }, keys),
      el('div', { class: 'row' }, [
        button('Borrar', 'clear', () => { typed = ''; render(); }),
        button('Marcar número', 'mark', () => {
          if (typed === '') return;
          const candidate = Number(typed);
          typed = '';
          post({ type: 'TOGGLE_PREFERENTIAL', candidate });
          render();
        }, { class: 'primary' }),
      ]),
    ]);
  }

  function contestScreen(contest) {
    const kind = contest.choice.kind;
    return [
      el('h2', { text: 'Elección ' + contest.position + ' de ' + contest.total + ': ' + contest.name }),
      organizationList(contest),
      el('div', { class: 'row' }, [
        button('Voto en blanco', 'blank', () => post({ type: 'CHOOSE_BLANK' }), { 'aria-pressed': String(kind === 'blank') }),
        button('Voto nulo', 'null', () => post({ type: 'CHOOSE_NULL' }), { 'aria-pressed': String(kind === 'null') }),
      ]),
      kind === 'organization' && contest.maxPreferential > 0 ? preferentialBox(contest) : null,
      el('nav', { class: 'nav', 'aria-label': 'Navegación' }, [
        contest.position > 1 || contest.returnsToReview ? button('Anterior', 'back', () => post({ type: 'BACK' })) : null,
        button(contest.returnsToReview ? 'Volver a la revisión' : 'Siguiente', 'next', () => post({ type: 'NEXT' }), { class: 'primary' }),
      ]),
    ];
  }

  function reviewList(lines, withChange) {
    return el('ul', { class: 'review-list' }, lines.map((line) => el('li', {}, [
      el('span', { class: 'text' }, [el('span', { class: 'contest-name', text: line.contestName }), el('span', { text: line.text })]),
      withChange ? button('Cambiar', 'edit-' + line.contestId, () => post({ type: 'EDIT_CONTEST', contestId: line.contestId }),
        { 'aria-label': 'Cambiar ' + line.contestName }) : null,
    ])));
  }

  function screenContent(v) {
    switch (v.screen) {
      case 'contest': return contestScreen(v.contest);
      case 'review': return [reviewList(v.review, true), el('nav', { class: 'nav', 'aria-label': 'Navegación' }, [
        button('Anterior', 'back', () => post({ type: 'BACK' })),
        button('Continuar', 'next', () => post({ type: 'NEXT' }), { class: 'primary' }),
      ])];
      case 'confirm': return [reviewList(v.review, false), el('nav', { class: 'nav', 'aria-label': 'Navegación' }, [
        button('Volver a revisar', 'back', () => post({ type: 'BACK' })),
        button('Confirmar mi voto', 'confirm', () => post({ type: 'CONFIRM' }), { class: 'primary' }),
      ])];
      case 'inactivity-alert': return [button('Sigo aquí', 'still-here', () => post({ type: 'STILL_HERE' }), { class: 'primary' })];
      default: return [];
    }
  }

  // Audio ballot: plays the latest utterance's clips one after another on the headphones; a new
  // utterance (higher seq) interrupts the old one.
  function playNext() {
    const audio = $('speech');
    const clip = speechQueue.shift();
    if (clip === undefined) return;
    audio.src = clip;
    audio.play().catch(() => undefined);
  }

  function speak(speech) {
    if (!speech || speech.seq <= speechSeq) return;
    speechSeq = speech.seq;
    document.body.dataset.speechSeq = String(speech.seq);
    const audio = $('speech');
    audio.pause();
    audio.volume = Math.min(1, Math.max(0, speech.gain));
    speechQueue = speech.clips.slice();
    playNext();
  }

  function accessibility(a) {
    $('privacy').hidden = !(a && a.blanked);
    $('kb-privacy').hidden = !a;
    for (const node of document.querySelectorAll('.kb-focus')) node.classList.remove('kb-focus');
    if (!a) return;
    document.body.dataset.focus = a.focus || '';
    if (a.focus) {
      const node = document.querySelector('[data-key="' + CSS.escape(a.focus) + '"]');
      if (node) {
        node.classList.add('kb-focus');
        node.scrollIntoView({ block: 'nearest' });
      }
    }
    speak(a.speech);
  }

  function render() {
    const v = view;
    if (v === null) return;
    const body = document.body;
    body.className = 'text-' + v.display.textSize + ' contrast-' + v.display.contrast;
    $('simulacro').hidden = !v.simulacro;
    $('election').textContent = v.electionName;
    const screenKey = v.screen + '/' + (v.contest ? v.contest.id : '');
    const screenChanged = body.dataset.screenKey !== screenKey;
    body.dataset.screen = v.screen;
    body.dataset.screenKey = screenKey;
    $('title').textContent = v.title;
    $('message').textContent = v.message;
    const refusal = v.contest ? v.contest.refusal : null;
    $('refusal').hidden = refusal === null;
    $('refusal').textContent = refusal || '';
    const focusedKey = document.activeElement && document.activeElement.dataset ? document.activeElement.dataset.key : undefined;
    $('content').replaceChildren(...screenContent(v).filter(Boolean));
    const session = v.screen === 'contest' || v.screen === 'review' || v.screen === 'confirm';
    $('settings').hidden = !session;
    for (const b of document.querySelectorAll('[data-size]')) b.setAttribute('aria-pressed', String(b.dataset.size === v.display.textSize));
    for (const b of document.querySelectorAll('[data-contrast]')) b.setAttribute('aria-pressed', String(b.dataset.contrast === v.display.contrast));
    if (screenChanged) {
      $('live').textContent = v.title;
      $('title').focus();
    } else if (focusedKey) {
      const again = document.querySelector('[data-key="' + CSS.escape(focusedKey) + '"]');
      if (again) again.focus();
    }
    accessibility(v.accessibility);
  }

  $('speech').addEventListener('ended', playNext);
  $('speech').addEventListener('error', playNext);

  for (const b of document.querySelectorAll('[data-size]')) {
    b.addEventListener('click', () => post({ type: 'SET_DISPLAY', settings: { textSize: b.dataset.size } }));
  }
  for (const b of document.querySelectorAll('[data-contrast]')) {
    b.addEventListener('click', () => post({ type: 'SET_DISPLAY', settings: { contrast: b.dataset.contrast } }));
  }
  const events = new EventSource('/events');
  events.onmessage = (message) => {
    view = JSON.parse(message.data);
    render();
  };
})();
