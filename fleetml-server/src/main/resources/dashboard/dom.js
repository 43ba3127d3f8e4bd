// Small DOM helpers. Data from the server (device ids, names, error messages) only ever becomes text nodes or
// attribute values set through the DOM, never HTML.

/** An element: h('td', {class: 'num', title: x}, child, 'text', [more]). Strings become text nodes. */
export function h(tag, props, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(props || {})) {
    if (v == null || v === false) continue;
    if (k === 'class') el.className = v;
    else if (k === 'dataset') { for (const [dk, dv] of Object.entries(v)) if (dv != null) el.dataset[dk] = dv; }
    else if (k.startsWith('on') && typeof v === 'function') el.addEventListener(k.slice(2), v);
    else if (k === 'value' || k === 'checked' || k === 'disabled' || k === 'selected') el[k] = v;
    else el.setAttribute(k, v === true ? '' : String(v));
  }
  add(el, children);
  return el;
}

/** Appends children (nodes, strings, numbers, arrays of them; null skipped) as nodes and text. */
export function add(el, ...children) {
  for (const c of children.flat(Infinity)) {
    if (c == null || c === false) continue;
    el.append(c instanceof Node ? c : String(c));
  }
  return el;
}

/** A link inside the dashboard; href is built by route() so it is always a '#/' link. */
export function link(href, text, props = {}) {
  if (!href.startsWith('#/')) throw new Error('not a dashboard link: ' + href);
  return h('a', { ...props, href }, text);
}

/** A dashboard URL: route('session', id, {tab: 'devices'}) -> '#/session/ID?tab=devices'. */
export function route(page, id, params) {
  let s = '#/' + page + (id != null ? '/' + encodeURIComponent(id) : '');
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params || {})) if (v != null && v !== '') q.set(k, v);
  const qs = q.toString();
  return qs ? s + '?' + qs : s;
}

export const links = {
  session: (id, params) => link(route('session', id, params), id, { title: 'session ' + id, class: 'mono' }),
  device: (id, params) => link(route('device', id, params), id, { class: 'mono' }),
};

export function shortId(id) {
  return id == null ? '' : String(id).length > 12 ? String(id).slice(0, 8) + '…' : String(id);
}

/** A number for reading: 4 significant digits, exponents for the very large and small; null as a dash. */
export function num(x, digits = 4) {
  if (x == null || typeof x !== 'number' || !Number.isFinite(x)) return '—';
  if (Number.isInteger(x) && Math.abs(x) < 1e9) return x.toLocaleString('en-US');
  const a = Math.abs(x);
  if (a !== 0 && (a >= 1e6 || a < 1e-3)) return x.toExponential(2);
  return String(Number(x.toPrecision(digits)));
}

export function count(x) {
  return x == null ? '—' : Number(x).toLocaleString('en-US');
}

export function when(iso) {
  if (!iso) return '—';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return String(iso);
  const p = (n) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
}

export function duration(seconds) {
  if (seconds == null || !Number.isFinite(seconds)) return '—';
  if (seconds < 1) return seconds.toFixed(2) + ' s';
  if (seconds < 60) return seconds.toFixed(1) + ' s';
  const m = Math.floor(seconds / 60);
  if (m < 60) return `${m} min ${Math.round(seconds % 60)} s`;
  return `${Math.floor(m / 60)} h ${m % 60} min`;
}

/** A table: columns [{label, cls, sort?}], rows of cells (nodes or text). */
export function table(columns, rows, props = {}) {
  return h('table', props,
    h('thead', null, h('tr', null, columns.map((c) => c instanceof Node ? c : h('th', { class: c.cls, title: c.title }, c.label)))),
    h('tbody', null, rows.map((cells) => cells instanceof Node ? cells : h('tr', null, cells.map((x, i) =>
      x instanceof Node && x.tagName === 'TD' ? x : h('td', { class: columns[i] && columns[i].cls }, x))))));
}

export function section(title, ...children) {
  return h('section', { class: 'card' }, title ? h('h2', null, title) : null, ...children);
}

/** Label/value pairs in a grid of {columns} pairs a line (4 by default); null pairs are left out. */
export function facts(columns, pairs) {
  if (pairs === undefined) {
    pairs = columns;
    columns = 4;
  }
  return h('dl', { class: 'facts facts-' + columns }, pairs.filter(Boolean).map(([k, v]) => [h('dt', null, k), h('dd', null, v == null || v === '' ? '—' : v)]));
}

export function status(s) {
  return h('span', { class: 'status status-' + String(s || 'UNKNOWN').replace(/[^A-Z_]/g, ''), title: statusTitle(s) }, s || '—');
}

function statusTitle(s) {
  switch (s) {
    case 'INTERRUPTED': return 'interrupted: training stopped before every device was recorded (fleetml resume continues it)';
    case 'RUNNING': return 'running: updates live';
    default: return null;
  }
}

/** A paging bar: "page N" with previous/next links (hrefs, or null when there is none). */
export function pager(page, total, pageSize, prevHref, nextHref) {
  const pages = Math.max(1, Math.ceil(total / pageSize));
  return h('div', { class: 'pager' },
    prevHref ? link(prevHref, '← previous', { rel: 'prev', dataset: { pager: 'prev' } }) : h('span', { class: 'muted' }, '← previous'),
    h('span', { dataset: { pager: 'page' } }, `page ${page} of ${count(pages)} (${count(total)} devices)`),
    nextHref ? link(nextHref, 'next →', { rel: 'next', dataset: { pager: 'next' } }) : h('span', { class: 'muted' }, 'next →'));
}
