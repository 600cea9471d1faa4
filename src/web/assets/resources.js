// Resources: filtered by type, status, text and "stuck", paginated by the API (newest
// first), each row updated live from the event stream.
import { ago, api, el, events, requireSession, say, statusBadge } from './common.js';

const TYPES = ['', 'vnf_package', 'volume', 'vnf', 'acl'];
const stuckAfterS = Number(document.body.dataset.stuckAfterS);
const params = new URLSearchParams(location.search);
const app = document.getElementById('app');

const field = (id, label, input) => el('div', { class: 'field' }, el('label', { for: id }, label), input);
const type = el('select', { id: 'f-type', name: 'type' }, ...TYPES.map((t) => el('option', { value: t }, t || 'any')));
const status = el('input', { id: 'f-status', name: 'status', placeholder: 'e.g. ERROR', size: 12 });
const text = el('input', { id: 'f-q', name: 'q', type: 'search', placeholder: 'name or id' });
const stuck = el('input', { id: 'f-stuck', name: 'stuck', type: 'checkbox' });
type.value = params.get('type') ?? '';
status.value = params.get('status') ?? '';
text.value = params.get('q') ?? '';
stuck.checked = params.get('stuck') === 'true';

const filters = el(
  'form',
  { class: 'filters', role: 'search', 'aria-label': 'Filter resources' },
  field('f-type', 'Type', type),
  field('f-status', 'Status', status),
  field('f-q', 'Search', text),
  el(
    'div',
    { class: 'field check' },
    stuck,
    el('label', { for: 'f-stuck' }, `Stuck (away from spec > ${stuckAfterS}s)`),
  ),
  el('button', { type: 'submit' }, 'Filter'),
);
const tbody = el('tbody');
const table = el(
  'table',
  { 'aria-label': 'Resources' },
  el(
    'thead',
    {},
    el('tr', {}, ...['Name', 'Type', 'Status', 'Spec', 'Updated', 'Error'].map((h) => el('th', { scope: 'col' }, h))),
  ),
  tbody,
);
const prev = el('button', { type: 'button' }, 'Previous page');
const next = el('button', { type: 'button' }, 'Next page');
app.append(filters, table, el('div', { class: 'pager' }, prev, next));

let cursors = [null];
let page = 0;
let nextCursor = null;
const rows = new Map();

function query(cursor) {
  const q = new URLSearchParams({ order: 'desc', limit: '50' });
  if (type.value) q.set('type', type.value);
  if (status.value.trim()) q.set('status', status.value.trim().toUpperCase());
  if (text.value.trim()) q.set('q', text.value.trim());
  if (stuck.checked) q.set('stuck', 'true');
  if (cursor) q.set('cursor', cursor);
  return q;
}

function row(r) {
  const tr = el(
    'tr',
    { 'data-id': r.id },
    el('td', {}, el('a', { href: `/resources/${r.id}` }, r.name || r.id)),
    el('td', {}, r.type),
    el('td', { class: 'status' }, statusBadge(r.status, r.spec)),
    el('td', {}, r.spec),
    el('td', { class: 'updated', title: r.updatedAt }, ago(r.updatedAt)),
    el('td', { class: 'error' }, r.error ?? ''),
  );
  rows.set(r.id, { tr, r });
  return tr;
}

async function load() {
  try {
    const data = await api('GET', `/v1/resources?${query(cursors[page])}`);
    rows.clear();
    tbody.replaceChildren(...data.items.map(row));
    if (!data.items.length) tbody.append(el('tr', {}, el('td', { colspan: 6 }, 'No resources match.')));
    nextCursor = data.nextCursor;
    prev.disabled = page === 0;
    next.disabled = !nextCursor;
    say(`Page ${page + 1}: ${data.items.length} resource(s)`);
  } catch (err) {
    say(err.message, true);
  }
}

filters.addEventListener('submit', (e) => {
  e.preventDefault();
  history.replaceState(null, '', `?${query(null)}`);
  cursors = [null];
  page = 0;
  load();
});
next.addEventListener('click', () => {
  cursors[++page] = nextCursor;
  load();
});
prev.addEventListener('click', () => {
  page = Math.max(0, page - 1);
  load();
});

// a transition updates its row; a resource not on the page may belong on it: the first page is read again
let reload;
function onTransition(t) {
  const hit = rows.get(t.resourceId);
  if (hit) {
    hit.r = { ...hit.r, status: t.to, error: t.error ?? (t.to === 'ERROR' ? hit.r.error : null), updatedAt: t.at };
    hit.tr.querySelector('.status').replaceChildren(statusBadge(t.to, hit.r.spec));
    hit.tr.querySelector('.updated').textContent = ago(t.at);
    hit.tr.querySelector('.error').textContent = hit.r.error ?? '';
    if (status.value || stuck.checked) {
      clearTimeout(reload);
      reload = setTimeout(load, 1000);
    }
  } else if (page === 0) {
    clearTimeout(reload);
    reload = setTimeout(load, 300);
  }
}

await requireSession();
await load();
events(type.value ? `type=${type.value}` : '', onTransition);
