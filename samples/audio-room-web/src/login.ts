/** Signing in: the sample backend takes a name, no password (it is not an identity provider). */
import * as api from './api';
import { h, replaceChildren } from './dom';
import type { View } from './main';

/** Longer names are cut in tiles anyway; the backend keeps whatever it accepts. */
const MAX_NAME = 40;

export function showLogin(root: HTMLElement, done: () => void): View {
  const input = h('input', {
    id: 'login-name', name: 'name', type: 'text', required: true, maxlength: MAX_NAME,
    autocomplete: 'nickname', placeholder: 'Alice', autofocus: true,
  });
  const error = h('p', { className: 'form-error', role: 'alert' });
  const submit = h('button', { type: 'submit', className: 'primary' }, 'Continue');
  const form = h('form', { className: 'card login', 'aria-labelledby': 'login-title' },
    h('h1', { id: 'login-title' }, 'Bifrost Rooms'),
    h('p', { className: 'muted' }, 'Live audio rooms: listen in, raise your hand, take the stage.'),
    h('label', { for: 'login-name' }, 'Your name'),
    input,
    submit,
    error);
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const name = input.value.trim();
    if (!name) return;
    submit.disabled = true;
    error.textContent = '';
    try {
      await api.login(name);
      done();
    } catch (e) {
      error.textContent = e instanceof Error ? e.message : String(e);
      submit.disabled = false;
    }
  });
  replaceChildren(root, h('main', { className: 'centered' }, form));
  input.focus();
  return { dispose() {} };
}
