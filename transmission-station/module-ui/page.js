// Transmission module page: renders the ModuleView pushed on /events and relays the operator's
// buttons to POST /input. It decides nothing; the machine in Node is the authority.
// Plain DOM, no innerHTML (all text through textContent). Served as a static asset.
'use strict';

(function () {
  const $ = (id) => document.getElementById(id);
  let lastScreen = null;
  let shownRevision = -1;
  let copiesSet = false;

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
      .then((view) => { if (view && view.revision > shownRevision) { shownRevision = view.revision; render(view); } })
      .catch(() => undefined);
  }

  const LABELS = {
    RECEIVE: 'Recibir dispositivo',
    SEND: 'Enviar ahora',
    RETRY: 'Reintentar',
    SKIP_SCAN: 'Continuar sin imagen',
    CONTINUE: 'Continuar',
    FINISH: 'Terminar: grabar respaldos',
    CLOSE: 'Cerrar el módulo',
  };

  function printButton(row, what) {
    const text = what === 'result' ? 'Resultado' : 'Imagen';
    return el('button', {
      type: 'button',
      'data-print': row.mesa + ':' + what,
      'aria-label': 'Imprimir constancia de ' + (what === 'result' ? 'resultado' : 'imagen') + ' de la mesa ' + row.mesa,
      text: text,
      onclick: () => post({ type: 'PRINT', mesa: row.mesa, what: what, copies: Number($('copies').value) }),
    });
  }

  function render(view) {
    $('simulacro').hidden = !view.simulacro;
    $('election').textContent = view.election + ' — ' + view.place;
    $('title').textContent = view.title;
    $('instruction').textContent = view.instruction;
    $('problem').hidden = view.problem === null;
    $('problem').textContent = view.problem === null ? '' : 'Problema: ' + view.problem;
    $('detail').hidden = view.detail === null;
    $('detail').textContent = view.detail === null ? '' : 'Detalle técnico (para soporte): ' + view.detail;
    if (!copiesSet) { $('copies').value = String(view.copies); copiesSet = true; }
    $('board-rows').replaceChildren(...view.board.map((row) => {
      const buttons = [];
      if (row.canPrint) buttons.push(printButton(row, 'result'));
      if (row.canPrintImage) buttons.push(printButton(row, 'image'));
      return el('tr', { 'data-mesa': row.mesa, 'data-status': row.status }, [
        el('th', { scope: 'row', text: row.mesa }),
        el('td', { class: 'status-' + row.status, text: row.text }),
        el('td', {}, buttons),
      ]);
    }));
    $('foreign').replaceChildren(...(view.foreign.length === 0
      ? [el('li', { text: 'Ninguno' })]
      : view.foreign.map((line) => el('li', { text: line }))));
    $('work').hidden = view.work === null;
    if (view.work !== null) {
      $('work-text').textContent = view.work.text;
      $('work-bar').max = Math.max(1, view.work.total);
      $('work-bar').value = view.work.done;
    }
    $('backups').textContent = 'Respaldos verificados: ' + view.backups.done + ' de ' + view.backups.of;
    $('actions').replaceChildren(...view.actions.map((action) =>
      el('button', { type: 'button', 'data-action': action, text: LABELS[action], onclick: () => post({ type: action }) })));
    if (view.screen !== lastScreen) $('title').focus();
    lastScreen = view.screen;
  }

  const events = new EventSource('/events');
  events.onmessage = (message) => {
    const view = JSON.parse(message.data);
    shownRevision = view.revision;
    render(view);
  };
})();
