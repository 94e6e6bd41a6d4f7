/*
 * The API token: taken from the URL fragment (#token=...), kept in the tab's sessionStorage, and
 * removed from the address bar. Changes are announced as the document event 'vpanel:token'.
 */

const TOKEN_KEY = 'vpanel.token';
let memoryToken = '';

export function readTokenFromFragment() {
  const hash = window.location.hash.replace(/^#/, '');
  if (!hash) return;
  const params = new URLSearchParams(hash);
  if (!params.has('token')) return;
  const token = params.get('token').trim();
  if (token) setToken(token);
  params.delete('token');
  const rest = params.toString();
  const url = window.location.pathname + window.location.search + (rest ? '#' + rest : '');
  try {
    window.history.replaceState(window.history.state, '', url);
  } catch (_) {
    /* ignore: some embedded browsers refuse replaceState */
  }
}

export function getToken() {
  try {
    return window.sessionStorage.getItem(TOKEN_KEY) || '';
  } catch (_) {
    return memoryToken;
  }
}

export function setToken(token) {
  memoryToken = token;
  try {
    if (token) window.sessionStorage.setItem(TOKEN_KEY, token);
    else window.sessionStorage.removeItem(TOKEN_KEY);
  } catch (_) {
    /* sessionStorage unavailable: memoryToken keeps it for this page */
  }
  document.dispatchEvent(new CustomEvent('vpanel:token'));
}

export function onTokenChange(fn) {
  document.addEventListener('vpanel:token', fn);
}

/** Adds the token fragment so the link also works in a new tab. */
export function withToken(href) {
  const token = getToken();
  return token ? href + '#token=' + encodeURIComponent(token) : href;
}

export function hostHref(name) {
  return withToken('host.html?host=' + encodeURIComponent(name));
}
