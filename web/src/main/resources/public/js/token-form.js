/* The form in the top bar where the API token is pasted. */
import { attr, text } from './dom.js';
import { getToken, onTokenChange, setToken } from './token.js';

export function setupTokenForm() {
  const form = document.getElementById('token-form');
  const input = document.getElementById('token-input');
  const toggle = document.getElementById('token-toggle');
  const cancel = document.getElementById('token-cancel');
  if (!form || !input) return;
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    setToken(input.value.trim());
    input.value = '';
    showTokenPrompt(false);
  });
  if (cancel) cancel.addEventListener('click', () => showTokenPrompt(false));
  if (toggle) toggle.addEventListener('click', () => showTokenPrompt(form.hidden, true));
  const refresh = () => {
    if (!toggle) return;
    const has = !!getToken();
    attr(toggle, 'data-has-token', has ? 'true' : 'false');
    text(toggle, has ? 'token ✓' : 'token');
    attr(toggle, 'aria-label', has ? 'Change the API token' : 'Enter the API token');
  };
  onTokenChange(refresh);
  refresh();
}

export function showTokenPrompt(visible, manual) {
  const form = document.getElementById('token-form');
  const label = document.getElementById('token-label');
  if (!form) return;
  if (label) {
    text(
      label,
      manual
        ? 'API token for the maintenance button:'
        : 'Token needed to use the maintenance button. Paste the API token:',
    );
  }
  form.hidden = !visible;
  const toggle = document.getElementById('token-toggle');
  if (toggle) attr(toggle, 'aria-expanded', visible ? 'true' : 'false');
  if (visible) {
    const input = document.getElementById('token-input');
    if (input) input.focus();
  }
}
