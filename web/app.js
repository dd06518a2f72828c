// The pages' script: keeps the status table current from status.json, runs
// the action links in place, and follows the log on the tail page. Without
// it every link still works, through 4.2.5's redirects.
'use strict';

const POLL_MS = 1000;
const RETRY_MS = 3000;
const MAX_LOG_CHARS = 1 << 20;

// sameOrigin resolves a relative URL without the user:password the page
// may have been opened with, which fetch() refuses; the browser still
// sends the credentials it has for the origin.
function sameOrigin(rel) {
  const u = new URL(rel, document.baseURI);
  u.username = '';
  u.password = '';
  return u;
}

function element(tag, attrs, text) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    e.setAttribute(k, v);
  }
  if (text !== undefined) {
    e.textContent = text;
  }
  return e;
}

function statusPage() {
  const table = document.getElementById('processes');
  const empty = document.getElementById('empty');
  const message = document.getElementById('message');
  const offline = document.getElementById('offline');
  const daemon = document.getElementById('daemon-state');
  const ident = document.getElementById('ident');
  let shape = '';
  let timer = 0;
  let inflight = false;
  let again = false;

  // The rows are rebuilt only when processes or states change; otherwise
  // only the descriptions (uptimes) are updated, so links stay put.
  function shapeOf(groups) {
    return JSON.stringify(groups.map((g) => [g.name, g.heading,
      g.processes.map((p) => [p.namespec, p.state, p.actions.length])]));
  }

  function row(p) {
    const tr = element('tr', {class: 'process', 'data-namespec': p.namespec, 'data-state': p.state});
    const state = element('td', {class: 'col-state'});
    state.append(element('span', {class: 'state ' + p.stateClass}, p.state));
    const name = element('td', {class: 'col-name'});
    name.append(element('a', {href: p.tail, target: '_blank'}, p.namespec));
    const actions = element('td', {class: 'col-action'});
    for (const a of p.actions) {
      const attrs = a.action ? {'data-action': a.action} : {target: '_blank'};
      actions.append(element('a', {class: 'button', href: a.href, ...attrs}, a.label));
    }
    tr.append(state, element('td', {class: 'col-desc'}, p.description), name, actions);
    return tr;
  }

  function rebuild(groups) {
    table.querySelectorAll('tbody').forEach((b) => b.remove());
    for (const g of groups) {
      const body = element('tbody', {'data-group': g.name});
      if (g.heading) {
        body.className = 'grouped';
        const head = element('tr', {class: 'group'});
        head.append(element('th', {colspan: '4', scope: 'rowgroup'}, g.name));
        body.append(head);
      }
      body.append(...g.processes.map(row));
      table.append(body);
    }
  }

  function render(view) {
    ident.textContent = view.identification;
    daemon.textContent = view.state;
    daemon.dataset.state = view.state;
    const groups = view.groups || [];
    table.hidden = groups.length === 0;
    empty.hidden = groups.length !== 0;
    const s = shapeOf(groups);
    if (s !== shape) {
      rebuild(groups);
      shape = s;
      return;
    }
    const descs = table.querySelectorAll('tr.process .col-desc');
    groups.flatMap((g) => g.processes).forEach((p, i) => {
      if (descs[i].textContent !== p.description) {
        descs[i].textContent = p.description;
      }
    });
  }

  async function poll() {
    clearTimeout(timer);
    if (document.hidden) {
      return; // visibilitychange starts polling again
    }
    if (inflight) {
      again = true;
      return;
    }
    inflight = true;
    let delay = POLL_MS;
    try {
      const res = await fetch(sameOrigin('status.json'), {cache: 'no-store'});
      if (!res.ok) {
        throw new Error('HTTP ' + res.status);
      }
      render(await res.json());
      offline.hidden = true;
    } catch (err) {
      offline.hidden = false;
      delay = RETRY_MS;
    }
    inflight = false;
    if (again) {
      again = false;
      delay = 0;
    }
    timer = setTimeout(poll, delay);
  }

  function show(text) {
    message.textContent = text;
    message.hidden = false;
  }

  async function act(link) {
    const tr = link.closest('tr');
    link.classList.add('busy');
    if (tr) {
      tr.classList.add('busy');
    }
    poll(); // shows STOPPING/STARTING while the action waits
    try {
      const res = await fetch(sameOrigin(link.getAttribute('href')),
        {headers: {Accept: 'application/json'}, cache: 'no-store'});
      if (!res.ok) {
        throw new Error('HTTP ' + res.status);
      }
      show((await res.json()).message);
    } catch (err) {
      show(link.textContent + ' failed: ' + err.message);
    } finally {
      link.classList.remove('busy');
      if (tr) {
        tr.classList.remove('busy');
      }
      poll();
    }
  }

  document.addEventListener('click', (e) => {
    const link = e.target.closest('a[data-action]');
    if (!link || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) {
      return;
    }
    e.preventDefault();
    act(link);
  });
  document.addEventListener('visibilitychange', poll);
  timer = setTimeout(poll, POLL_MS);
}

function tailPage() {
  const log = document.getElementById('log');
  const state = document.getElementById('follow-state');
  log.scrollTop = log.scrollHeight;
  if (!log.dataset.follow || !window.ReadableStream) {
    return;
  }
  const url = sameOrigin(log.dataset.follow);
  let offset = Number(url.searchParams.get('offset'));
  const text = log.firstChild || log.appendChild(document.createTextNode(''));

  function setState(s) {
    state.textContent = s;
    state.dataset.state = s === 'following' ? 'RUNNING' : s;
    state.hidden = false;
  }

  function append(s) {
    const atBottom = log.scrollHeight - log.scrollTop - log.clientHeight < 8;
    text.appendData(s);
    if (text.length > MAX_LOG_CHARS) {
      text.deleteData(0, text.length - MAX_LOG_CHARS);
    }
    if (atBottom) {
      log.scrollTop = log.scrollHeight;
    }
  }

  async function follow() {
    url.searchParams.set('offset', offset);
    try {
      const res = await fetch(url, {cache: 'no-store'});
      if (!res.ok) {
        throw new Error('HTTP ' + res.status);
      }
      setState('following');
      const reader = res.body.getReader();
      const decoder = new TextDecoder();
      for (;;) {
        const {value, done} = await reader.read();
        if (done) {
          break;
        }
        offset += value.byteLength;
        append(decoder.decode(value, {stream: true}));
      }
    } catch (err) {
      // reconnect below
    }
    setState('reconnecting');
    setTimeout(follow, RETRY_MS);
  }

  follow();
}

if (document.body.classList.contains('status-page')) {
  statusPage();
} else if (document.body.classList.contains('tail-page')) {
  tailPage();
}
