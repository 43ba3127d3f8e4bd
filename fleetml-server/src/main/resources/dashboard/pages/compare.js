// Two sessions device by device: metric A against B, how many got worse or better, the worse ones ranked, and the
// devices one has and the other has not.
import { errorBox, get } from '../api.js';
import { binnedScatter } from '../charts.js';
import { count, h, links, num, pager, route, section, table } from '../dom.js';
import { fetchPage, pageParam } from '../paging.js';

const PAGE = 25;
const SIDE_PAGE = 100;
const METRICS = { mse: 'MSE', r2: 'R²' };

export async function render(root, r) {
  const a = r.params.get('a');
  const b = r.params.get('b');
  const metric = METRICS[r.params.get('metric')] ? r.params.get('metric') : 'mse';
  const page = pageParam(r.params);
  const here = (extra) => route('compare', null, { a, b, metric, ...extra });
  root.append(h('h1', null, 'Compare two sessions'));
  const form = h('form', { class: 'pick', id: 'compare-form' });
  root.append(form);
  let list = [];
  try {
    list = (await get('/api/v1/sessions')).sessions || [];
  } catch (e) {
    root.append(errorBox(e, 'Listing the sessions'));
  }
  const select = (name, value) => h('select', { name, 'aria-label': 'session ' + name.toUpperCase() },
    h('option', { value: '' }, '— pick —'),
    list.map((s) => h('option', { value: s.session_id, selected: s.session_id === value },
      `${s.session_id}  ${s.experiment || ''} · ${s.algorithm || ''} · ${s.status}`)));
  const sa = select('a', a);
  const sb = select('b', b);
  const sm = h('select', { name: 'metric', 'aria-label': 'metric' },
    Object.entries(METRICS).map(([m, label]) => h('option', { value: m, selected: m === metric }, label)));
  form.append(h('label', null, 'A ', sa), h('label', null, 'B ', sb), h('label', null, 'metric ', sm), h('button', { type: 'submit' }, 'Compare'));
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    location.hash = route('compare', null, { a: sa.value, b: sb.value, metric: sm.value });
  });
  if (!a || !b) {
    root.append(h('p', { class: 'muted' }, 'Pick session A (before) and session B (after).'));
    return;
  }
  const worse = metric === 'mse' ? 'MSE grew' : 'R² fell';
  let d;
  try {
    d = await get('/api/v1/compare', { a, b, metric, x_bins: 50, y_bins: 50 });
  } catch (e) {
    root.append(errorBox(e, 'Comparing'));
    return;
  }
  const chart = h('div', { class: 'chart tall', id: 'chart-compare', dataset: { chart: 'compare' } });
  const kinds = [['common', 'in both'], ['worse', worse], ['better', 'better'], ['same', 'same'], ['added', 'in B only'], ['lost', 'in A only']];
  root.append(
    h('p', null, 'A ', links.session(a), ' → B ', links.session(b)),
    h('div', { class: 'chips', id: 'compare-counts' }, kinds.map(([k, label]) =>
      h('span', { class: 'chip chip-' + k, dataset: { count: k } }, `${label}: ${count(d[k])}`))));
  const worseBox = h('div');
  const sides = h('div', { class: 'two' });
  root.append(h('div', { class: 'two' }, section(null, chart), section(`Devices whose ${METRICS[metric]} got worse, worst first`, worseBox)),
    sides);
  const sc = d.scatter || { edges: [0, 1], cells: [] };
  const log = sc.scale === 'log';
  const drawn = binnedScatter(chart, {
    title: `${METRICS[metric]} per device: A (x) against B (y)`, xEdges: sc.edges, yEdges: sc.edges, cells: sc.cells || [],
    xLog: log, yLog: log, xName: 'A ' + METRICS[metric] + (log ? ' (log)' : ''), yName: 'B ' + METRICS[metric], diagonal: true,
  });
  await Promise.all([drawn, worseList(worseBox, a, b, metric, page, here), side(sides, a, b, 'added', 'Added: in B, not in A', d.added),
    side(sides, a, b, 'lost', 'Lost: in A, not in B', d.lost)]);
}

async function worseList(box, a, b, metric, page, here) {
  let got;
  try {
    got = await fetchPage('/api/v1/compare/worse', { a, b, metric }, page, PAGE);
  } catch (e) {
    box.append(errorBox(e, 'Ranking the worse devices'));
    return;
  }
  const { doc } = got;
  const change = metric === 'mse' ? 'B / A' : 'B − A';
  const rows = (doc.devices || []).map((x) => h('tr', { dataset: { device: x.device_id } },
    h('td', null, links.device(x.device_id, { session: b })), h('td', { class: 'num' }, num(x.a)), h('td', { class: 'num' }, num(x.b)),
    h('td', { class: 'num bad' }, metric === 'mse' ? '×' + num(x.change) : num(x.change))));
  box.append(
    table([{ label: 'Device' }, { label: 'A', cls: 'num' }, { label: 'B', cls: 'num' }, { label: change, cls: 'num' }],
      rows.length ? rows : [h('tr', null, h('td', { colspan: 4, class: 'muted' }, 'No device got worse.'))], { id: 'compare-worse', class: 'wide' }),
    pager(got.page, doc.total || 0, PAGE, got.page > 1 ? here({ page: got.page - 1 }) : null,
      doc.next_page_token ? here({ page: got.page + 1 }) : null));
}

async function side(box, a, b, which, title, total) {
  const list = h('ul', { class: 'ids', id: 'compare-' + which });
  const more = h('div');
  box.append(section(title, list, more));
  const load = async (tokenValue) => {
    let d;
    try {
      d = await get('/api/v1/compare/devices', { a, b, side: which, page_size: SIDE_PAGE, page_token: tokenValue });
    } catch (e) {
      more.replaceChildren(errorBox(e, 'Listing the devices ' + which));
      return;
    }
    list.append(...(d.devices || []).map((id) => h('li', null, links.device(id, { session: which === 'added' ? b : a }))));
    more.replaceChildren(h('span', { class: 'muted' }, `${count(list.children.length)} of ${count(d.total != null ? d.total : total)}`),
      d.next_page_token ? h('button', { type: 'button', onclick: () => load(d.next_page_token) }, 'more') : null);
    if (!list.children.length) list.replaceChildren(h('li', { class: 'muted' }, 'none'));
  };
  await load(null);
}
