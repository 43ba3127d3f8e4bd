// Page numbers over the API's opaque page tokens: the URL keeps the page number; the tokens met on the way are kept
// here, so a shared link to page N walks forward once and paging back and forth then costs one request.
import { get } from './api.js';

const known = new Map();

/** Page {page} (from 1) of path with query, pageSize rows each: {doc, page} (the last page when there are fewer). */
export async function fetchPage(path, query, page, pageSize) {
  const key = JSON.stringify([path, query, pageSize]);
  let tokens = known.get(key);
  if (!tokens) {
    tokens = [null, ''];
    known.set(key, tokens);
  }
  let p = Math.max(1, page);
  while (p > 1 && tokens[p] === undefined) p--;
  for (;;) {
    const doc = await get(path, { ...query, page_size: pageSize, page_token: tokens[p] || null });
    if (doc.next_page_token) tokens[p + 1] = doc.next_page_token;
    if (p >= page || !doc.next_page_token) return { doc, page: p };
    p++;
  }
}

export function pageParam(params) {
  const p = parseInt(params.get('page') || '1', 10);
  return Number.isFinite(p) && p > 0 ? p : 1;
}
