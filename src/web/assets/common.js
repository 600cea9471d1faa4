// What every console page shares: the session, the REST API with its CSRF header, the
// event stream, and small DOM helpers. Text goes into the page as text, never as HTML.
let session = null;

export const RANK = { viewer: 0, operator: 1, admin: 2 };

/** The signed-in session (role, CSRF token); a page without one goes to sign in. */
export async function requireSession() {
  const r = await fetch('/v1/session', { credentials: 'same-origin' });
  if (r.status === 401) {
    location.assign(`/signin?next=${encodeURIComponent(location.pathname + location.search)}`);
    throw new Error('not signed in');
  }
  session = await r.json();
  const who = document.getElementById('who');
  if (who) who.textContent = `signed in as ${session.role}`;
  const out = document.getElementById('signout');
  if (out)
    out.addEventListener('click', async () => {
      await api('DELETE', '/v1/session');
      location.assign('/signin');
    });
  return session;
}

export const can = (role) => session && RANK[session.role] >= RANK[role];

export class ApiError extends Error {
  constructor(status, problem) {
    super(problem?.detail || problem?.title || `HTTP ${status}`);
    this.status = status;
  }
}

export async function api(method, path, body) {
  const headers = { Accept: 'application/json' };
  if (session && method !== 'GET') headers['X-CSRF-Token'] = session.csrf;
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  const r = await fetch(path, {
    method,
    headers,
    credentials: 'same-origin',
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (r.status === 401 && path !== '/v1/session') location.assign('/signin');
  const text = await r.text();
  const data = text ? JSON.parse(text) : null;
  if (!r.ok) throw new ApiError(r.status, data);
  return data;
}

/** Follow transitions live; reconnects by itself, resuming from the last event it saw. */
export function events(query, on) {
  const es = new EventSource(`/v1/events${query ? `?${query}` : ''}`);
  es.addEventListener('transition', (e) => on(JSON.parse(e.data)));
  return es;
}

/** An element with attributes and children (strings become text nodes). */
export function el(tag, attrs = {}, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith('on')) e.addEventListener(k.slice(2), v);
    else if (k === 'class') e.className = v;
    else e.setAttribute(k, v === true ? '' : String(v));
  }
  for (const c of children.flat()) if (c !== null && c !== undefined) e.append(c instanceof Node ? c : String(c));
  return e;
}

export function say(text, isError = false) {
  const s = document.getElementById('status');
  s.textContent = text;
  s.classList.toggle('error', isError);
}

export const ago = (iso) => {
  if (!iso) return '';
  const s = Math.round((Date.now() - new Date(iso).getTime()) / 1000);
  if (s < 60) return `${s}s ago`;
  if (s < 3600) return `${Math.floor(s / 60)}m ago`;
  if (s < 86400) return `${Math.floor(s / 3600)}h ago`;
  return `${Math.floor(s / 86400)}d ago`;
};

export const time = (iso) => (iso ? new Date(iso).toLocaleTimeString() : '');

export function statusBadge(status, spec) {
  const cls = status === 'ERROR' ? 'bad' : status === spec ? 'ok' : 'busy';
  return el('span', { class: `badge ${cls}`, 'data-status': status }, status);
}

/** A button that performs `action`, disabled with the reason when the session's role may not. */
export function actionButton(label, role, action) {
  const allowed = can(role);
  return el(
    'button',
    {
      type: 'button',
      disabled: !allowed,
      title: allowed ? undefined : `needs the ${role} role`,
      onclick: async (e) => {
        e.target.disabled = true;
        try {
          await action();
        } catch (err) {
          say(`${label} failed: ${err.message}`, true);
        } finally {
          e.target.disabled = !can(role);
        }
      },
    },
    label,
  );
}
