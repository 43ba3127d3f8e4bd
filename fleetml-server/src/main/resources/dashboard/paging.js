// Page numbers: the URL keeps the page number, and the API takes it as ?page=N, so a shared link to page N is one
// request. Past the last page (the data changed since the link was made) the last page is shown.
import { get } from './api.js';

/** Page {page} (from 1) of path with query, pageSize rows each: {doc, page}. */
export async function fetchPage(path, query, page, pageSize) {
  const p = Math.max(1, page);
  const doc = await get(path, { ...query, page_size: pageSize, page: p });
  if (p > 1 && (doc.devices || []).length === 0) {
    const last = doc.total ? Math.max(1, Math.ceil(doc.total / pageSize)) : 1;
    if (last < p) return { doc: await get(path, { ...query, page_size: pageSize, page: last }), page: last };
  }
  return { doc, page: p };
}

export function pageParam(params) {
  const p = parseInt(params.get('page') || '1', 10);
  return Number.isFinite(p) && p > 0 ? p : 1;
}
