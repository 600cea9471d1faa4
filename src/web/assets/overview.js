// Overview: resources by type and status, transitions per minute (a small uPlot chart),
// attempts failed in the last hour, and the resource stuck the longest.
import { ago, api, el, events, requireSession, say } from './common.js';

const app = document.getElementById('app');
const cards = el('div', { class: 'cards' });
const counts = el('div', { id: 'counts' });
const chart = el(
  'figure',
  { class: 'chart', 'aria-label': 'Transitions per minute, last hour' },
  el('figcaption', {}, 'Transitions per minute (last hour)'),
);
app.append(cards, el('section', {}, el('h2', {}, 'Resources by type and status'), counts), chart);
let plot;

const card = (label, value, extra) =>
  el(
    'div',
    { class: 'card', role: 'group', 'aria-label': label },
    el('div', { class: 'label' }, label),
    el('div', { class: 'value' }, value),
    extra ?? null,
  );

function drawChart(perMinute) {
  if (!window.uPlot) return;
  const now = Math.floor(Date.now() / 60000) * 60;
  const xs = [];
  const ys = [];
  const by = new Map(perMinute.map((p) => [Math.floor(new Date(p.at).getTime() / 1000), p.count]));
  for (let t = now - 59 * 60; t <= now; t += 60) {
    xs.push(t);
    ys.push(by.get(t) ?? 0);
  }
  const data = [xs, ys];
  if (plot) return plot.setData(data);
  plot = new window.uPlot(
    {
      width: Math.min(720, app.clientWidth || 720),
      height: 180,
      series: [{}, { label: 'transitions', stroke: '#2563eb', fill: 'rgba(37,99,235,.12)' }],
      axes: [{}, { size: 50 }],
    },
    data,
    chart,
  );
}

async function load() {
  try {
    const o = await api('GET', '/v1/overview');
    const total = o.resources.reduce((n, c) => n + c.count, 0);
    const lastMinute = o.transitionsPerMinute.at(-1)?.count ?? 0;
    cards.replaceChildren(
      card('Resources', String(total)),
      card('Transitions in the last minute', String(lastMinute)),
      card('Attempts failed (last hour)', String(o.failedLastHour)),
      card(
        'Oldest stuck',
        o.oldestStuck ? `${o.oldestStuck.name || o.oldestStuck.id}` : 'none',
        o.oldestStuck
          ? el(
              'a',
              { href: `/resources/${o.oldestStuck.id}` },
              `${o.oldestStuck.status} → ${o.oldestStuck.spec}, since ${ago(o.oldestStuck.since)}`,
            )
          : null,
      ),
    );
    const types = [...new Set(o.resources.map((c) => c.type))];
    counts.replaceChildren(
      ...types.map((t) =>
        el(
          'table',
          { class: 'counts', 'aria-label': `${t} by status` },
          el('caption', {}, t),
          el(
            'tbody',
            {},
            ...o.resources
              .filter((c) => c.type === t)
              .map((c) =>
                el(
                  'tr',
                  {},
                  el('th', { scope: 'row' }, el('a', { href: `/resources?type=${t}&status=${c.status}` }, c.status)),
                  el('td', {}, String(c.count)),
                ),
              ),
          ),
        ),
      ),
    );
    if (!types.length) counts.append(el('p', {}, 'No resources yet.'));
    drawChart(o.transitionsPerMinute);
    say(`Updated ${new Date().toLocaleTimeString()}`);
  } catch (err) {
    say(err.message, true);
  }
}

await requireSession();
await load();
let pending;
events('', () => {
  if (!pending) pending = setTimeout(() => load().finally(() => (pending = undefined)), 2000);
});
setInterval(load, 30_000);
