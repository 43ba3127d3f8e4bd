// The registry: names, their versions (what each was made from) and aliases; an alias can be moved here, with the
// token when the server has one.
import { ApiError, errorBox, get, put, token } from '../api.js';
import { add, count, h, link, links, num, route, section, table, when } from '../dom.js';

export async function render(root, r) {
  const only = r.params.get('name');
  root.append(h('div', { class: 'title-row' }, h('h1', null, only ? 'Registry: ' + only : 'Registry'),
    only ? h('div', { class: 'actions' }, link(route('registry'), 'all names')) : null));
  let models;
  try {
    models = only ? [await get(`/api/v1/models/${encodeURIComponent(only)}`)] : (await get('/api/v1/models')).models || [];
  } catch (e) {
    root.append(errorBox(e, 'Listing the registry'));
    return;
  }
  if (!models.length) {
    root.append(h('p', { class: 'muted' }, 'Nothing is registered yet: fleetml registry register --session ID --name NAME.'));
    return;
  }
  for (const m of models) root.append(model(m));
}

function model(m, note) {
  const box = section(null);
  box.dataset.model = m.name;
  box.append(h('h2', null, link(route('registry', null, { name: m.name }), m.name), ' ',
    h('span', { class: 'muted small' }, `created ${when(m.created_at)}, latest version ${m.latest_version}`)));
  const aliases = Object.entries(m.aliases || {});
  box.append(h('div', { class: 'chips', dataset: { aliases: m.name } }, aliases.length
    ? aliases.map(([alias, v]) => h('span', { class: 'chip', dataset: { alias, version: v } }, `@${alias} → v${v}`))
    : h('span', { class: 'muted' }, 'no aliases')));
  box.append(table([{ label: 'Version', cls: 'num' }, { label: 'Aliases' }, { label: 'Session' }, { label: 'Made from' },
    { label: 'Devices OK / failed', cls: 'num' }, { label: 'Median MSE', cls: 'num' }, { label: 'Median R²', cls: 'num' },
    { label: 'By' }, { label: 'Created' }, { label: 'Description' }],
  (m.versions || []).map((v) => {
    const s = v.session || {};
    return [String(v.version), (v.aliases || []).map((a) => '@' + a).join(' '), links.session(v.session_id),
      madeFrom(s, v.lineage), `${count(s.devices_ok)} / ${count(s.devices_failed)}`, num(s.mse_p50), num(s.r2_p50),
      v.created_by, when(v.created_at), v.description];
  }), { class: 'wide', dataset: { versions: m.name } }));
  box.append(moveForm(m, note));
  return box;
}

/** What a version was made from: its session's experiment, algorithm and fleet mode, and the sessions it was retrained from. */
function madeFrom(s, lineage) {
  const what = [s.experiment, s.algorithm, s.fleet ? 'fleet ' + s.fleet : null].filter(Boolean).join(' · ');
  const parents = (lineage || []).slice(1);
  return h('span', null, what || '—', parents.length
    ? h('div', { class: 'small' }, 'retrained from ', parents.map((p, i) => [i ? ' ← ' : '', links.session(p)])) : null);
}

function moveForm(m, note) {
  const aliasNames = Object.keys(m.aliases || {});
  const listId = 'aliases-of-' + m.name.replace(/[^A-Za-z0-9_-]/g, '_');
  const alias = h('input', { name: 'alias', list: listId, value: aliasNames[0] || '', required: true, placeholder: 'alias', 'aria-label': 'alias' });
  const version = h('select', { name: 'version', 'aria-label': 'version' },
    (m.versions || []).map((v) => h('option', { value: v.version }, 'v' + v.version)));
  const result = h('div', { class: 'move-result' + (note ? ' ok' : ''), role: 'status', 'aria-live': 'polite',
    dataset: { outcome: note ? 'moved' : null } }, note);
  const form = h('form', { class: 'move', dataset: { move: m.name } },
    h('datalist', { id: listId }, aliasNames.map((a) => h('option', { value: a }))),
    h('span', null, 'Move alias '), alias, h('span', null, ' to '), version, h('button', { type: 'submit' }, 'Move'),
    h('span', { class: 'muted small' }, token.get() ? ' (with the token you entered)' : ' (no token entered)'), result);
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const a = alias.value.trim();
    const v = Number(version.value);
    result.className = 'move-result';
    delete result.dataset.outcome;
    result.textContent = 'Moving…';
    try {
      const done = await put(`/api/v1/models/${encodeURIComponent(m.name)}/aliases/${encodeURIComponent(a)}`, { version: v });
      const moved = `Moved @${a} to version ${done && done.version != null ? done.version : v}.`;
      const fresh = await get(`/api/v1/models/${encodeURIComponent(m.name)}`);
      form.closest('[data-model]').replaceWith(model(fresh, moved));
    } catch (err) {
      result.classList.add('refused');
      result.dataset.outcome = err instanceof ApiError && (err.status === 401 || err.status === 403) ? 'refused' : 'failed';
      result.textContent = '';
      add(result, err instanceof ApiError && (err.status === 401 || err.status === 403)
        ? h('strong', null, `Refused (${err.status}): `) : h('strong', null, 'Failed: '), err.message,
      err.status === 401 ? h('span', null, ' — enter the server\'s token at the top right and try again.') : null);
    }
  });
  return form;
}
