// The REST API, with the bearer token the user entered (kept in this tab's sessionStorage only).
import { h } from './dom.js';

const KEY = 'fleetml.token';

export const token = {
  get: () => sessionStorage.getItem(KEY),
  set: (t) => (t ? sessionStorage.setItem(KEY, t) : sessionStorage.removeItem(KEY)),
};

/** A refusal or failure of the API, with the server's error code and message. */
export class ApiError extends Error {
  constructor(status, code, message) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

/** GET path?params as JSON; params with null/undefined/'' values are left out. */
export function get(path, params) {
  return request('GET', path, params);
}

export function put(path, body) {
  return request('PUT', path, null, body);
}

async function request(method, path, params, body) {
  const url = new URL(path, location.origin);
  for (const [k, v] of Object.entries(params || {})) if (v != null && v !== '') url.searchParams.set(k, v);
  const headers = { Accept: 'application/json' };
  const t = token.get();
  if (t) headers.Authorization = 'Bearer ' + t;
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  let r;
  try {
    r = await fetch(url, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), cache: 'no-store' });
  } catch (e) {
    throw new ApiError(0, 'UNREACHABLE', 'the server did not answer (' + e.message + ')');
  }
  if (r.status === 204) return null;
  let doc = null;
  try {
    doc = await r.json();
  } catch (e) {
    // not JSON: said below
  }
  if (!r.ok) {
    const err = doc && doc.error;
    const e = new ApiError(r.status, err ? err.code : 'HTTP_' + r.status, err ? err.message : r.status + ' ' + r.statusText);
    if (r.status === 401 && method === 'GET') document.dispatchEvent(new CustomEvent('fleetml:needs-token', { detail: e }));
    throw e;
  }
  return doc;
}

/** An error as a block of text in the page (the server's message, never HTML). */
export function errorBox(e, what) {
  const status = e instanceof ApiError && e.status ? ` (${e.status} ${e.code})` : '';
  return h('div', { class: 'error', role: 'alert', dataset: { error: e instanceof ApiError ? e.code : 'ERROR' } },
    h('strong', null, (what ? what + ' failed' : 'Failed') + status + ': '), e.message || String(e));
}
