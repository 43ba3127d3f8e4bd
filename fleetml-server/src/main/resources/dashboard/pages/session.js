// One session: facts, status counts, histograms and the binned scatter of its devices, failure reasons, the worst
// devices (sortable, paged, searchable) and, with fleet models, how the device, fleet and stack models compare.
import { errorBox, get } from '../api.js';
import { bars, binnedScatter, histogram } from '../charts.js';
import { add, count, duration, facts, h, link, links, num, pager, route, section, status, table, when } from '../dom.js';
import { fetchPage, pageParam } from '../paging.js';

const PAGE = 25;
const SORTS = { device: 'device', mse: 'MSE', r2: 'R²', n_used: 'rows used', train_ms: 'training ms' };
const METRICS = { r2: 'R²', mse: 'MSE' };

export async function render(root, r, ctx) {
  const id = r.id;
  const tab = ['overview', 'devices', 'failures'].includes(r.params.get('tab')) ? r.params.get('tab') : 'overview';
  const base = `/api/v1/sessions/${encodeURIComponent(id)}`;
  // the overview's data is asked for with the session, not after it
  const early = tab === 'overview' ? overviewData(base, r.params) : null;
  let s;
  try {
    s = await get(base);
  } catch (e) {
    root.append(h('h1', null, 'Session'), errorBox(e, 'Loading session ' + id));
    return;
  }
  const sum = s.summary || {};
  root.append(
    h('div', { class: 'title-row' },
      h('h1', null, 'Session ', h('span', { class: 'mono' }, s.session_id), ' ', status(s.status)),
      h('div', { class: 'actions' }, link(route('compare', null, { b: s.session_id, a: s.retrained_from }), 'Compare…'))),
    facts([
      ['Experiment', s.experiment], ['Label', s.label], ['Algorithm', s.algorithm],
      ['Parameters', Object.entries(s.params || {}).map(([k, v]) => `${k}=${v}`).join(', ') || 'defaults'],
      ['Features', (s.features || []).join(', ')], ['Devices', count(s.n_devices)], ['Rows', count(s.n_rows)],
      ['Started', when(s.started_at)], ['Ended', when(s.ended_at)], ['Duration', duration(sum.seconds)],
      ['Engine', s.engine], ['Data', s.data_source],
      s.retrained_from ? ['Retrained from', links.session(s.retrained_from)] : null,
      s.fleet ? ['Fleet models', `${s.fleet.mode} (${s.fleet.algorithm})`] : null,
      s.error ? ['Error', h('span', { class: 'bad' }, s.error)] : null,
    ]),
    h('nav', { class: 'tabs' }, ['overview', 'devices', 'failures'].map((t) =>
      link(route('session', id, { tab: t }), t[0].toUpperCase() + t.slice(1), { class: t === tab ? 'active' : null, dataset: { tab: t } }))));
  const body = h('div', { class: 'tab-body' });
  root.append(body);
  if (tab === 'devices') await devices(body, s, r.params, base);
  else if (tab === 'failures') await failures(body, s, base);
  else await overview(body, s, early);
}

/** The overview's four requests, sent at once; failures are shown where their chart would be. */
function overviewData(base, params) {
  const metric = METRICS[params.get('metric')] ? params.get('metric') : 'r2';
  const ask = (path, p) => {
    const answer = get(base + path, p);
    answer.catch(() => {}); // shown by the chart that waits for it, or not at all when the session failed to load
    return answer;
  };
  return {
    metric,
    counts: ask('/counts'),
    r2: ask('/histogram', { metric: 'r2', bins: 30 }),
    mse: ask('/histogram', { metric: 'mse', bins: 30 }),
    scatter: ask('/scatter', { metric, x_bins: 60, y_bins: 40 }),
  };
}

async function overview(body, s, data) {
  const metric = data.metric;
  const countsBox = h('div', { id: 'status-counts' });
  const histR2 = h('div', { class: 'chart', id: 'chart-hist-r2', dataset: { chart: 'histogram-r2' } });
  const histMse = h('div', { class: 'chart', id: 'chart-hist-mse', dataset: { chart: 'histogram-mse' } });
  const noteR2 = h('p', { class: 'note' });
  const noteMse = h('p', { class: 'note' });
  const scatter = h('div', { class: 'chart tall', id: 'chart-scatter', dataset: { chart: 'scatter' } });
  const scatterNote = h('p', { class: 'note' });
  body.append(
    section('Devices by status', countsBox),
    h('div', { class: 'two' },
      section(null, histR2, noteR2),
      section(null, histMse, noteMse)),
    section(null,
      h('div', { class: 'switch' }, 'Metric: ', Object.entries(METRICS).map(([m, label]) =>
        link(route('session', s.session_id, { metric: m }), label, { class: m === metric ? 'active' : null }))),
      scatter, scatterNote));
  const fleetBox = s.fleet ? h('div', { class: 'two' }) : null;
  if (fleetBox) body.append(section('Device, fleet and stack models', fleetBox));

  const drawing = [];
  drawing.push(data.counts.then((c) => {
    add(countsBox, statusCounts(c, s));
    if (fleetBox) return fleet(fleetBox, s, c);
    return null;
  }).catch((e) => countsBox.append(errorBox(e, 'Counting the devices'))));
  const hist = (m, el, note, title) => data[m].then((d) => {
    note.textContent = histNote(d);
    return histogram(el, d, title);
  }).catch((e) => el.replaceWith(errorBox(e, 'The ' + title + ' histogram')));
  drawing.push(hist('r2', histR2, noteR2, 'Holdout R² across devices'));
  drawing.push(hist('mse', histMse, noteMse, 'Holdout MSE across devices'));
  drawing.push(data.scatter.then((d) => {
    scatterNote.textContent = `${count(d.devices)} devices binned on the server; the ${d.worst ? d.worst.length : 0} worst by ${METRICS[metric]}`
      + ' are drawn one by one (click one to open it).';
    return binnedScatter(scatter, {
      title: `Training rows against holdout ${METRICS[metric]}`,
      xEdges: d.x_edges, yEdges: d.y_edges, cells: d.cells || [], xLog: d.x_scale === 'log', yLog: d.y_scale === 'log',
      xName: 'training rows (log)', yName: METRICS[metric] + (d.y_scale === 'log' ? ' (log)' : ''),
      points: (d.worst || []).map((w) => ({ id: w.device_id, x: w.n_used, y: w.value })), pointName: 'worst devices',
      onPoint: (device) => { location.hash = route('device', device, { session: s.session_id }); },
    });
  }).catch((e) => scatter.replaceWith(errorBox(e, 'The scatter'))));
  await Promise.all(drawing);
}

function histNote(d) {
  const parts = [`${count(d.devices)} devices with the metric`];
  if (d.missing) parts.push(`${count(d.missing)} without`);
  if (d.below || d.above) parts.push(`outside the 1st–99th percentile range: ${count(d.below)} below, ${count(d.above)} above (orange bars)`);
  parts.push(`min ${num(d.min)}, max ${num(d.max)}`);
  return parts.join('; ') + '.';
}

function statusCounts(c, s) {
  const st = c.status || {};
  const chips = Object.entries(st).map(([k, n]) => h('span', { class: 'chip status-' + k, dataset: { count: k } }, `${k} ${count(n)}`));
  const out = [h('div', { class: 'chips' }, chips,
    h('span', { class: 'muted' }, `${count(c.recorded)} of ${count(c.expected)} devices recorded`))];
  if (s.status === 'RUNNING') out.push(h('progress', { max: Math.max(1, c.expected || 0), value: c.recorded || 0 }));
  if (s.status === 'INTERRUPTED') {
    out.push(h('p', { class: 'bad' }, 'This session was interrupted before every device was recorded; fleetml resume continues it.'));
  }
  return out;
}

async function fleet(box, s, c) {
  const rows = (s.fleet.test_mse || []).map((m) => [m.model, m.scope, count(m.devices), count(m.rows), num(m.mse), num(m.median_mse)]);
  box.append(h('div', null,
    h('h3', null, 'Test MSE by model'),
    table([{ label: 'Model' }, { label: 'Scope' }, { label: 'Devices', cls: 'num' }, { label: 'Rows', cls: 'num' },
      { label: 'MSE', cls: 'num' }, { label: 'Median MSE', cls: 'num' }], rows, { id: 'fleet-test-mse' })));
  if (!c.chosen) return null;
  const el = h('div', { class: 'chart short', id: 'chart-chosen', dataset: { chart: 'chosen' } });
  box.append(h('div', null, el));
  const items = Object.entries(c.chosen).filter(([, n]) => n > 0).map(([k, n]) => ({ label: k, value: n }));
  return bars(el, items, 'Devices answered by each model (chosen)', 'devices');
}

async function devices(body, s, params, base) {
  const sort = SORTS[params.get('sort')] ? params.get('sort') : 'mse';
  const q = params.get('q') || '';
  const reverse = params.get('reverse') === 'true';
  const page = pageParam(params);
  const fleetCols = !!s.fleet;
  const here = (extra) => route('session', s.session_id, { tab: 'devices', sort, reverse: reverse ? 'true' : null, q, ...extra });
  const input = h('input', { type: 'search', name: 'q', id: 'device-search', value: q, placeholder: 'device id contains…', 'aria-label': 'search device ids' });
  body.append(h('form', {
    class: 'search', id: 'device-search-form',
    onsubmit: (e) => {
      e.preventDefault();
      location.hash = route('session', s.session_id, { tab: 'devices', sort, reverse: reverse ? 'true' : null, q: input.value.trim() });
    },
  }, input, h('button', { type: 'submit' }, 'Search'), q ? link(here({ q: null }), 'clear') : null,
  h('span', { class: 'muted' }, sort === 'device' ? `By device id${reverse ? ', descending' : ''}; click a column to sort, again to reverse.`
    : `${reverse ? 'Best' : 'Worst'} first by ${SORTS[sort]}; click a column to sort, again to reverse.`)));
  let got;
  try {
    got = await fetchPage(base + '/devices', { sort, q, reverse: reverse ? 'true' : null }, page, PAGE);
  } catch (e) {
    body.append(errorBox(e, 'Listing the devices'));
    return;
  }
  const { doc } = got;
  const head = (label, key, cls) => {
    if (!key) return h('th', { class: cls }, label);
    const on = key === sort;
    return h('th', { class: (cls || '') + (on ? ' sorted' : ''), 'aria-sort': on ? (key === 'device' && !reverse ? 'ascending' : key === 'device' ? 'descending' : 'other') : null },
      link(here({ sort: key, page: null, reverse: on && !reverse ? 'true' : null }), label + (on ? (reverse ? ' ↑' : ' ↓') : ''), { dataset: { sort: key } }));
  };
  const cols = [head('Device', 'device'), head('Status'), head('Rows used', 'n_used', 'num'), head('Test rows', null, 'num'),
    head('MSE', 'mse', 'num'), head('RMSE', null, 'num'), head('MAE', null, 'num'), head('R²', 'r2', 'num'),
    head('Train MSE', null, 'num'), head('Training ms', 'train_ms', 'num')];
  if (fleetCols) cols.push(head('Chosen'), head('Fleet MSE', null, 'num'), head('Stack MSE', null, 'num'));
  cols.push(head('Error'));
  const rows = (doc.devices || []).map((d) => {
    const cells = [links.device(d.device_id, { session: s.session_id }), status(d.status), count(d.n_used), count(d.n_test), num(d.mse),
      num(d.rmse), num(d.mae), num(d.r2), num(d.train_mse), count(d.train_ms)];
    if (fleetCols) cells.push(d.chosen || '—', num(d.fleet_mse), num(d.stack_mse));
    cells.push(d.error ? h('span', { class: 'err-text', title: d.error }, d.error) : '');
    const tr = h('tr', { dataset: { device: d.device_id } });
    cells.forEach((x, i) => tr.append(h('td', { class: cols[i].classList.contains('num') ? 'num' : null }, x)));
    return tr;
  });
  if (!rows.length) rows.push(h('tr', null, h('td', { colspan: cols.length, class: 'muted' }, q ? `No device id contains “${q}”.` : 'No devices.')));
  body.append(
    h('table', { id: 'devices', class: 'wide', dataset: { sort, q, reverse: String(reverse), page: got.page } },
      h('thead', null, h('tr', null, cols)), h('tbody', null, rows)),
    pager(got.page, doc.total || 0, PAGE, got.page > 1 ? here({ page: got.page - 1 }) : null,
      doc.next_page_token ? here({ page: got.page + 1 }) : null));
}

async function failures(body, s, base) {
  let d;
  try {
    d = await get(base + '/failures', { top: 10, examples: 3 });
  } catch (e) {
    body.append(errorBox(e, 'Grouping the failures'));
    return;
  }
  const groups = d.groups || [];
  body.append(section(`Failure reasons (${count(d.failed)} failed, ${count(d.skipped)} skipped)`,
    groups.length ? table([{ label: 'Status' }, { label: 'Reason' }, { label: 'Devices', cls: 'num' }, { label: 'Examples' }],
      groups.map((g) => [status(g.status), h('div', null, h('div', { class: 'mono' }, g.reason),
        g.example_error && g.example_error !== g.reason ? h('div', { class: 'muted small' }, 'e.g. ', g.example_error) : null),
      count(g.count), h('span', { class: 'examples' }, (g.examples || []).map((x) => links.device(x, { session: s.session_id })))]),
      { id: 'failures', class: 'wide' }) : h('p', { class: 'muted', id: 'failures' }, 'No device failed or was skipped.'),
    d.other ? h('p', { class: 'muted' }, `${count(d.other)} more devices failed for other reasons.`) : null));
}
