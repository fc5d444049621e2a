// Identity station page: a display for the IdentityView JSON the station pushes on /events, and a
// relay of the president's keys and taps to POST /input. It decides nothing: the machine in Node
// parses every DNI and validates every event. Plain DOM, no framework, no innerHTML (all text
// goes through textContent). Served as a static asset (eslint does not lint .js here). Every
// fixed Spanish label comes in the view (`v.texts`, from messages.ts IDENTITY_PAGE_TEXTS).
'use strict';

(function () {
  const $ = (id) => document.getElementById(id);
  let view = null;

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

  /** Posts an event; `then` gets the view the server answered with (the machine's verdict). */
  function post(event, then) {
    fetch('/input', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(event) })
      .then((response) => (response.ok ? response.json() : null))
      .then((answer) => { if (answer && then) then(answer); })
      .catch(() => undefined);
  }

  function dniField(id, label) {
    return [
      el('label', { for: id, text: label }),
      el('input', {
        id, class: 'dni', type: 'text', inputmode: 'numeric', autocomplete: 'off', spellcheck: 'false',
        maxlength: '20', 'aria-describedby': 'refusal',
      }),
    ];
  }

  /** Sends `make(text)` and clears the field when the machine accepted it (no refusal). */
  function submitFrom(id, make) {
    const input = $(id);
    const text = input ? input.value : '';
    post(make(text), (answer) => {
      const again = $(id);
      if (!again) return;
      if (answer.refusal === null) again.value = '';
      else again.select();
    });
  }

  function form(id, onsubmitEvent, children) {
    return el('form', { id: id + '-form', onsubmit: (e) => { e.preventDefault(); submitFrom(id, onsubmitEvent); } }, children);
  }

  function mesaData(v) {
    const m = v.mesa;
    const T = v.texts;
    const rows = [
      [T.mesaNumber, m.number], [T.mesaPlace, m.place], [T.mesaAddress, m.address],
      [T.mesaDistrict, m.district], [T.mesaProvince, m.province], [T.mesaDepartment, m.department],
      [T.mesaElectoresHabiles, String(m.electoresHabiles)], [T.mesaCabins, String(m.cabins)],
    ];
    if (m.softwareCode !== null) rows.push([T.mesaSoftwareCode, m.softwareCode]);
    const items = [];
    for (const [term, value] of rows) { items.push(el('dt', { text: term })); items.push(el('dd', { text: value })); }
    return el('dl', { class: 'mesa' }, items);
  }

  function memberTable(v) {
    const T = v.texts;
    if (v.members.length === 0) return el('p', { id: 'members-empty', text: T.noMembersYet });
    const head = el('tr', {}, [T.columnRole, T.columnDni, T.columnName].map((h) => el('th', { scope: 'col', text: h })));
    const rows = v.members.map((m) => el('tr', {}, [
      el('td', { text: m.role + (m.takenFromLine ? T.takenFromLineSuffix : '') }),
      el('td', { text: m.dni }),
      el('td', { text: m.name === null ? '—' : m.name }),
    ]));
    return el('table', { class: 'members', id: 'members' }, [
      el('caption', { class: 'visually-hidden', text: T.membersCaption }),
      el('thead', {}, [head]), el('tbody', {}, rows),
    ]);
  }

  function installation(v) {
    const T = v.texts;
    const parts = [
      el('h2', { text: T.membersCountPrefix + v.members.length }),
      memberTable(v),
      form('member-dni', (text) => ({ type: 'MEMBER_ARRIVED', dni: text }), [
        ...dniField('member-dni', T.memberDniLabel),
        el('div', { class: 'row' }, [el('button', { type: 'submit', 'data-key': 'register-member', text: T.registerMember })]),
      ]),
    ];
    if (v.mayTakeVoterAsMember) {
      const roles = [['presidente', T.rolePresidente], ['secretario', T.roleSecretario], ['tercer-miembro', T.roleTercerMiembro]];
      parts.push(el('h2', { text: T.takeFromLineHeading }));
      parts.push(el('label', { for: 'line-role', text: T.roleLabel }));
      parts.push(el('select', { id: 'line-role' }, roles.map(([value, text]) => el('option', { value, text }))));
      parts.push(el('div', { class: 'row' }, [button(T.takeFromLine, 'take-from-line', () =>
        submitFrom('member-dni', (text) => ({ type: 'TAKE_VOTER_AS_MEMBER', dni: text, role: $('line-role').value })))]));
    }
    parts.push(el('div', { class: 'row' }, [button(T.install, 'install', () => post({ type: 'INSTALL' }), { class: 'primary' })]));
    parts.push(observationForm(v));
    return parts;
  }

  /** The president's observations for the acta being prepared; the machine checks and files them. */
  function observationForm(v) {
    const T = v.texts;
    const send = () => {
      const area = $('observation');
      // Not cleared here: an accepted observation moves to the recording screen (the field goes
      // away); a refused one stays on this screen with its text, for the president to correct.
      post({ type: 'ADD_OBSERVATION', text: area ? area.value : '' }, () => { const again = $('observation'); if (again) again.focus(); });
    };
    return el('section', { class: 'observations', 'aria-labelledby': 'observation-heading' }, [
      el('h2', { id: 'observation-heading', text: T.observationHeading }),
      el('label', { for: 'observation', text: T.observationLabel }),
      el('textarea', { id: 'observation', rows: '3', cols: '60', 'aria-describedby': 'observation-note' }),
      el('div', { class: 'row' }, [button(T.addObservation, 'add-observation', send)]),
      el('p', { id: 'observation-note', role: 'status', text: v.observationNote || '' }),
    ]);
  }

  function idle(v) {
    const T = v.texts;
    const withDni = (type) => () => submitFrom('dni', (text) => ({ type, dni: text }));
    return [
      form('dni', (text) => ({ type: 'DNI_ENTERED', text }), [
        ...dniField('dni', T.voterDniLabel),
        el('div', { class: 'row' }, [el('button', { type: 'submit', class: 'primary', 'data-key': 'check', text: T.checkPadron })]),
      ]),
      el('h2', { text: T.withTypedDniHeading }),
      el('div', { class: 'row' }, [
        button(T.deviceReturned, 'device-returned', withDni('DEVICE_RETURNED')),
        button(T.lostDevice, 'lost-device', withDni('LOST_DEVICE_DECLARED')),
        button(T.impugn, 'impugn', withDni('IMPUGN')),
      ]),
      el('h2', { text: T.otherActionsHeading }),
      el('div', { class: 'row' }, [
        button(T.assistedVoter, 'assisted', () => post({ type: 'ASSISTED_VOTER' })),
        button(T.closeVoting, 'close-voting', () => post({ type: 'CLOSE_VOTING' })),
      ]),
      el('p', { id: 'assisted-count', text: T.assistedCountPrefix + v.assistedVoters }),
      observationForm(v),
    ];
  }

  function voterPanel(v, verdict, yes) {
    const voter = v.voter;
    return el('section', { class: 'outcome ' + (yes ? 'yes' : 'no'), id: 'outcome', 'aria-label': v.texts.searchResult }, [
      el('p', { class: 'verdict', id: 'verdict', text: verdict }),
      voter && voter.name !== null ? el('p', { class: 'name', id: 'voter-name', text: voter.name }) : null,
      voter ? el('p', { id: 'voter-dni', text: v.texts.dniPrefix + voter.dni }) : null,
    ]);
  }

  function screenContent(v) {
    const T = v.texts;
    const next = () => button(T.nextVoter, 'done', () => post({ type: 'DONE' }), { class: 'primary' });
    const retry = () => button(T.retry, 'retry', () => post({ type: 'RETRY' }), { class: 'primary' });
    const cancel = () => button(T.cancel, 'done', () => post({ type: 'DONE' }));
    switch (v.screen) {
      case 'confirm-mesa-data': return [mesaData(v), el('div', { class: 'row' }, [
        button(T.confirmMesaData, 'confirm-mesa', () => post({ type: 'CONFIRM_MESA_DATA' }), { class: 'primary' })])];
      case 'installation': return installation(v);
      case 'awaiting-opening': return [el('h2', { text: T.membersHeading }), memberTable(v)];
      case 'awaiting-dni': return idle(v);
      case 'voter-may-vote': return [voterPanel(v, T.verdictMayVote, true), el('p', { class: 'verdict', text: T.handOverDevice }),
        el('div', { class: 'row' }, [
          button(T.issueDevice, 'issue', () => post({ type: 'ISSUE_DEVICE' }), { class: 'primary' }),
          button(T.impugn, 'impugn', () => post({ type: 'IMPUGN' })),
          cancel(),
        ])];
      case 'voter-not-in-padron': return [voterPanel(v, T.verdictNotInPadron, false), next()];
      case 'voter-already-voted': return [voterPanel(v, T.verdictAlreadyVoted, false), next()];
      case 'voter-holds-device': return [voterPanel(v, T.verdictHoldsDevice, false), next()];
      case 'voter-impugned': return [voterPanel(v, T.verdictImpugned, false), next()];
      case 'issue-failed': return [retry(), cancel()];
      case 'device-out': case 'device-refused': case 'device-claimed': case 'voted-recorded': case 'record-failed': case 'outstanding-devices':
        return [next()];
      case 'art23-choice': return [el('div', { class: 'row' }, [
        button(T.letTryAgain, 'let-try-again', () => post({ type: 'LET_TRY_AGAIN' }), { class: 'primary' }),
        button(T.recordNotVoted, 'record-not-voted', () => post({ type: 'RECORD_NOT_VOTED' })),
      ])];
      case 'printer-fault': case 'consolidation-fault': return [retry()];
      case 'closed': return [button(T.exportNonVoters, 'export-non-voters', () => post({ type: 'EXPORT_NON_VOTERS' }))];
      default: return [];
    }
  }

  function render() {
    const v = view;
    if (v === null) return;
    const body = document.body;
    $('simulacro').hidden = !v.simulacro;
    $('election').textContent = v.electionName;
    $('mesa-line').textContent = v.texts.mesaLinePrefix + v.mesa.number + ' — ' + v.mesa.place;
    const screenChanged = body.dataset.screen !== v.screen;
    body.dataset.screen = v.screen;
    $('title').textContent = v.title;
    $('instruction').textContent = v.instruction;
    $('refusal').hidden = v.refusal === null;
    $('refusal').textContent = v.refusal || '';
    $('outstanding').textContent = v.texts.outstandingPrefix + v.outstandingDevices;
    // Keep what the president is typing (and where) when the same screen is redrawn.
    const kept = {};
    for (const input of document.querySelectorAll('#content input, #content select, #content textarea')) kept[input.id] = input.value;
    const focusedId = document.activeElement ? document.activeElement.id : '';
    const focusedKey = document.activeElement && document.activeElement.dataset ? document.activeElement.dataset.key : undefined;
    $('content').replaceChildren(...screenContent(v).filter(Boolean));
    if (!screenChanged) for (const [id, value] of Object.entries(kept)) { const input = $(id); if (input) input.value = value; }
    const field = document.querySelector('#content input.dni');
    if (screenChanged) {
      $('live').textContent = v.title;
      if (field) field.focus(); else $('title').focus();
    } else if (focusedId && $(focusedId)) {
      $(focusedId).focus();
    } else if (focusedKey) {
      const again = document.querySelector('[data-key="' + CSS.escape(focusedKey) + '"]');
      if (again) again.focus();
    } else if (field && document.activeElement === document.body) {
      field.focus();
    }
  }

  const events = new EventSource('/events');
  events.onmessage = (message) => {
    view = JSON.parse(message.data);
    render();
  };
})();
