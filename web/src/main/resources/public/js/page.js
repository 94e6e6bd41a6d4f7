/* What every page does first: the token, its form, and never a button left held. */
import { releaseAll } from './panel.js';
import { onPageHidden } from './lifecycle.js';
import { setupTokenForm } from './token-form.js';
import { readTokenFromFragment } from './token.js';
import { show, text } from './dom.js';

export function startPage() {
  readTokenFromFragment();
  window.addEventListener('hashchange', readTokenFromFragment);
  setupTokenForm();
  // a held button must never stay held when the page loses focus or goes away
  window.addEventListener('blur', () => releaseAll(false));
  onPageHidden(() => releaseAll(true));
  window.addEventListener('pagehide', () => releaseAll(true));
}

/** The line under the top bar that says what the page is waiting for. */
export function setStatus(message) {
  const el = document.getElementById('page-status');
  if (!el) return;
  text(el, message || '');
  show(el, !!message);
}
