// Results station page: a display for the ResultsView JSON the station pushes on /events, and a
// relay of the members' taps and typed counts to POST /input. It decides nothing: the machine in
// Node compares, tallies and validates every request. The running sum next to each contest is
// a typing aid only. Plain DOM, no framework, no innerHTML (all text goes through textContent).
// Served as a static asset (eslint does not lint .js here).
'use strict';

(function () {
  const $ = (id) => document.getElementById(id);
  let view = null;
  /** Revision of the view on screen: the server stamps each view so a stale one can be told. */
  let shownRevision = -1;
  // The counts the members last sent for the cotejo, to correct them after the comparison.
  let lastCotejoValues = null;

  function el(tag, props, children) {
    const node = document.createElement(tag);
    for (const [key, value] of Object.entries(props || {})) {
      if (key === 'text') node.textContent = value;
      else if (key === 'class') node.className = value;
      else if (key === 'onclick') node.addEventListener('click', value);
      else if (key === 'onsubmit') node.addEventListener('submit', value);
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
      .then((response) => (response.ok ? response.json() : null))
      // The answer may be older than a view the event stream already brought (see shownRevision).
      .then((answer) => { if (answer && answer.revision > shownRevision) { shownRevision = answer.revision; view = answer; render(); } })
      .catch(() => undefined);
  }

  const row = (children) => el('div', { class: 'row' }, children);

  // --- Reading devices --------------------------------------------------------------------

  function progress(v) {
    if (v.progress === null) return null;
    const items = v.progress.cabins.map((cabin) => el('li', { text: 'Dispositivo de la ' + cabin.label + ': ' + (cabin.read ? 'leído y verificado' : 'pendiente') }));
    items.push(el('li', { text: 'Resumen de la estación de identificación: ' + (v.progress.identityRead ? 'leído y verificado' : 'pendiente') }));
    return el('section', { 'aria-labelledby': 'progress-title' }, [
      el('h2', { id: 'progress-title', text: 'Dispositivos' }),
      el('ul', { id: 'progress', class: 'plain' }, items),
    ]);
  }

  function devicePrompt(v) {
    if (v.device === null || v.screen === 'reading-device') {
      return v.device === null ? null : el('p', { id: 'device', class: 'device', text: 'Leyendo: dispositivo de la ' + v.device.label });
    }
    return el('p', { id: 'device', class: 'device', text: 'Dispositivo esperado: ' + v.device.label });
  }

  function findings(v) {
    if (v.findings.length === 0) return null;
    return el('section', { 'aria-labelledby': 'findings-title' }, [
      el('h2', { id: 'findings-title', text: 'Problemas encontrados' }),
      el('ul', { id: 'findings' }, v.findings.map((text) => el('li', { text }))),
    ]);
  }

  // --- Tally ------------------------------------------------------------------------------

  function tallySummary(v) {
    const t = v.tally;
    if (t === null) return null;
    const parts = [
      el('h2', { id: 'tally-title', text: 'Resumen del escrutinio' }),
      el('p', { id: 'tally-ballots', text: 'Cédulas contadas: ' + t.ballots + (t.art23Blanks > 0 ? ' · Votos en blanco por Art. 23: ' + t.art23Blanks : '') }),
    ];
    for (const [index, contest] of t.contests.entries()) {
      const head = el('tr', {}, ['Organización', 'Votos'].map((h) => el('th', { scope: 'col', text: h })));
      const rows = contest.organizations.map((o) => el('tr', {}, [el('td', { text: o.label }), el('td', { class: 'num', text: String(o.votes) })]));
      parts.push(el('section', { class: 'contest-summary', 'aria-labelledby': 'sum-' + index }, [
        el('h3', { id: 'sum-' + index, text: contest.name }),
        el('p', { text: 'Emitidos ' + contest.emitted + ' · Válidos ' + contest.valid + ' · En blanco ' + contest.blank + ' · Nulos ' + contest.null }),
        el('details', {}, [
          el('summary', { text: 'Votos por organización' }),
          el('table', { class: 'grid' }, [el('caption', { class: 'visually-hidden', text: 'Votos por organización: ' + contest.name }), el('thead', {}, [head]), el('tbody', {}, rows)]),
        ]),
      ]));
    }
    if (t.observations.length > 0) {
      parts.push(el('h3', { text: 'Observaciones para el acta' }));
      parts.push(el('ul', { id: 'observations' }, t.observations.map((text) => el('li', { text }))));
    }
    return el('section', { id: 'tally', 'aria-labelledby': 'tally-title' }, parts);
  }

  // --- Differences ------------------------------------------------------------------------

  function differences(v) {
    const d = v.differences;
    if (d === null) return null;
    if (d.rows.length === 0) return el('p', { id: 'no-differences', class: 'agree', text: 'Sin diferencias: el conteo coincide en todas las casillas.' });
    const head = el('tr', {}, ['Elección', 'Opción', d.firstLabel, d.secondLabel].map((h) => el('th', { scope: 'col', text: h })));
    const rows = d.rows.map((r) => el('tr', { 'data-field': r.field }, [
      el('td', { text: r.contest }), el('td', { text: r.option }), el('td', { class: 'num', text: r.first }), el('td', { class: 'num', text: r.second }),
    ]));
    return el('section', { 'aria-labelledby': 'differences-title' }, [
      el('h2', { id: 'differences-title', text: 'Diferencias (' + d.rows.length + ')' }),
      el('table', { id: 'differences', class: 'grid' }, [el('caption', { class: 'visually-hidden', text: 'Diferencias opción por opción' }), el('thead', {}, [head]), el('tbody', {}, rows)]),
    ]);
  }

  // --- Entry form -------------------------------------------------------------------------

  function fieldValue(index) {
    const input = $('f-' + index);
    if (!input || input.value === '') return 0;
    return Number(input.value);
  }

  /** Sum of a contest against the voters: a typing aid; the machine decides. */
  function updateChecks() {
    const form = view && view.form;
    if (!form) return;
    let expected = form.expectedVoters;
    if (form.kind === 'manual') {
      const ballots = $('f-0');
      expected = ballots && ballots.value !== '' ? Number(ballots.value) : null;
    }
    for (const contest of form.contests) {
      const sum = contest.fields.reduce((total, index) => total + fieldValue(index), 0);
      const check = $('check-' + contest.id);
      if (!check) continue;
      let text;
      let state;
      if (expected === null) { text = 'Suma: ' + sum + ' · escriba primero las cédulas contadas'; state = 'pending'; }
      else if (sum === expected) { text = 'Suma: ' + sum + ' de ' + expected + ' votantes · cuadra'; state = 'ok'; }
      else if (sum < expected) { text = 'Suma: ' + sum + ' de ' + expected + ' votantes · faltan ' + (expected - sum); state = 'off'; }
      else { text = 'Suma: ' + sum + ' de ' + expected + ' votantes · sobran ' + (sum - expected); state = 'off'; }
      check.textContent = text;
      const bar = $('checkbar-' + contest.id);
      if (bar) bar.dataset.state = state;
      const summary = $('summary-' + contest.id);
      if (summary) { summary.textContent = contest.name + ': ' + text; summary.dataset.state = state; }
    }
  }

  function fillValues(values) {
    for (const [index, value] of values.entries()) {
      const input = $('f-' + index);
      if (input) input.value = value === 0 ? '' : String(value);
    }
    updateChecks();
  }

  function readValues(form) {
    return form.fields.map((_, index) => fieldValue(index));
  }

  /** Enter moves to the next field (a half-typed sheet is never sent by accident). */
  function onFieldKey(event) {
    if (event.key !== 'Enter') return;
    event.preventDefault();
    const inputs = Array.from(document.querySelectorAll('#entry input.count'));
    const next = inputs[inputs.indexOf(event.target) + 1];
    if (next) next.focus(); else $('submit-entry').focus();
  }

  function onFieldInput(event) {
    const digits = event.target.value.replace(/[^0-9]/g, '').slice(0, 5);
    if (digits !== event.target.value) event.target.value = digits;
    updateChecks();
  }

  function countInput(form, index) {
    const field = form.fields[index];
    const flagged = form.flagged.includes(field.name);
    const label = el('label', { for: 'f-' + index }, [
      document.createTextNode(field.label),
      flagged ? el('span', { class: 'flag', text: ' — no coincide' }) : null,
    ]);
    const input = el('input', {
      id: 'f-' + index, name: field.name, class: 'count', type: 'text', inputmode: 'numeric', pattern: '[0-9]*',
      maxlength: '5', autocomplete: 'off', placeholder: '0',
    });
    if (flagged) input.setAttribute('aria-invalid', 'true');
    input.addEventListener('keydown', onFieldKey);
    input.addEventListener('input', onFieldInput);
    return el('div', { class: 'field' + (flagged ? ' flagged' : '') }, [label, input]);
  }

  function memberSelect(v) {
    const options = [el('option', { value: '', text: '— Elija su nombre —' })];
    for (const member of v.members) options.push(el('option', { value: member.id, text: member.label }));
    const select = el('select', { id: 'member', required: 'required' }, options);
    select.addEventListener('change', () => {
      // After a comparison, a member corrects their own entry: load it into the form.
      const entry = view.form.entries.find((e) => e.member === select.value);
      if (entry) fillValues(entry.values);
    });
    return [el('label', { for: 'member', text: 'Miembro que ingresa el conteo' }), select];
  }

  function entryForm(v) {
    const form = v.form;
    const manual = form.kind === 'manual';
    const parts = [];
    if (manual) {
      parts.push(...memberSelect(v));
      parts.push(el('p', { id: 'member-missing', class: 'refusal', hidden: 'hidden', text: 'Elija primero su nombre en la lista.' }));
      parts.push(el('div', { class: 'fields ballots' }, [countInput(form, 0)]));
    } else if (form.expectedVoters !== null) {
      parts.push(el('p', { id: 'expected', text: 'Votos emitidos según el resultado electrónico: ' + form.expectedVoters + ' en cada elección.' }));
    }
    for (const contest of form.contests) {
      parts.push(el('section', { class: 'contest', 'aria-labelledby': 'contest-' + contest.id }, [
        el('h2', { id: 'contest-' + contest.id, text: contest.name }),
        // Sticky while the contest's fields are typed, so it names the contest too.
        el('p', { id: 'checkbar-' + contest.id, class: 'check' }, [
          el('span', { class: 'check-contest', text: contest.name + ': ' }),
          el('span', { id: 'check-' + contest.id }),
        ]),
        el('div', { class: 'fields' }, contest.fields.map((index) => countInput(form, index))),
      ]));
    }
    parts.push(el('h2', { text: 'Resumen de las sumas' }));
    parts.push(el('ul', { id: 'checks-summary', class: 'plain' }, form.contests.map((c) => el('li', { id: 'summary-' + c.id, class: 'check' }))));
    const submitText = manual ? 'Registrar este ingreso' : (v.screen === 'cotejo-review' ? 'Comparar de nuevo' : 'Comparar con el resultado electrónico');
    parts.push(row([el('button', { type: 'submit', id: 'submit-entry', class: 'primary', 'data-key': 'submit-entry', text: submitText })]));
    const onsubmit = (event) => {
      event.preventDefault();
      const values = readValues(form);
      if (!manual) { lastCotejoValues = values; post({ type: 'COTEJO_ENTERED', values }); return; }
      const member = $('member').value;
      if (member === '') { $('member-missing').hidden = false; $('member').focus(); return; }
      post({ type: 'MANUAL_ENTRY', member, values });
    };
    const heading = v.screen === 'cotejo-review' ? 'Corregir el conteo' : 'Conteo por elección';
    return el('section', { 'aria-labelledby': 'entry-title' }, [
      el('h2', { id: 'entry-title', text: heading }),
      el('form', { id: 'entry', onsubmit, novalidate: 'novalidate' }, parts),
    ]);
  }

  // --- Screens ----------------------------------------------------------------------------

  function signatures(v) {
    const items = v.signatures.map((s) => el('li', { text: s.label }));
    return el('section', { 'aria-labelledby': 'signatures-title' }, [
      el('h2', { id: 'signatures-title', text: 'Firmas registradas: ' + v.signatures.length }),
      items.length === 0 ? el('p', { id: 'signatures-empty', text: 'Aún no firmó nadie.' }) : el('ul', { id: 'signatures' }, items),
      el('p', { id: 'signatures-state', text: v.signaturesComplete ? 'Ya firmaron el presidente y dos miembros.' : 'Faltan firmas: el presidente y al menos dos miembros.' }),
    ]);
  }

  function screenContent(v) {
    switch (v.screen) {
      case 'insert-cabin-device': case 'insert-identity-device': case 'reading-device': case 'device-refused':
        return [devicePrompt(v), progress(v)];
      case 'reconciliation-problems': return [findings(v), row([
        button('Leer de nuevo los dispositivos', 'reread', () => post({ type: 'REREAD_DEVICES' }), { class: 'primary' }),
        button('Registrar en el acta (credencial del presidente)', 'record-discrepancy', () => post({ type: 'RECORD_DISCREPANCY' })),
      ])];
      case 'reconciliation-blocked': return [findings(v), row([
        button('Leer de nuevo los dispositivos', 'reread', () => post({ type: 'REREAD_DEVICES' }), { class: 'primary' })])];
      case 'tallied': return [row([
        v.mode === 'electronic' ? button('Hacer el cotejo (Art. 28)', 'start-cotejo', () => post({ type: 'START_COTEJO' })) : null,
        button('Imprimir las actas', 'print-actas', () => post({ type: 'PRINT_ACTAS' }), { class: 'primary' }),
      ]), tallySummary(v)];
      case 'cotejo-entry': return [entryForm(v), row([button('Cancelar el cotejo', 'cancel-cotejo', () => post({ type: 'CANCEL_COTEJO' }))])];
      case 'cotejo-review': return [differences(v), row([
        button('Registrar el cotejo e imprimir', 'record-cotejo', () => post({ type: 'RECORD_COTEJO' }), { class: 'primary' }),
        button('Cancelar el cotejo', 'cancel-cotejo', () => post({ type: 'CANCEL_COTEJO' })),
      ]), entryForm(v)];
      case 'manual-entry-first': case 'manual-entry-second': return [entryForm(v)];
      case 'manual-mismatch': return [differences(v), entryForm(v)];
      case 'manual-invalid': return [findings(v), entryForm(v)];
      case 'printing-acta': return v.printing === null ? [] : [el('p', { id: 'printing', class: 'device',
        text: 'Copia ' + v.printing.index + ' de ' + v.printing.of + ': ' + v.printing.copy + (v.printing.reprint ? ' (reimpresión)' : '') })];
      case 'signing': return [signatures(v), row([button('Terminar las firmas', 'finish-signing', () => post({ type: 'FINISH_SIGNING' }), { class: 'primary' })])];
      case 'verifying-signature': return [signatures(v)];
      case 'consolidation-fault': return [row([button('Reintentar', 'retry-write', () => post({ type: 'RETRY_WRITE' }), { class: 'primary' })])];
      case 'closed': return [signatures(v), tallySummary(v)];
      default: return [];
    }
  }

  function statusLine(v) {
    if (v.mode === 'manual-count') return 'Conteo manual (mesa que votó en cédula)';
    return 'Escrutinio electrónico';
  }

  function render() {
    const v = view;
    if (v === null) return;
    const body = document.body;
    $('simulacro').hidden = !v.simulacro;
    $('election').textContent = v.electionName;
    $('mesa-line').textContent = 'Mesa ' + v.mesa.number + ' — ' + v.mesa.place;
    const screenChanged = body.dataset.screen !== v.screen;
    body.dataset.screen = v.screen;
    $('title').textContent = v.title;
    $('instruction').textContent = v.instruction;
    $('refusal').hidden = v.refusal === null;
    $('refusal').textContent = v.refusal || '';
    $('notice').hidden = v.notice === null;
    $('notice').textContent = v.notice || '';
    $('status-line').textContent = statusLine(v);
    // Keep what the members are typing (and where) when the same screen is redrawn.
    const kept = {};
    for (const input of document.querySelectorAll('#content input, #content select')) kept[input.id] = input.value;
    const focusedId = document.activeElement ? document.activeElement.id : '';
    const focusedKey = document.activeElement && document.activeElement.dataset ? document.activeElement.dataset.key : undefined;
    $('content').replaceChildren(...screenContent(v).filter(Boolean));
    if (!screenChanged) {
      for (const [id, value] of Object.entries(kept)) { const input = $(id); if (input) input.value = value; }
    } else if (v.screen === 'cotejo-review' && lastCotejoValues !== null) {
      fillValues(lastCotejoValues);
    }
    updateChecks();
    if (screenChanged) {
      $('live').textContent = v.title;
      const first = document.querySelector('#entry select, #entry input');
      if (first && v.screen !== 'cotejo-review' && v.screen !== 'manual-mismatch' && v.screen !== 'manual-invalid') first.focus();
      else $('title').focus();
    } else if (focusedId && $(focusedId)) {
      $(focusedId).focus();
    } else if (focusedKey) {
      const again = document.querySelector('[data-key="' + CSS.escape(focusedKey) + '"]');
      if (again) again.focus();
    }
  }

  // The stream is ordered and always current (also after the station restarts and its
  // revisions start over), so its views are always shown; a POST answer only when newer.
  const events = new EventSource('/events');
  events.onmessage = (message) => {
    view = JSON.parse(message.data);
    shownRevision = view.revision;
    render();
  };
})();
