// Processes: every api, controller and worker process as it last reported in.
import { ago, api, el, requireSession, say } from './common.js';

const app = document.getElementById('app');
const tbody = el('tbody');
app.append(
  el(
    'table',
    { 'aria-label': 'Processes' },
    el(
      'thead',
      {},
      el(
        'tr',
        {},
        ...['Id', 'Roles', 'State', 'Host', 'PID', 'Version', 'Started', 'Heartbeat', 'In flight', 'Concurrency'].map(
          (h) => el('th', { scope: 'col' }, h),
        ),
      ),
    ),
    tbody,
  ),
);

async function load() {
  try {
    const { items, heartbeatIntervalS } = await api('GET', '/v1/processes');
    tbody.replaceChildren(
      ...items.map((p) =>
        el(
          'tr',
          { 'data-id': p.id, class: p.state },
          el('td', {}, p.id),
          el('td', {}, p.roles.join(', ')),
          el(
            'td',
            {},
            el('span', { class: `badge ${p.state === 'online' ? 'ok' : p.state === 'offline' ? 'bad' : ''}` }, p.state),
          ),
          el('td', {}, p.host),
          el('td', {}, String(p.pid)),
          el('td', {}, p.version),
          el('td', { title: p.startedAt }, ago(p.startedAt)),
          el('td', { title: p.heartbeatAt }, ago(p.heartbeatAt)),
          el('td', {}, String(p.inFlight)),
          el(
            'td',
            {},
            Object.entries(p.concurrency)
              .map(([k, v]) => `${k} ${v}`)
              .join(', '),
          ),
        ),
      ),
    );
    say(
      `${items.filter((p) => p.state === 'online').length} online of ${items.length}; heartbeats every ${heartbeatIntervalS}s, offline after ${heartbeatIntervalS * 3}s`,
    );
    setTimeout(load, heartbeatIntervalS * 1000);
  } catch (err) {
    say(err.message, true);
    setTimeout(load, 5000);
  }
}

await requireSession();
await load();
