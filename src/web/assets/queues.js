// Queues: depth and consumers of each queue, and the dead-letter queue's messages with the
// reason they are there; an admin sends one back to its queue or discards it.
import { actionButton, api, el, requireSession, say } from './common.js';

const app = document.getElementById('app');
const queues = el('tbody');
const letters = el('tbody');
const total = el('p', { id: 'dl-total' });
app.append(
  el(
    'table',
    { 'aria-label': 'Queues' },
    el('thead', {}, el('tr', {}, ...['Queue', 'Messages', 'Consumers'].map((h) => el('th', { scope: 'col' }, h)))),
    queues,
  ),
  el('h2', {}, 'Dead letters'),
  total,
  el(
    'table',
    { 'aria-label': 'Dead letters' },
    el(
      'thead',
      {},
      el(
        'tr',
        {},
        ...['Message', 'From queue', 'Reason', 'Payload', 'Actions'].map((h) => el('th', { scope: 'col' }, h)),
      ),
    ),
    letters,
  ),
);

async function load() {
  try {
    const [q, d] = await Promise.all([api('GET', '/v1/queues'), api('GET', '/v1/dead-letters?limit=100')]);
    queues.replaceChildren(
      ...q.items.map((x) =>
        el('tr', {}, el('td', {}, x.name), el('td', {}, String(x.messages)), el('td', {}, String(x.consumers))),
      ),
    );
    total.textContent = `${d.total} message(s) in the dead-letter queue${d.total > d.items.length ? `; the first ${d.items.length} shown` : ''}.`;
    letters.replaceChildren(
      ...d.items.map((m) =>
        el(
          'tr',
          { 'data-id': m.id },
          el('td', {}, m.id),
          el('td', {}, m.queue ?? 'unknown'),
          el('td', { class: 'error' }, m.reason ?? ''),
          el('td', {}, el('pre', {}, JSON.stringify(m.payload, null, 1).slice(0, 600))),
          el(
            'td',
            { role: 'group', 'aria-label': `Actions for ${m.id}` },
            actionButton('Requeue', 'admin', async () => {
              await api('POST', `/v1/dead-letters/${encodeURIComponent(m.id)}/requeue`);
              say(`Requeued ${m.id} to ${m.queue}`);
              await load();
            }),
            actionButton('Discard', 'admin', async () => {
              await api('DELETE', `/v1/dead-letters/${encodeURIComponent(m.id)}`);
              say(`Discarded ${m.id}`);
              await load();
            }),
          ),
        ),
      ),
    );
  } catch (err) {
    say(err.message, true);
  }
}

await requireSession();
await load();
setInterval(load, 5000);
