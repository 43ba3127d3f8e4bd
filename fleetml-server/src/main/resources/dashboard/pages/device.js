// One device: its runs across sessions (a metric over time), its model and which model answers for it in each alias.
import { errorBox, get } from '../api.js';
import { bars, history } from '../charts.js';
import { count, facts, h, link, links, num, route, section, status, table, when } from '../dom.js';

const METRICS = { mse: 'MSE', r2: 'R²', rmse: 'RMSE', mae: 'MAE' };

export async function render(root, r) {
  const id = r.id;
  const metric = METRICS[r.params.get('metric')] ? r.params.get('metric') : 'mse';
  const sessionId = r.params.get('session');
  const enc = encodeURIComponent(id);
  root.append(h('div', { class: 'title-row' }, h('h1', null, 'Device ', h('span', { class: 'mono', id: 'device-id' }, id))));
  const runsBox = h('div');
  const modelBox = h('div');
  const aliasBox = h('div');
  root.append(section('Runs across sessions', runsBox), h('div', { class: 'two' },
    section('Model' + (sessionId ? '' : ' (newest session)'), modelBox), section('Registry aliases', aliasBox)));
  await Promise.all([
    get(`/api/v1/devices/${enc}/runs`, { limit: 100 }).then((d) => runs(runsBox, d, id, metric, sessionId))
      .catch((e) => runsBox.append(errorBox(e, 'Listing the runs'))),
    get(`/api/v1/devices/${enc}/model`, { session: sessionId }).then((d) => model(modelBox, d))
      .catch((e) => modelBox.append(errorBox(e, 'Loading the model'))),
    get(`/api/v1/devices/${enc}/aliases`).then((d) => aliases(aliasBox, d))
      .catch((e) => aliasBox.append(errorBox(e, 'Resolving the aliases'))),
  ]);
}

async function runs(box, d, id, metric, sessionId) {
  const list = d.runs || [];
  if (!list.length) {
    box.append(h('p', { class: 'muted' }, 'No runs of this device.'));
    return null;
  }
  const el = h('div', { class: 'chart short', id: 'chart-history', dataset: { chart: 'history' } });
  box.append(
    h('div', { class: 'switch' }, 'Metric: ', Object.entries(METRICS).map(([m, label]) =>
      link(route('device', id, { metric: m, session: sessionId }), label, { class: m === metric ? 'active' : null }))),
    el,
    table([{ label: 'Session' }, { label: 'Experiment' }, { label: 'Started' }, { label: 'Status' }, { label: 'Rows used', cls: 'num' },
      { label: 'MSE', cls: 'num' }, { label: 'R²', cls: 'num' }, { label: 'Chosen' }, { label: 'Error' }],
    list.map((x) => [links.session(x.session_id), x.experiment, when(x.started_at), status(x.status), count(x.n_used),
      num(x.mse), num(x.r2), x.chosen || '—', x.error ? h('span', { class: 'err-text', title: x.error }, x.error) : '']),
    { id: 'runs', class: 'wide' }));
  const points = list.filter((x) => x[metric] != null && x.started_at)
    .map((x) => ({ t: x.started_at, y: x[metric], label: `${x.experiment || ''} ${x.session_id.slice(0, 8)}` })).reverse();
  return history(el, points, `Holdout ${METRICS[metric]} by session`, METRICS[metric], false);
}

async function model(box, m) {
  box.append(facts(2, [
    ['Session', links.session(m.session_id)], ['Status', status(m.status)], ['Algorithm', m.algorithm],
    ['Answers with', m.chosen || 'its device model'],
    ['Parameters', Object.entries(m.params || {}).map(([k, v]) => `${k}=${v}`).join(', ') || 'defaults'],
    ['Features', (m.features || []).join(', ')], ['Label', m.label], ['Model', h('span', { class: 'mono' }, m.model_uri || '—')],
  ]));
  const imp = m.importances || [];
  if (!imp.length) {
    box.append(h('p', { class: 'muted' }, m.importances_unavailable || 'This algorithm reports no feature importances.'));
    return null;
  }
  const el = h('div', { class: 'chart short', id: 'chart-importances', dataset: { chart: 'importances' } });
  box.append(el);
  const kind = m.importance_kind || 'importance';
  return bars(el, imp.slice(0, 15).map((x) => ({ label: x.feature, value: x.value })), 'Feature importances (' + kind + ')', kind);
}

function aliases(box, d) {
  const list = d.aliases || [];
  box.append(list.length ? table([{ label: 'Model' }, { label: 'Alias' }, { label: 'Version', cls: 'num' }, { label: 'Session' }, { label: 'Answers' }],
    list.map((a) => [link(route('registry', null, { name: a.model }), a.model), a.alias, String(a.version), links.session(a.session_id),
      a.answers ? h('span', null, a.answers, a.model_name ? h('span', { class: 'muted mono small' }, ' ' + a.model_name) : null)
        : h('span', { class: 'bad' }, 'no model answers for it')]),
    { id: 'aliases' }) : h('p', { class: 'muted', id: 'aliases' }, 'No registry alias points at a version.'));
}
