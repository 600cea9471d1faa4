// A resource: spec and status side by side, its type's FSM with the current status and the
// path it took lit, a timeline of its tasks' attempts, its properties, and the actions its
// role allows. Kept live from the event stream.
import { actionButton, api, ago, el, events, requireSession, say, statusBadge, time } from './common.js';

const id = location.pathname.split('/').pop();
const app = document.getElementById('app');
const TERMINAL = new Set(['DELETED', 'TERMINATED']);
let resource;
let transitions = [];
let svg;

const section = (title, ...body) =>
  el('section', { 'aria-labelledby': `h-${title}` }, el('h2', { id: `h-${title}` }, title), ...body);

function summary(r) {
  return el(
    'dl',
    { class: 'sidebyside', 'aria-label': 'Spec and status' },
    el('div', {}, el('dt', {}, 'Spec'), el('dd', { id: 'spec' }, r.spec)),
    el('div', {}, el('dt', {}, 'Status'), el('dd', { id: 'current-status' }, statusBadge(r.status, r.spec))),
    el('div', {}, el('dt', {}, 'Type'), el('dd', {}, r.type)),
    el('div', {}, el('dt', {}, 'Updated'), el('dd', { title: r.updatedAt }, ago(r.updatedAt))),
    el('div', {}, el('dt', {}, 'Locked by'), el('dd', {}, r.workerId ?? 'nobody')),
    r.error ? el('div', { class: 'wide' }, el('dt', {}, 'Error'), el('dd', { class: 'error' }, r.error)) : null,
  );
}

function actions(r) {
  const done = (what) => async () => {
    await what();
    say('Asked; the resource moves on in the background.');
    await refresh();
  };
  const buttons = [
    r.status === 'ERROR'
      ? actionButton(
          'Retry',
          'operator',
          done(() => api('POST', `/v1/resources/${id}/retry`)),
        )
      : null,
    r.type === 'vnf' && !TERMINAL.has(r.spec)
      ? actionButton(
          'Terminate',
          'operator',
          done(() => api('POST', `/v1/vnfs/${id}/terminate`)),
        )
      : null,
    !TERMINAL.has(r.spec)
      ? actionButton(
          'Delete',
          'operator',
          done(() => api('DELETE', `/v1/resources/${id}`)),
        )
      : null,
    r.taskId && r.status !== r.spec
      ? actionButton(
          'Revoke task',
          'operator',
          done(() => api('POST', `/v1/tasks/${r.taskId}/revoke`)),
        )
      : null,
  ].filter(Boolean);
  return el('div', { class: 'actions', role: 'group', 'aria-label': 'Actions' }, ...buttons);
}

/** What an operator looks for first: a package's VNFD summary, a vnf's server, a volume's size. */
function keyFacts(r) {
  const p = r.properties ?? {};
  const v = p.vnfd ?? {};
  const facts =
    r.type === 'vnf_package'
      ? [
          ['VNFD', v.vnfdId],
          ['Provider', v.provider ?? p.manifest?.vnfProviderId],
          ['Product', v.productName ?? p.manifest?.vnfProductName],
          ['Version', v.softwareVersion ?? p.manifest?.vnfPackageVersion],
          ['Flavours', (v.flavours ?? []).map((f) => f.id).join(', ')],
          ['VDUs', (p.vdus ?? []).map((d) => `${d.id} (${d.vcpus ?? '?'} vCPU)`).join(', ')],
          ['Images', (p.softwareImages ?? []).map((i) => i.name).join(', ')],
          ['Size', p.sizeBytes !== undefined ? `${p.sizeBytes} bytes` : undefined],
        ]
      : r.type === 'vnf'
        ? [
            ['Server', p.serverId],
            ['Host', p.hostId],
            ['Addresses', p.addresses ? JSON.stringify(p.addresses) : undefined],
            ['Package', p.vnfPackageId],
            ['Volumes', (p.volumeIds ?? []).join(', ')],
          ]
        : r.type === 'volume'
          ? [
              ['Size', p.sizeGb !== undefined ? `${p.sizeGb} GiB` : undefined],
              ['VIM volume', p.volumeId ?? p.vimVolumeId],
            ]
          : [
              ['VNF', p.vnfId],
              ['Rules', Array.isArray(p.rules) ? String(p.rules.length) : undefined],
            ];
  const shown = facts.filter(([, value]) => value !== undefined && value !== null && value !== '');
  return shown.length
    ? el(
        'dl',
        { class: 'sidebyside facts', 'aria-label': 'Summary' },
        ...shown.map(([k, value]) => el('div', {}, el('dt', {}, k), el('dd', {}, String(value)))),
      )
    : null;
}

/** The VNFD summary of a package, the server of a vnf, and the rest of its properties. */
function properties(r) {
  const p = r.properties ?? {};
  const rows = Object.entries(p).map(([k, v]) =>
    el(
      'tr',
      {},
      el('th', { scope: 'row' }, k),
      el('td', {}, el('pre', {}, typeof v === 'string' ? v : JSON.stringify(v, null, 2))),
    ),
  );
  const table = rows.length
    ? el('table', { class: 'props', 'aria-label': 'Properties' }, el('tbody', {}, ...rows))
    : el('p', {}, 'None yet.');
  return el('div', {}, keyFacts(r), table);
}

function lightGraph() {
  if (!svg || !resource) return;
  const visited = new Set(transitions.flatMap((t) => [t.from, t.to]));
  const taken = new Set(transitions.map((t) => `${t.from}>${t.to}`));
  for (const n of svg.querySelectorAll('.node')) {
    n.classList.toggle('visited', visited.has(n.dataset.state));
    n.classList.toggle('current', n.dataset.state === resource.status);
    n.setAttribute('aria-current', n.dataset.state === resource.status ? 'step' : 'false');
  }
  for (const e of svg.querySelectorAll('.edge'))
    e.classList.toggle('taken', taken.has(`${e.dataset.from}>${e.dataset.to}`));
  const path = document.getElementById('path');
  if (path)
    path.textContent = `Path: ${[transitions[0]?.from, ...transitions.map((t) => t.to)].filter(Boolean).join(' → ')}`;
}

const OUTCOME_LABEL = {
  succeeded: 'succeeded',
  failed: 'failed',
  waiting: 'waiting on the VIM',
  lost: 'lost (taken over)',
};

/** One span per attempt: queued (dispatch → start) then run (start → end), coloured by outcome. */
function timeline(items) {
  if (!items.length) return el('p', {}, 'No task has run yet.');
  const t0 = Math.min(
    ...items.map((a) => new Date(a.dispatchedAt ?? a.startedAt ?? a.finishedAt ?? Date.now()).getTime()),
  );
  const t1 = Math.max(...items.map((a) => new Date(a.finishedAt ?? Date.now()).getTime()), t0 + 1);
  const pct = (iso, fallback) => (((iso ? new Date(iso).getTime() : fallback) - t0) / (t1 - t0)) * 100;
  const list = el('ol', { class: 'timeline', 'aria-label': 'Timeline of attempts' });
  for (const a of items) {
    const q0 = pct(a.dispatchedAt, new Date(a.startedAt ?? a.finishedAt ?? Date.now()).getTime());
    const s0 = pct(a.startedAt, new Date(a.finishedAt ?? Date.now()).getTime());
    const e0 = pct(a.finishedAt, Date.now());
    const ms = a.startedAt ? new Date(a.finishedAt ?? Date.now()).getTime() - new Date(a.startedAt).getTime() : null;
    const label = `${a.action} · attempt ${a.attempt}${a.checks ? ` check ${a.checks}` : ''} · ${OUTCOME_LABEL[a.outcome] ?? a.outcome}${ms !== null ? ` · ${ms} ms` : ''}${a.worker ? ` · ${a.worker}` : ''}`;
    list.append(
      el(
        'li',
        {
          class: `span ${a.outcome}`,
          'data-outcome': a.outcome,
          title: `queued ${time(a.dispatchedAt)}, started ${time(a.startedAt)}, ended ${time(a.finishedAt)}`,
        },
        el('span', { class: 'label' }, label),
        el(
          'span',
          { class: 'bar', 'aria-hidden': 'true' },
          el('span', { class: 'queued', style: `left:${q0}%;width:${Math.max(0.3, s0 - q0)}%` }),
          el('span', { class: 'run', style: `left:${s0}%;width:${Math.max(0.5, e0 - s0)}%` }),
        ),
        a.error ? el('span', { class: 'error' }, a.error) : null,
      ),
    );
  }
  return list;
}

async function loadGraph(type) {
  const text = await (await fetch(`/assets/fsm/${type}.svg`)).text();
  const holder = el('div', { class: 'graph' });
  holder.innerHTML = text; // our own server's SVG, drawn from the FSM table
  svg = holder.querySelector('svg');
  return holder;
}

async function refresh() {
  try {
    const [r, tr, at] = await Promise.all([
      api('GET', `/v1/resources/${id}`),
      api('GET', `/v1/resources/${id}/transitions`),
      api('GET', `/v1/resources/${id}/attempts`),
    ]);
    resource = r;
    transitions = tr.items;
    document.querySelector('h1').textContent = `${r.name || r.id}`;
    document.getElementById('summary').replaceChildren(summary(r), actions(r));
    document.getElementById('timeline').replaceChildren(timeline(at.items));
    document.getElementById('properties').replaceChildren(properties(r));
    lightGraph();
  } catch (err) {
    say(err.status === 404 ? 'This resource does not exist (any more).' : err.message, true);
  }
}

await requireSession();
const first = await api('GET', `/v1/resources/${id}`).catch((err) => {
  say(err.status === 404 ? 'This resource does not exist.' : err.message, true);
  return null;
});
if (first) {
  app.append(
    el('div', { id: 'summary' }),
    section('FSM', await loadGraph(first.type), el('p', { id: 'path' })),
    section('Timeline', el('div', { id: 'timeline' })),
    section('Properties', el('div', { id: 'properties' })),
  );
  await refresh();
  let pending;
  events(`resourceId=${id}`, () => {
    clearTimeout(pending);
    pending = setTimeout(refresh, 150);
  });
}
