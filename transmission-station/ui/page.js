// Transmission station page: renders the TransmissionView pushed on /events and relays the
// coordinator's buttons to POST /input. It decides nothing; the machine in Node is the authority.
// Plain DOM, no innerHTML (all text through textContent). Served as a static asset.
'use strict';

(function () {
  const $ = (id) => document.getElementById(id);
  let lastScreen = null;
  /** Revision of the view on screen: the server stamps each view so a stale one can be told. */
  let shownRevision = -1;

  function el(tag, props, children) {
    const node = document.createElement(tag);
    for (const [key, value] of Object.entries(props || {})) {
      if (key === 'text') node.textContent = value;
      else if (key === 'onclick') node.addEventListener('click', value);
      else node.setAttribute(key, value);
    }
    for (const child of children || []) node.appendChild(child);
    return node;
  }

  function post(event) {
    fetch('/input', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(event) })
      .then((response) => (response.ok ? response.json() : null))
      // The answer may be older than a view the event stream already brought (see shownRevision).
      .then((view) => { if (view && view.revision > shownRevision) { shownRevision = view.revision; render(view); } })
      .catch(() => undefined);
  }

  function render(view) {
    $('simulacro').hidden = !view.simulacro;
    $('election').textContent = view.election + ' — Mesa N.° ' + view.mesa;
    $('title').textContent = view.title;
    $('instruction').textContent = view.instruction;
    $('problem').hidden = view.problem === null;
    $('problem').textContent = view.problem === null ? '' : 'Problema: ' + view.problem;
    $('detail').hidden = view.detail === null;
    $('detail').textContent = view.detail === null ? '' : 'Detalle técnico (para soporte): ' + view.detail;
    const board = $('board');
    board.replaceChildren(...(view.board.length === 0
      ? [el('li', { text: 'Nada enviado todavía' })]
      : view.board.map((row) => el('li', { 'data-status': row.status, text: row.file + ': ' + row.status + (row.detail ? ' (' + row.detail + ')' : '') }))));
    $('work').hidden = view.work === null;
    if (view.work !== null) {
      $('work-text').textContent = view.work.text;
      $('work-bar').max = Math.max(1, view.work.total);
      $('work-bar').value = view.work.done;
    }
    $('backups').textContent = 'Respaldos verificados: ' + view.backups.done + ' de ' + view.backups.of +
      ' — Constancias impresas: resultado ' + view.printed.result + ', imagen ' + view.printed.image;
    const actions = [];
    for (const action of view.actions) {
      if (action === 'PRINT') {
        const input = el('input', { id: 'copies', type: 'number', min: '1', max: '20', value: '2' });
        actions.push(el('label', { for: 'copies', text: 'Copias' }), input);
        actions.push(el('button', { type: 'button', 'data-action': 'PRINT', text: 'Imprimir constancias', onclick: () => post({ type: 'PRINT', copies: Number(input.value) }) }));
      } else {
        const label = { RETRY: 'Reintentar', CONTINUE: 'Continuar', CLOSE: 'Cerrar la estación' }[action];
        actions.push(el('button', { type: 'button', 'data-action': action, text: label, onclick: () => post({ type: action }) }));
      }
    }
    $('actions').replaceChildren(...actions);
    if (view.screen !== lastScreen) $('title').focus();
    lastScreen = view.screen;
  }

  const events = new EventSource('/events');
  // The stream is ordered and always current (also after the station restarts and its
  // revisions start over), so its views are always shown; a POST answer only when newer.
  events.onmessage = (message) => {
    const view = JSON.parse(message.data);
    shownRevision = view.revision;
    render(view);
  };
})();
