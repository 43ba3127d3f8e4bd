// Sessions: newest first; a running session shows its progress and updates live; pick two to compare.
import { errorBox, get } from '../api.js';
import { count, duration, h, links, num, route, status, when } from '../dom.js';

const POLL_MS = 2000;

export async function render(root, r, ctx) {
  const experiment = r.params.get('experiment');
  const picked = [];
  const compareLink = h('a', { class: 'button disabled', id: 'compare-picked', 'aria-disabled': 'true' }, 'Compare the two picked');
  const hint = h('span', { class: 'muted' }, 'Pick two sessions (A, then B) to compare them.');
  const body = h('tbody');
  const updated = h('span', { class: 'muted', id: 'sessions-updated' });
  root.append(
    h('div', { class: 'title-row' },
      h('h1', null, experiment ? `Sessions of ${experiment}` : 'Sessions'),
      h('div', { class: 'actions' }, hint, compareLink)),
    h('table', { id: 'sessions', class: 'wide' },
      h('thead', null, h('tr', null, ['Pick', 'Session', 'Experiment', 'Label', 'Algorithm', 'Status', 'OK', 'Failed',
        'Median MSE', 'Median R²', 'Duration', 'Retrained from', 'Started'].map((c, i) =>
        h('th', { class: i >= 6 && i <= 10 ? 'num' : null }, c)))),
      body),
    updated);

  const pick = (id, on) => {
    const i = picked.indexOf(id);
    if (on && i < 0) picked.push(id);
    if (!on && i >= 0) picked.splice(i, 1);
    while (picked.length > 2) {
      const dropped = picked.shift();
      const box = body.querySelector(`input[data-session="${CSS.escape(dropped)}"]`);
      if (box) box.checked = false;
    }
    if (picked.length === 2) {
      compareLink.href = route('compare', null, { a: picked[0], b: picked[1] });
      compareLink.classList.remove('disabled');
      compareLink.removeAttribute('aria-disabled');
    } else {
      compareLink.removeAttribute('href');
      compareLink.classList.add('disabled');
      compareLink.setAttribute('aria-disabled', 'true');
    }
    hint.textContent = picked.length === 2 ? 'A = ' + picked[0].slice(0, 8) + '…, B = ' + picked[1].slice(0, 8) + '…'
      : 'Pick two sessions (A, then B) to compare them.';
  };

  const row = (s) => {
    const sum = s.summary || {};
    const running = s.status === 'RUNNING';
    const seconds = sum.seconds != null ? sum.seconds
      : s.started_at ? ((s.ended_at ? Date.parse(s.ended_at) : Date.now()) - Date.parse(s.started_at)) / 1000 : null;
    const box = h('input', { type: 'checkbox', 'aria-label': 'pick ' + s.session_id, dataset: { session: s.session_id },
      checked: picked.includes(s.session_id), onchange: (e) => pick(s.session_id, e.target.checked) });
    const st = [status(s.status)];
    if (running && s.progress) {
      st.push(h('div', { class: 'progress' },
        h('progress', { max: Math.max(1, s.progress.expected || 0), value: s.progress.recorded || 0 }),
        h('span', { class: 'muted', dataset: { progress: s.session_id } }, `${count(s.progress.recorded)} / ${count(s.progress.expected)}`)));
    }
    return h('tr', { dataset: { session: s.session_id, status: s.status }, class: 'row-' + s.status },
      h('td', null, box),
      h('td', null, links.session(s.session_id)),
      h('td', null, s.experiment),
      h('td', null, s.label),
      h('td', null, s.algorithm),
      h('td', null, st),
      h('td', { class: 'num' }, count(sum.ok)),
      h('td', { class: 'num' + (sum.failed ? ' bad' : '') }, count(sum.failed)),
      h('td', { class: 'num' }, num(sum.mse_p50)),
      h('td', { class: 'num' }, num(sum.r2_p50)),
      h('td', { class: 'num' }, duration(seconds)),
      h('td', null, s.retrained_from ? links.session(s.retrained_from) : '—'),
      h('td', null, when(s.started_at)));
  };

  let timer = null;
  const load = async () => {
    let doc;
    try {
      doc = await get('/api/v1/sessions', { experiment });
    } catch (e) {
      if (ctx.current()) body.replaceChildren(h('tr', null, h('td', { colspan: 13 }, errorBox(e, 'Listing the sessions'))));
      return;
    }
    if (!ctx.current()) return;
    const list = doc.sessions || [];
    body.replaceChildren(...(list.length ? list.map(row)
      : [h('tr', null, h('td', { colspan: 13, class: 'muted' }, 'No sessions yet: train one with fleetml train.'))]));
    const anyRunning = list.some((s) => s.status === 'RUNNING');
    updated.textContent = anyRunning ? `Updating every ${POLL_MS / 1000} s while a session runs (last ${when(new Date().toISOString())}).` : '';
    if (anyRunning && ctx.current()) timer = setTimeout(load, POLL_MS);
  };
  ctx.onLeave(() => clearTimeout(timer));
  await load();
}
