// The dashboard: hash routes (the URL holds the view, so a link can be shared), one module per page.
import { token } from './api.js';
import { disposeAll, load } from './charts.js';
import { h } from './dom.js';
import * as sessions from './pages/sessions.js';
import * as session from './pages/session.js';
import * as device from './pages/device.js';
import * as compare from './pages/compare.js';
import * as registry from './pages/registry.js';

const PAGES = { sessions, session, device, compare, registry };

/** Times of each page's drawing (performance.now(), ms), for tests and measurements: {page, hash, start, ready}. */
window.fleetmlTimings = [];

/** '#/session/ID?tab=devices' -> {page: 'session', id: 'ID', params: URLSearchParams}. */
export function parse(hash) {
  const s = (hash || '').replace(/^#\/?/, '');
  const q = s.indexOf('?');
  const path = q < 0 ? s : s.slice(0, q);
  const params = new URLSearchParams(q < 0 ? '' : s.slice(q + 1));
  const slash = path.indexOf('/');
  const page = slash < 0 ? path : path.slice(0, slash);
  const id = slash < 0 ? null : decodeURIComponent(path.slice(slash + 1));
  return { page: page || 'sessions', id, params };
}

let leave = [];
let generation = 0;

async function show() {
  const hash = location.hash || '#/sessions';
  const r = parse(hash);
  const page = PAGES[r.page];
  leave.forEach((f) => f());
  leave = [];
  disposeAll();
  const gen = ++generation;
  delete document.body.dataset.ready;
  document.querySelectorAll('[data-nav]').forEach((a) => a.classList.toggle('active', a.dataset.nav === r.page
    || (r.page === 'session' && a.dataset.nav === 'sessions') || (r.page === 'device' && a.dataset.nav === 'sessions')));
  const view = document.getElementById('view');
  const root = h('div', { class: 'page page-' + r.page });
  view.replaceChildren(root);
  const timing = { page: r.page, hash, start: performance.now(), ready: null };
  window.fleetmlTimings.push(timing);
  const ctx = {
    current: () => gen === generation,
    onLeave: (f) => leave.push(f),
  };
  if (!page) {
    root.append(h('div', { class: 'error', role: 'alert' }, 'No such page: ' + r.page));
  } else {
    try {
      await page.render(root, r, ctx);
    } catch (e) {
      console.warn('page failed', e); // the page shows its own errors; this is a bug in the page
      root.append(h('div', { class: 'error', role: 'alert' }, 'The page failed: ' + (e && e.message)));
    }
  }
  if (gen === generation) {
    timing.ready = performance.now();
    performance.mark('fleetml:charts-drawn', { detail: { page: r.page, hash } });
    document.body.dataset.ready = hash;
  }
}

function tokenForm() {
  const form = document.getElementById('token-form');
  const input = document.getElementById('token-input');
  const state = document.getElementById('token-state');
  const banner = document.getElementById('banner');
  const refresh = () => {
    state.textContent = token.get() ? 'token set' : 'no token';
    state.classList.toggle('ok', !!token.get());
  };
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    token.set(input.value.trim());
    input.value = '';
    banner.hidden = true;
    refresh();
    show();
  });
  document.getElementById('token-forget').addEventListener('click', () => {
    token.set(null);
    refresh();
    show();
  });
  document.addEventListener('fleetml:needs-token', (e) => {
    banner.textContent = (token.get() ? 'The server refused the token: ' : 'This server needs a token to read: ')
      + e.detail.message + '. Enter it at the top right.';
    banner.hidden = false;
    input.focus();
  });
  refresh();
}

if (!location.hash) history.replaceState(null, '', '#/sessions');
load(); // the chart library arrives while the first page asks for its data
tokenForm();
window.addEventListener('hashchange', show);
show();
