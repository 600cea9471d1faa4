// A resource type's FSM drawn as an SVG graph: statuses as nodes, steps as edges labelled
// with their action, laid out once per type with dagre. The page lights the current status
// and the path a resource took through the nodes' and edges' data attributes.
import dagre from '@dagrejs/dagre';
import type { FsmTable } from '../fsm/types.js';

type Edge = { from: string; to: string; action: string };

/** The FSM's edges: current → next for each step, and through its waiting status when it has one (a step may wait, or not). */
export function fsmEdges(fsm: FsmTable): Edge[] {
  const seen = new Map<string, Edge>();
  const add = (from: string, to: string, action: string) => {
    if (from !== to && !seen.has(`${from}>${to}`)) seen.set(`${from}>${to}`, { from, to, action });
  };
  for (const [current, row] of Object.entries(fsm))
    for (const step of Object.values(row)) {
      if (step.waiting && step.waiting !== current) {
        add(current, step.waiting, step.action);
        add(step.waiting, step.next, step.action);
      }
      add(current, step.next, step.action);
    }
  return [...seen.values()];
}

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

export function fsmSvg(type: string, fsm: FsmTable): string {
  const g = new dagre.graphlib.Graph();
  g.setGraph({ rankdir: 'TB', nodesep: 30, ranksep: 40, marginx: 10, marginy: 10 });
  g.setDefaultEdgeLabel(() => ({}));
  const edges = fsmEdges(fsm);
  const nodes = new Set([...Object.keys(fsm), ...edges.flatMap((e) => [e.from, e.to]), 'ERROR']);
  for (const n of nodes) g.setNode(n, { label: n, width: Math.max(90, n.length * 9 + 24), height: 32 });
  for (const e of edges) g.setEdge(e.from, e.to, { label: e.action, width: e.action.length * 6.5, height: 14 });
  dagre.layout(g);
  const { width = 0, height = 0 } = g.graph();
  const parts: string[] = [];
  for (const e of edges) {
    const ed = g.edge(e.from, e.to) as { points: { x: number; y: number }[]; x?: number; y?: number };
    const d = ed.points.map((p, i) => `${i ? 'L' : 'M'}${p.x.toFixed(1)},${p.y.toFixed(1)}`).join(' ');
    parts.push(
      `<g class="edge" data-from="${esc(e.from)}" data-to="${esc(e.to)}"><path d="${d}" marker-end="url(#arrow-${esc(type)})"/>` +
        (ed.x !== undefined ? `<text x="${ed.x.toFixed(1)}" y="${ed.y!.toFixed(1)}">${esc(e.action)}</text>` : '') +
        `</g>`,
    );
  }
  for (const n of nodes) {
    const nd = g.node(n);
    parts.push(
      `<g class="node" data-state="${esc(n)}" transform="translate(${(nd.x - nd.width / 2).toFixed(1)},${(nd.y - nd.height / 2).toFixed(1)})">` +
        `<rect width="${nd.width}" height="${nd.height}" rx="6"/><text x="${nd.width / 2}" y="${nd.height / 2 + 4}">${esc(n)}</text></g>`,
    );
  }
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" class="fsm" role="img" aria-label="FSM of ${esc(type)}" ` +
    `viewBox="0 0 ${Math.ceil(width)} ${Math.ceil(height)}" width="${Math.ceil(width)}" height="${Math.ceil(height)}">` +
    `<defs><marker id="arrow-${esc(type)}" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse">` +
    `<path d="M0,0 L10,5 L0,10 z"/></marker></defs>${parts.join('')}</svg>`
  );
}
