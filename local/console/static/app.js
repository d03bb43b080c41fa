// The local cloud console: plain browser JavaScript, no build step. Each view reads `/_console/api/...` and draws
// itself; the live switch re-reads the current view every two seconds, keeping what the user opened.

const main = document.getElementById('main');
const live = document.getElementById('live');
const REFRESH_MS = 2000;
const PALETTE = [
  '#1f77b4',
  '#ff7f0e',
  '#2ca02c',
  '#d62728',
  '#9467bd',
  '#8c564b',
  '#e377c2',
  '#7f7f7f',
  '#bcbd22',
  '#17becf',
];
const STATUSES = ['RUNNING', 'SUCCEEDED', 'FAILED', 'TIMED_OUT', 'ABORTED'];
const OUTCOMES = [
  ['succeeded', 'Succeeded'],
  ['caught', 'Caught error'],
  ['failed', 'Failed'],
  ['in-progress', 'In progress'],
  ['not-reached', 'Not reached'],
];

/** What the user opened, kept across refreshes. */
const ui = { expanded: new Set(), selectedState: undefined, search: '' };

const esc = (value) =>
  String(value ?? '').replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c],
  );

const api = async (path, options) => {
  const res = await fetch(`/_console/api/${path}`, options);
  const body = await res.json();
  if (!res.ok) throw new Error(body?.error?.message ?? `HTTP ${res.status}`);
  return body;
};

const time = (ms) => (ms ? new Date(ms).toLocaleTimeString([], { hour12: false }) : '');
const dateTime = (ms) => (ms ? new Date(ms).toLocaleString([], { hour12: false }) : '');
const duration = (from, to) => {
  if (!from) return '';
  const s = ((to ?? Date.now()) - from) / 1000;
  return s < 60 ? `${s.toFixed(s < 10 ? 2 : 1)} s` : `${Math.floor(s / 60)} min ${Math.round(s % 60)} s`;
};
const pretty = (text) => {
  if (text === undefined || text === null) return '';
  if (typeof text !== 'string') return JSON.stringify(text, null, 2);
  try {
    return JSON.stringify(JSON.parse(text), null, 2);
  } catch {
    return text;
  }
};
const status = (s) => `<span class="status ${esc(s)}">${esc(s)}</span>`;

/** The current route: `#/view/arg?x=1` → {view, arg, query}. */
const route = () => {
  const hash = location.hash.replace(/^#\/?/, '') || 'executions';
  const [path, qs] = hash.split('?');
  const [view, ...rest] = path.split('/');
  return {
    view,
    arg: rest.length ? decodeURIComponent(rest.join('/')) : undefined,
    query: new URLSearchParams(qs ?? ''),
  };
};
const go = (view, arg, query) => {
  const qs = query ? new URLSearchParams(Object.entries(query).filter(([, v]) => v)).toString() : '';
  location.hash = `#/${view}${arg ? `/${encodeURIComponent(arg)}` : ''}${qs ? `?${qs}` : ''}`;
};
const execLink = (arn, text) => `<a href="#/execution/${encodeURIComponent(arn)}">${esc(text)}</a>`;

// ----- Step Functions

const viewExecutions = async ({ query }) => {
  const machine = query.get('machine') ?? '';
  const filter = query.get('status') ?? '';
  const data = await api(`executions?${new URLSearchParams({ machine, status: filter })}`);
  const machines = data.machines
    .map((m) => {
      const counts = STATUSES.filter((s) => m.counts[s]).map((s) => `${status(s)} ${m.counts[s]}`);
      return `<div class="machine ${m.arn === machine ? 'on' : ''}" data-machine="${esc(m.arn)}">
        <div class="name">${esc(m.name)}</div><div class="type">${esc(m.type)}</div>
        <div class="counts">${m.type === 'EXPRESS' ? '<span class="type">Express executions are not listed (as on AWS)</span>' : counts.join(' ') || '<span class="type">no executions yet</span>'}</div>
      </div>`;
    })
    .join('');
  const chips = ['', ...STATUSES]
    .map((s) => `<span class="chip ${s === filter ? 'on' : ''}" data-status="${s}">${s || 'All'}</span>`)
    .join('');
  const search = ui.search ?? '';
  const typing = document.activeElement?.id === 'search';
  const rows = data.executions
    .filter((x) => !search || x.name.includes(search))
    .slice(0, 300)
    .map(
      (
        x,
      ) => `<tr data-execution="${esc(x.name)}"><td>${execLink(x.arn, x.name)}</td><td>${esc(x.machine)}</td><td>${status(x.status)}</td>
        <td>${dateTime(x.startDate)}</td><td>${duration(x.startDate, x.stopDate)}</td></tr>`,
    )
    .join('');
  main.innerHTML = `<h1>State machines</h1><p class="sub">${data.machines.length} state machines; click one to filter its executions.</p>
    <div class="machines">${machines || '<div class="empty">No state machines in the template.</div>'}</div>
    <div class="panel"><div class="toolbar"><h2 style="margin:0 12px 0 0">Executions</h2>${chips}
      <input id="search" type="search" placeholder="name contains…" value="${esc(search)}" /></div>
    <table class="list" id="executions"><thead><tr><th>Name</th><th>State machine</th><th>Status</th><th>Started</th><th>Duration</th></tr></thead>
    <tbody>${rows || '<tr><td colspan="5" class="empty">No executions match.</td></tr>'}</tbody></table></div>`;
  for (const el of main.querySelectorAll('[data-machine]'))
    el.onclick = () =>
      go('executions', undefined, {
        machine: el.dataset.machine === machine ? '' : el.dataset.machine,
        status: filter,
      });
  for (const el of main.querySelectorAll('[data-status]'))
    el.onclick = () => go('executions', undefined, { machine, status: el.dataset.status });
  // The list is redrawn while the user types: keep the text and the caret in the box.
  const box = document.getElementById('search');
  box.oninput = () => {
    ui.search = box.value;
    refresh();
  };
  if (typing) {
    box.focus();
    box.setSelectionRange(box.value.length, box.value.length);
  }
};

const graphSvg = (graph, outcomes, history) => {
  const taken = new Set();
  const entered = history.filter((e) => e.type.endsWith('StateEntered')).map((e) => e.state);
  for (let i = 1; i < entered.length; i++) taken.add(`${entered[i - 1]}→${entered[i]}`);
  if (entered.length) taken.add(`⟨start⟩→${entered[0]}`);
  const edges = graph.edges
    .map((e) => {
      const d = e.points.map(([x, y], i) => `${i ? 'L' : 'M'}${x},${y}`).join(' ');
      const cls = `edge ${e.kind === 'catch' ? 'catch' : ''} ${taken.has(`${e.from}→${e.to}`) ? 'taken' : ''}`;
      const [lx, ly] = e.points[e.back ? 1 : 2];
      const label =
        e.label && e.kind !== 'next'
          ? `<text class="edge-label" x="${lx + 4}" y="${ly - 3}">${esc(e.label.slice(0, 28))}</text>`
          : '';
      return `<path class="${cls}" d="${d}" marker-end="url(#arrow)"/>${label}`;
    })
    .join('');
  const nodes = graph.nodes
    .map((n) => {
      const marker = n.type === 'Start' || n.type === 'End';
      const cls = marker ? 'marker' : (outcomes[n.id] ?? 'not-reached');
      const label = marker ? n.type : n.id.length > 28 ? `${n.id.slice(0, 27)}…` : n.id;
      return `<g class="node ${cls} ${ui.selectedState === n.id ? 'selected' : ''}" data-state="${esc(marker ? '' : n.id)}" data-outcome="${esc(cls)}">
        <title>${esc(n.id)} (${esc(n.type)})</title>
        <rect x="${n.x - n.width / 2}" y="${n.y}" width="${n.width}" height="${n.height}"/>
        <text x="${n.x}" y="${n.y + n.height / 2 - (marker ? 0 : 5)}">${esc(label)}</text>
        ${marker ? '' : `<text class="kind" x="${n.x}" y="${n.y + n.height / 2 + 10}">${esc(n.type)}</text>`}
      </g>`;
    })
    .join('');
  return `<svg class="graph" width="${graph.width + 40}" height="${graph.height}" viewBox="0 0 ${graph.width + 40} ${graph.height}">
    <defs><marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="#7b8794"/></marker></defs>
    ${edges}${nodes}</svg>`;
};

const stateDetails = (history, name) => {
  if (!name) return '<p class="empty">Click a state in the graph to see its input and output.</p>';
  const own = history.filter((e) => e.state === name);
  const entered = own.filter((e) => e.type.endsWith('StateEntered')).at(-1);
  const exited = own.filter((e) => e.type.endsWith('StateExited')).at(-1);
  const errors = history.filter((e) => /(Failed|TimedOut)$/.test(e.type) && e.details.error);
  return `<h2>${esc(name)}</h2>
    ${entered ? `<p class="type">entered ${time(entered.timestamp)}${exited ? `, exited ${time(exited.timestamp)} (${duration(entered.timestamp, exited.timestamp)})` : ''}</p>` : '<p class="empty">Not reached.</p>'}
    ${entered ? `<h2>Input</h2><pre class="json">${esc(pretty(entered.details.input))}</pre>` : ''}
    ${exited ? `<h2 style="margin-top:10px">Output</h2><pre class="json">${esc(pretty(exited.details.output))}</pre>` : ''}
    ${
      errors.length && entered
        ? errors
            .filter((e) => e.timestamp >= entered.timestamp && (!exited || e.timestamp <= exited.timestamp))
            .map((e) => `<div class="error-box"><b>${esc(e.details.error)}</b><br>${esc(e.details.cause ?? '')}</div>`)
            .join('')
        : ''
    }`;
};

const viewExecution = async ({ arg }) => {
  const data = await api(`execution?arn=${encodeURIComponent(arg)}`);
  const x = data.execution;
  const refs = await api(`references?value=${encodeURIComponent(x.name)}`).catch(() => ({ references: [] }));
  const links = refs.references
    .map(
      (r) =>
        `<a href="#/tables/${encodeURIComponent(r.table)}?find=${encodeURIComponent(x.name)}">${esc(r.table)}.${esc(r.attribute)} = ${esc(x.name)}</a>`,
    )
    .join('<br>');
  const rows = data.history
    .map((e) => {
      const open = ui.expanded.has(`h${e.id}`);
      const bad = /(Failed|TimedOut|Aborted)$/.test(e.type);
      const d = e.details;
      const payload = [
        d.input !== undefined ? `<h2>Input</h2><pre class="json">${esc(pretty(d.input))}</pre>` : '',
        d.output !== undefined ? `<h2>Output</h2><pre class="json">${esc(pretty(d.output))}</pre>` : '',
        d.error !== undefined ? `<div class="error-box"><b>${esc(d.error)}</b><br>${esc(d.cause ?? '')}</div>` : '',
        d.parameters !== undefined ? `<h2>Parameters</h2><pre class="json">${esc(pretty(d.parameters))}</pre>` : '',
      ].join('');
      const summary = d.resource ? `${d.resourceType ?? ''}:${d.resource}` : d.error ? `${d.error}` : '';
      return `<tr class="${open ? 'open' : ''}" data-event="${e.id}"><td>${e.id}</td><td><span class="ev-type ${bad ? 'bad' : ''}">${esc(e.type)}</span></td>
        <td>${esc(e.state ?? '')}</td><td class="mono">${esc(summary)}</td><td>${time(e.timestamp)}</td></tr>
        ${open ? `<tr class="open"><td></td><td colspan="4">${payload || `<pre class="json">${esc(pretty(d))}</pre>`}</td></tr>` : ''}`;
    })
    .join('');
  main.innerHTML = `<p class="sub"><a href="#/executions">State machines</a> › ${esc(data.machine)}</p>
    <h1>${esc(x.name)} ${status(x.status)}</h1>
    <div class="panel"><dl class="kv"><dt>State machine</dt><dd>${esc(data.machine)}</dd><dt>Execution ARN</dt><dd class="mono">${esc(x.executionArn)}</dd>
      <dt>Started</dt><dd>${dateTime(x.startDate)}</dd><dt>Duration</dt><dd>${duration(x.startDate, x.stopDate)}${x.status === 'RUNNING' ? ' (running)' : ''}</dd>
      <dt>Items naming it</dt><dd>${links || '<span class="type">none</span>'}</dd></dl>
      ${x.error ? `<div class="error-box"><b>${esc(x.error)}</b><br>${esc(x.cause ?? '')}</div>` : ''}</div>
    <div class="row"><div class="panel grow"><h2>Graph</h2><div class="legend">${OUTCOMES.map(([k, l]) => `<span><i class="${k}"></i>${l}</span>`).join('')}</div>
      <div class="graph-wrap" id="graph">${graphSvg(data.graph, data.outcomes, data.history)}</div></div>
      <div class="panel side" id="state-details">${stateDetails(data.history, ui.selectedState)}</div></div>
    <div class="panel"><h2>Event history (${data.history.length})</h2><table class="list" id="history"><thead><tr><th>#</th><th>Type</th><th>State</th><th>Resource / error</th><th>Time</th></tr></thead><tbody>${rows}</tbody></table></div>
    <div class="row"><div class="panel grow"><h2>Input</h2><pre class="json">${esc(pretty(x.input))}</pre></div><div class="panel grow"><h2>Output</h2>${x.output === undefined ? `<p class="empty">${x.status === 'RUNNING' ? 'Still running.' : 'No output.'}</p>` : `<pre class="json">${esc(pretty(x.output))}</pre>`}</div></div>`;
  for (const el of main.querySelectorAll('.node[data-state]'))
    el.onclick = () => {
      if (!el.dataset.state) return;
      ui.selectedState = el.dataset.state;
      refresh();
    };
  for (const el of main.querySelectorAll('tr[data-event]'))
    el.onclick = () => {
      const key = `h${el.dataset.event}`;
      if (ui.expanded.has(key)) ui.expanded.delete(key);
      else ui.expanded.add(key);
      refresh();
    };
  return x.status === 'RUNNING';
};

// ----- Tables

const cell = (value, links) => {
  if (typeof value === 'string' && links[value]) return execLink(links[value], value);
  if (value !== null && typeof value === 'object')
    return `<span class="mono">${esc(JSON.stringify(value).slice(0, 80))}</span>`;
  return esc(value);
};

const viewTables = async ({ arg, query }) => {
  const { tables } = await api('tables');
  const name = arg ?? tables[0]?.name;
  const tabs = tables
    .map(
      (t) =>
        `<a class="chip ${t.name === name ? 'on' : ''}" href="#/tables/${encodeURIComponent(t.name)}">${esc(t.name)} (${t.itemCount})</a>`,
    )
    .join('');
  if (!name) {
    main.innerHTML = '<h1>Tables</h1><p class="empty">No tables.</p>';
    return;
  }
  const t = await api(`tables/${encodeURIComponent(name)}`);
  const group = query.get('group') ?? '';
  const find = query.get('find') ?? '';
  const items = find ? t.items.filter((i) => Object.values(i).some((v) => String(v).includes(find))) : t.items;
  const options = ['', ...t.attributes]
    .map((a) => `<option value="${esc(a)}" ${a === group ? 'selected' : ''}>${a ? esc(a) : '— table —'}</option>`)
    .join('');
  const keyOf = (item) => t.keys.map((k) => item[k]).join(' / ');
  let body;
  if (group) {
    const columns = new Map();
    for (const item of items) {
      const v = item[group] === undefined ? '(none)' : String(item[group]);
      if (!columns.has(v)) columns.set(v, []);
      columns.get(v).push(item);
    }
    const sortKey = t.attributes.find((a) => /updated|time|date|At$/i.test(a));
    body = `<div class="board" id="board">${[...columns.entries()]
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([v, list]) => {
        if (sortKey) list.sort((a, b) => String(b[sortKey] ?? '').localeCompare(String(a[sortKey] ?? '')));
        const cards = list
          .slice(0, 100)
          .map((item) => {
            const k = keyOf(item);
            const open = ui.expanded.has(`i${k}`);
            const extra = t.attributes
              .filter((a) => !t.keys.includes(a) && a !== group && typeof item[a] !== 'object')
              .slice(0, 4)
              .map((a) => `<div class="attr">${esc(a)}: ${cell(item[a], t.executions)}</div>`)
              .join('');
            const execs = Object.values(item).filter((x) => typeof x === 'string' && t.executions[x]);
            return `<div class="card" data-item="${esc(k)}"><div class="key">${esc(k)}</div>${extra}
              ${execs.length ? `<div>execution: ${execs.map((e) => execLink(t.executions[e], e)).join(', ')}</div>` : ''}
              ${open ? `<pre class="json">${esc(JSON.stringify(item, null, 2))}</pre>` : ''}</div>`;
          })
          .join('');
        return `<div class="column" data-column="${esc(v)}"><h3><span>${esc(v)}</span><span>${list.length}</span></h3>${cards}</div>`;
      })
      .join('')}</div>`;
  } else {
    const cols = t.attributes.slice(0, 9);
    body = `<div style="overflow:auto"><table class="list" id="items"><thead><tr>${cols.map((c) => `<th>${esc(c)}</th>`).join('')}</tr></thead><tbody>${items
      .slice(0, 300)
      .map((item) => {
        const k = keyOf(item);
        const open = ui.expanded.has(`i${k}`);
        return `<tr data-item="${esc(k)}">${cols.map((c) => `<td>${cell(item[c], t.executions)}</td>`).join('')}</tr>${open ? `<tr class="open"><td colspan="${cols.length}"><pre class="json">${esc(JSON.stringify(item, null, 2))}</pre></td></tr>` : ''}`;
      })
      .join('')}</tbody></table></div>`;
  }
  main.innerHTML = `<h1>Tables</h1><p class="sub">Live view of DynamoDB items; group by an attribute for a board. Values that name an execution link to it.</p>
    <div class="tabs">${tabs}</div>
    <div class="panel"><div class="toolbar"><h2 style="margin:0 12px 0 0">${esc(name)}</h2><label for="group">Board by</label><select id="group">${options}</select>
      ${find ? `<span class="chip on" id="clear-find">matching “${esc(find)}” ✕</span>` : ''}
      <span class="type">${items.length} items${t.truncated ? ' (first 1000)' : ''}</span></div>${body}</div>`;
  document.getElementById('group').onchange = (e) => go('tables', name, { group: e.target.value, find });
  const clear = document.getElementById('clear-find');
  if (clear) clear.onclick = () => go('tables', name, { group });
  for (const el of main.querySelectorAll('[data-item]'))
    el.onclick = (e) => {
      if (e.target.closest('a')) return;
      const key = `i${el.dataset.item}`;
      if (ui.expanded.has(key)) ui.expanded.delete(key);
      else ui.expanded.add(key);
      refresh();
    };
  return true;
};

// ----- Events

const viewEvents = async ({ arg }) => {
  const { buses } = await api('events');
  const bus = arg ?? buses.find((b) => b.events.length)?.bus ?? buses[0]?.bus;
  const tabs = buses
    .map(
      (b) =>
        `<a class="chip ${b.bus === bus ? 'on' : ''}" href="#/events/${encodeURIComponent(b.bus)}">${esc(b.bus)} (${b.events.length})</a>`,
    )
    .join('');
  const events = buses.find((b) => b.bus === bus)?.events ?? [];
  const rows = events
    .map((e) => {
      const open = ui.expanded.has(`e${e.id}`);
      return `<tr data-ev="${esc(e.id)}"><td>${time(Date.parse(e.receivedAt))}</td><td>${esc(e.source)}</td><td><b>${esc(e['detail-type'])}</b></td>
        <td>${e.matchedRules.length ? esc(e.matchedRules.join(', ')) : '<span class="type">no rule matched</span>'}</td></tr>
        ${open ? `<tr class="open"><td></td><td colspan="3"><pre class="json">${esc(JSON.stringify(e, null, 2))}</pre></td></tr>` : ''}`;
    })
    .join('');
  main.innerHTML = `<h1>Events</h1><p class="sub">The latest events each bus accepted and the rules they matched (click one for its JSON).</p>
    <div class="tabs">${tabs}</div><div class="panel"><table class="list" id="events"><thead><tr><th>Received</th><th>Source</th><th>Detail type</th><th>Matched rules</th></tr></thead>
    <tbody>${rows || '<tr><td colspan="4" class="empty">No events on this bus yet.</td></tr>'}</tbody></table></div>`;
  for (const el of main.querySelectorAll('[data-ev]'))
    el.onclick = () => {
      const key = `e${el.dataset.ev}`;
      if (ui.expanded.has(key)) ui.expanded.delete(key);
      else ui.expanded.add(key);
      refresh();
    };
  return true;
};

// ----- Queues

const viewQueues = async ({ arg }) => {
  const { queues } = await api('queues');
  const messages = arg ? (await api(`queues/${encodeURIComponent(arg)}/messages`)).messages : [];
  const nameOfArn = (arn) => queues.find((q) => q.arn === arn)?.name ?? arn;
  const rows = queues
    .map((q) => {
      const dlq = q.sources.length > 0 || q.eventTargets.length > 0;
      const feeds = [
        ...(q.sources.length ? [`queue ${q.sources.join(', ')}`] : []),
        ...(q.eventTargets.length ? [`rule target ${q.eventTargets.join(', ')}`] : []),
      ];
      return `<tr data-queue="${esc(q.name)}"><td><a href="#/queues/${encodeURIComponent(q.name)}">${esc(q.name)}</a>${dlq ? ' <span class="status FAILED">DLQ</span>' : ''}</td>
        <td>${q.visible}</td><td>${q.inFlight}</td><td>${q.delayed}</td>
        <td>${dlq ? `for ${esc(feeds.join('; '))}` : q.deadLetterTargetArn ? `→ ${esc(nameOfArn(q.deadLetterTargetArn))}` : ''}</td>
        <td>${q.sources.length ? `<button class="primary" data-redrive="${esc(q.name)}" ${q.visible + q.delayed === 0 ? 'disabled' : ''}>Redrive</button>` : ''}</td></tr>`;
    })
    .join('');
  const list = messages
    .map(
      (
        m,
      ) => `<tr><td class="mono">${esc(m.messageId)}</td><td>${dateTime(m.sentTimestamp)}</td><td>${m.receiveCount}</td><td>${m.inFlight ? 'in flight' : 'visible'}</td>
        <td><pre class="json">${esc(pretty(m.body))}</pre></td></tr>`,
    )
    .join('');
  main.innerHTML = `<h1>Queues</h1><p class="sub">Depths of every queue; dead-letter queues can be redriven to the queues that feed them.</p>
    <div class="panel"><table class="list" id="queues"><thead><tr><th>Queue</th><th>Visible</th><th>In flight</th><th>Delayed</th><th>Dead letters</th><th></th></tr></thead>
    <tbody>${rows || '<tr><td colspan="6" class="empty">No queues.</td></tr>'}</tbody></table></div>
    ${
      arg
        ? `<div class="panel"><h2>Messages in ${esc(arg)}</h2><table class="list" id="messages"><thead><tr><th>Message id</th><th>Sent</th><th>Receives</th><th>State</th><th>Body</th></tr></thead>
      <tbody>${list || '<tr><td colspan="5" class="empty">Empty.</td></tr>'}</tbody></table></div>`
        : ''
    }`;
  for (const el of main.querySelectorAll('[data-redrive]'))
    el.onclick = async () => {
      el.disabled = true;
      try {
        const r = await api(`queues/${encodeURIComponent(el.dataset.redrive)}/redrive`, { method: 'POST' });
        toast(
          `Redrive ${String(r.status ?? 'started').toLowerCase()}: ${r.moved ?? '?'} of ${r.toMove ?? '?'} message(s) moved back`,
        );
      } catch (e) {
        toast(`Redrive failed: ${e.message}`);
      }
      refresh();
    };
  return true;
};

// ----- Functions

const viewFunctions = async ({ arg }) => {
  const { functions } = await api('functions');
  const latest = [...functions].sort((a, b) => (b.lastLogAt ?? 0) - (a.lastLogAt ?? 0))[0];
  const name = arg ?? latest?.name;
  const lines = name ? (await api(`functions/${encodeURIComponent(name)}/logs`)).lines : [];
  const list = functions
    .map(
      (f) =>
        `<a class="${f.name === name ? 'on' : ''}" href="#/functions/${encodeURIComponent(f.name)}">${esc(f.name)}${f.lastLogAt ? `<br><span class="type">last log ${time(f.lastLogAt)}</span>` : ''}</a>`,
    )
    .join('');
  main.innerHTML = `<h1>Functions</h1><p class="sub">The newest log lines of each function (what CloudWatch Logs would hold).</p>
    <div class="row"><div class="panel side-list">${list || '<p class="empty">No functions.</p>'}</div>
    <div class="grow"><div class="logs mono" id="logs">${lines.map((l) => `<div class="line"><span class="t">${time(l.at)} ${esc(l.requestId.slice(0, 8))}</span>${esc(l.message)}</div>`).join('') || '<div class="line">No log lines yet.</div>'}</div></div></div>`;
  const logs = document.getElementById('logs');
  logs.scrollTop = logs.scrollHeight;
  return true;
};

// ----- Dashboards

const niceMax = (v) => {
  if (!(v > 0)) return 1;
  const p = 10 ** Math.floor(Math.log10(v));
  return [1, 2, 2.5, 5, 10].map((m) => m * p).find((m) => m >= v);
};
const fmt = (v) => (Math.abs(v) >= 1000 ? `${(v / 1000).toFixed(1)}k` : Number.isInteger(v) ? String(v) : v.toFixed(2));

/** A line chart of series over [start, end] in a viewBox; a lone point is drawn as a dot. */
const lineChart = (series, start, end, w = 600, h = 180, compact = false) => {
  const pad = compact ? { l: 2, r: 2, t: 3, b: 3 } : { l: 36, r: 8, t: 8, b: 18 };
  const max = niceMax(Math.max(0, ...series.flatMap((s) => s.points.map((p) => p[1]))));
  const x = (t) => pad.l + ((t - start) / (end - start)) * (w - pad.l - pad.r);
  const y = (v) => h - pad.b - (v / max) * (h - pad.t - pad.b);
  const grid = [0, 0.5, 1]
    .map(
      (f) =>
        `<line class="chart-grid" x1="${pad.l}" x2="${w - pad.r}" y1="${y(max * f)}" y2="${y(max * f)}"/><text class="chart-axis" x="${pad.l - 4}" y="${y(max * f) + 3}" text-anchor="end">${fmt(max * f)}</text>`,
    )
    .join('');
  const lines = series
    .map((s, i) => {
      const color = s.color ?? PALETTE[i % PALETTE.length];
      const pts = s.points.map(([t, v]) => `${x(t).toFixed(1)},${y(v).toFixed(1)}`);
      return `${pts.length > 1 ? `<polyline fill="none" stroke="${color}" stroke-width="1.8" points="${pts.join(' ')}"/>` : ''}${s.points.map(([t, v]) => `<circle cx="${x(t).toFixed(1)}" cy="${y(v).toFixed(1)}" r="${pts.length > 1 ? 1.8 : 3.5}" fill="${color}"/>`).join('')}`;
    })
    .join('');
  const axis = `<text class="chart-axis" x="${pad.l}" y="${h - 4}">${time(start)}</text><text class="chart-axis" x="${w - pad.r}" y="${h - 4}" text-anchor="end">${time(end)}</text>`;
  return `<svg viewBox="0 0 ${w} ${h}" preserveAspectRatio="none">${compact ? '' : grid + axis}${lines}</svg>`;
};

const legend = (series) =>
  `<div class="series-legend">${series
    .map((s, i) => {
      const last = s.points.at(-1)?.[1];
      return `<span><i style="background:${s.color ?? PALETTE[i % PALETTE.length]}"></i>${esc(s.label)}${last === undefined ? '' : ` <b>${fmt(last)}</b>`}</span>`;
    })
    .join('')}</div>`;

const inline = (text) =>
  text.replace(/\*\*(.+?)\*\*/g, '<b>$1</b>').replace(/\[(.+?)\]\((https?:[^)\s]+)\)/g, '<a href="$2">$1</a>');

/** The small part of Markdown dashboards use: headings, paragraphs, bold, links (the text is escaped first). */
const markdown = (text) =>
  esc(text)
    .split(/\n{2,}/)
    .map((block) =>
      block
        .split('\n')
        .map((line) => {
          const heading = /^(#{1,3})\s+(.*)$/.exec(line);
          return heading
            ? `<h${heading[1].length + 1}>${inline(heading[2])}</h${heading[1].length + 1}>`
            : `${inline(line)}<br>`;
        })
        .join(''),
    )
    .map((block) => `<p>${block}</p>`)
    .join('');

const widgetHtml = (w, start, end) => {
  const place =
    w.x !== undefined && w.y !== undefined
      ? `grid-column:${w.x + 1} / span ${Math.min(24, w.width)};grid-row:${w.y + 1} / span ${w.height}`
      : `grid-column:span ${Math.min(24, w.width)};grid-row:span ${w.height}`;
  let body = '';
  if (w.type === 'metric' && (w.view === 'singleValue' || w.view === 'gauge')) {
    body = `<div class="singles">${w.series.map((s) => `<div class="single"><div class="v">${s.points.length ? fmt(s.points.at(-1)[1]) : '–'}</div><div class="l">${esc(s.label)}</div></div>`).join('')}</div>`;
  } else if (w.type === 'metric') {
    const empty = w.series.every((s) => s.points.length === 0);
    body = `<div class="body" data-chart>${lineChart(w.series, start, end)}</div>${legend(w.series)}${empty ? '<div class="note">No data in this range yet.</div>' : ''}`;
    if (w.alarms?.length) body += w.alarms.map((a) => `<div>${status(a.state)} ${esc(a.name)}</div>`).join('');
  } else if (w.type === 'text') {
    body = `<div class="body">${markdown(w.markdown)}</div>`;
  } else if (w.type === 'alarm') {
    body = `<div class="body">${(w.alarms ?? []).map((a) => `<div title="${esc(a.reason)}">${status(a.state)} ${esc(a.name)}</div>`).join('') || '<div class="note">No alarms.</div>'}</div>`;
  } else {
    body = `<div class="note">${esc(w.message)}</div>`;
  }
  return `<div class="widget ${esc(w.type)}" style="${place}" data-widget="${esc(w.title)}" data-total="${(w.series ?? []).reduce((a, s) => a + s.points.reduce((b, p) => b + p[1], 0), 0)}">${w.title ? `<h3 title="${esc(w.title)}">${esc(w.title)}</h3>` : ''}${body}</div>`;
};

const rangeBar = (query, extra) => {
  const minutes = query.get('minutes') ?? '60';
  const period = query.get('period') ?? '';
  const opt = (value, label, current) =>
    `<option value="${value}" ${value === current ? 'selected' : ''}>${label}</option>`;
  return `<div class="toolbar">${extra}<label for="minutes">Range</label><select id="minutes">${[
    ['15', '15 min'],
    ['60', '1 hour'],
    ['180', '3 hours'],
    ['720', '12 hours'],
  ]
    .map(([v, l]) => opt(v, l, minutes))
    .join('')}</select>
    <label for="period">Period</label><select id="period">${[
      ['', 'as defined'],
      ['10', '10 s'],
      ['60', '1 min'],
      ['300', '5 min'],
    ]
      .map(([v, l]) => opt(v, l, period))
      .join('')}</select></div>`;
};

const viewDashboards = async ({ arg, query }) => {
  const [{ dashboards }, { alarms }] = await Promise.all([api('dashboards'), api('alarms')]);
  const name = arg ?? dashboards[0];
  const firing = alarms.filter((a) => a.state === 'ALARM').length;
  const alarmPanel = alarms.length
    ? `<details class="panel alarms" ${firing || ui.expanded.has('alarms') ? 'open' : ''}><summary><b>Alarms</b>: ${firing} in ALARM of ${alarms.length}</summary>
      <div class="alarm-list">${alarms.map((a) => `<div title="${esc(a.reason)}">${status(a.state)} ${esc(a.name)}</div>`).join('')}</div></details>`
    : '';
  const qs = new URLSearchParams({ minutes: query.get('minutes') ?? '60', period: query.get('period') ?? '' });
  const tabs = [...dashboards, '']
    .map(
      (d) =>
        `<a class="chip ${d === (name ?? '') ? 'on' : ''}" href="#/dashboards/${encodeURIComponent(d || '_metrics')}">${esc(d || 'All metrics')}</a>`,
    )
    .join('');
  if (name && name !== '_metrics') {
    const d = await api(`dashboards/${encodeURIComponent(name)}?${qs}`);
    main.innerHTML = `<h1>${esc(d.name)}</h1><p class="sub">The template's CloudWatch dashboard, drawn from the metrics collected locally.</p>
      <div class="tabs">${tabs}</div>${alarmPanel}${rangeBar(query, '')}<div class="widgets" id="widgets">${d.widgets.map((w) => widgetHtml(w, d.start, d.end)).join('')}</div>`;
    // Charts are drawn again at their real size so that text is not stretched with the widget.
    const charts = [...main.querySelectorAll('#widgets .widget')];
    charts.forEach((el, i) => {
      const body = el.querySelector('[data-chart]');
      const w = d.widgets[i];
      if (body && w?.series && body.clientWidth > 0 && body.clientHeight > 0)
        body.innerHTML = lineChart(w.series, d.start, d.end, body.clientWidth, body.clientHeight);
    });
  } else {
    const { metrics } = await api(`metrics?${qs}`);
    const end = Date.now();
    const start = end - Number(query.get('minutes') ?? 60) * 60_000;
    const rows = metrics
      .map(
        (
          m,
        ) => `<tr data-metric="${esc(`${m.namespace}/${m.name}`)}" data-total="${m.total}"><td>${esc(m.namespace)}</td><td><b>${esc(m.name)}</b></td>
        <td class="type">${esc(m.dimensions.map((d) => `${d.Name}=${d.Value}`).join(', '))}</td><td>${fmt(m.total)}</td>
        <td class="spark">${lineChart([{ label: m.name, points: m.points }], start, end, 220, 30, true)}</td></tr>`,
      )
      .join('');
    main.innerHTML = `<h1>Metrics</h1><p class="sub">${dashboards.length ? 'Every metric collected locally.' : 'The template defines no dashboard; every metric collected locally (sum over the range).'}</p>
      <div class="tabs">${tabs}</div>${alarmPanel}${rangeBar(query, '')}<div class="panel"><table class="list metric-rows" id="metrics"><thead><tr><th>Namespace</th><th>Metric</th><th>Dimensions</th><th>Sum</th><th></th></tr></thead>
      <tbody>${rows || '<tr><td colspan="5" class="empty">No metrics yet.</td></tr>'}</tbody></table></div>`;
  }
  const details = main.querySelector('details.alarms');
  if (details)
    details.ontoggle = () => {
      if (details.open) ui.expanded.add('alarms');
      else ui.expanded.delete('alarms');
    };
  const current = name ?? '_metrics';
  for (const id of ['minutes', 'period'])
    document.getElementById(id).onchange = () =>
      go('dashboards', current, {
        minutes: document.getElementById('minutes').value,
        period: document.getElementById('period').value,
      });
  return true;
};

// ----- shell

const VIEWS = {
  executions: viewExecutions,
  execution: viewExecution,
  tables: viewTables,
  events: viewEvents,
  queues: viewQueues,
  functions: viewFunctions,
  dashboards: viewDashboards,
};

const toast = (text) => {
  const el = document.createElement('div');
  el.className = 'toast';
  el.textContent = text;
  document.body.append(el);
  setTimeout(() => el.remove(), 3000);
};

let timer;
let rendering = false;
let pending = false;
/** Draws the current view; schedules the next refresh when live and the view asks for it. */
const refresh = async () => {
  clearTimeout(timer);
  if (rendering) {
    pending = true;
    return;
  }
  rendering = true;
  pending = false;
  const r = route();
  for (const a of document.querySelectorAll('#nav a'))
    a.classList.toggle('active', a.dataset.view === (r.view === 'execution' ? 'executions' : r.view));
  let again = true;
  try {
    const view = VIEWS[r.view] ?? viewExecutions;
    const scroll = window.scrollY;
    again = (await view(r)) !== false;
    window.scrollTo(0, scroll);
  } catch (e) {
    main.innerHTML = `<div class="error-box">${esc(e.message)}</div>`;
  } finally {
    rendering = false;
  }
  if (pending) refresh();
  else if (again && live.checked) timer = setTimeout(refresh, REFRESH_MS);
};

window.addEventListener('hashchange', () => {
  ui.expanded.clear();
  ui.selectedState = undefined;
  window.scrollTo(0, 0);
  refresh();
});
live.onchange = refresh;
refresh();
