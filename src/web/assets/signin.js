// Sign in with an API token: it is sent once, in a POST body, and the browser keeps only the
// session cookie the API sets (HttpOnly: no script can read it).
import { el, say } from './common.js';

const app = document.getElementById('app');
const input = el('input', { id: 'token', name: 'token', type: 'password', autocomplete: 'off', required: true });
const form = el(
  'form',
  { class: 'signin' },
  el('label', { for: 'token' }, 'Token'),
  input,
  el('button', { type: 'submit' }, 'Sign in'),
  el('p', { class: 'hint' }, 'An API token of any role: nfvo token create --role viewer|operator|admin'),
);
form.addEventListener('submit', async (e) => {
  e.preventDefault();
  const r = await fetch('/v1/session', {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    credentials: 'same-origin',
    body: JSON.stringify({ token: input.value }),
  });
  if (r.ok) {
    // back to the page that sent here, on this origin only
    const next = new URL(new URLSearchParams(location.search).get('next') ?? '/', location.origin);
    location.assign(next.origin === location.origin ? next.pathname + next.search : '/');
  } else {
    const p = await r.json().catch(() => ({}));
    say(`Sign in failed: ${p.detail || r.status}`, true);
  }
});
app.append(form);
input.focus();
