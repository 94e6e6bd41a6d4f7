/* The REST API, as the page uses it. Every call has a timeout and answers {status, ok, body}. */
import { getToken } from './token.js';

export const API = 'api/v1';
const REQUEST_TIMEOUT_MS = 10000;

export async function fetchJson(url, options = {}) {
  const ctrl = new AbortController();
  const timer = setTimeout(() => ctrl.abort(), REQUEST_TIMEOUT_MS);
  try {
    const res = await fetch(url, { ...options, signal: ctrl.signal, cache: 'no-store' });
    let body = null;
    const type = res.headers.get('Content-Type') || '';
    if (type.includes('json')) {
      try {
        body = await res.json();
      } catch (_) {
        body = null;
      }
    }
    return { status: res.status, ok: res.ok, body };
  } finally {
    clearTimeout(timer);
  }
}

function headers(extra) {
  const all = { Accept: 'application/json', ...(extra || {}) };
  const token = getToken();
  if (token) all.Authorization = 'Bearer ' + token;
  return all;
}

function hostPath(name) {
  return `${API}/hosts/${encodeURIComponent(name)}`;
}

function failure(res) {
  return new Error((res.body && res.body.error) || 'HTTP ' + res.status);
}

/**
 * A one-time ticket for the event stream (EventSource cannot send the token), or null when the
 * page has no token or the agent gives none (reads are open, or an older agent).
 */
export async function fetchStreamTicket() {
  if (!getToken()) return null;
  try {
    const res = await fetchJson(`${API}/events/tickets`, { method: 'POST', headers: headers() });
    return res.ok && res.body && typeof res.body.ticket === 'string' ? res.body.ticket : null;
  } catch (_) {
    return null;
  }
}

/** Every host (without VMs). */
export async function fetchHosts() {
  const res = await fetchJson(`${API}/hosts`, { headers: headers() });
  if (!res.ok) throw failure(res);
  const hosts = res.body && Array.isArray(res.body.hosts) ? res.body.hosts : [];
  return hosts.filter((x) => x && typeof x.name === 'string');
}

/** The host's web panel (geometry and state), or null when the host has none. */
export async function fetchPanel(name) {
  const res = await fetchJson(`${hostPath(name)}/panel`, { headers: headers() });
  if (res.status === 404) return null;
  if (!res.ok) throw failure(res);
  return res.body;
}

/** One page of the host's journal, newest first: {entries, nextBefore}; before pages back. */
export async function fetchJournal(name, limit, before) {
  const query = new URLSearchParams({ limit: String(limit) });
  if (before != null) query.set('before', String(before));
  const res = await fetchJson(`${hostPath(name)}/journal?${query}`, { headers: headers() });
  if (res.status === 404) return null; // no journal kept
  if (!res.ok) throw failure(res);
  return res.body;
}

export function postButton(name, pressed, keepalive) {
  return fetchJson(`${hostPath(name)}/panel/button`, {
    method: 'POST',
    headers: headers({ 'Content-Type': 'application/json' }),
    body: JSON.stringify({ pressed }),
    keepalive: !!keepalive,
  });
}
