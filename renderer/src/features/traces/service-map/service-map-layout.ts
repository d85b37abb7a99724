// A layered layout for the service map: callers left, callees right. Each service goes to the
// column of its longest call chain from a service nobody calls (cycles are cut where a
// depth-first walk meets a service it is inside of); within a column services are ordered by the
// mean row of their callers (one barycentre pass), which keeps most edges from crossing.
import type { ServiceMapEdge } from '../../../../../shared/model.js';

export interface MapNode {
  name: string;
  layer: number;
  row: number;
  x: number;
  y: number;
}

export interface MapEdge {
  edge: ServiceMapEdge;
  from: MapNode;
  to: MapNode;
  /** An SVG path from the caller's right side to the callee's left side (or a loop for a self call). */
  path: string;
  /** Where the label goes. */
  labelX: number;
  labelY: number;
  /** The edge goes right-to-left (part of a cycle). */
  back: boolean;
}

export interface MapLayout {
  nodes: MapNode[];
  edges: MapEdge[];
  width: number;
  height: number;
}

export interface LayoutOptions {
  nodeWidth: number;
  nodeHeight: number;
  columnGap: number;
  rowGap: number;
  margin: number;
}

export const DEFAULT_LAYOUT: LayoutOptions = { nodeWidth: 180, nodeHeight: 48, columnGap: 230, rowGap: 48, margin: 28 };

export function layoutServiceMap(
  services: readonly string[],
  edges: readonly ServiceMapEdge[],
  opt: LayoutOptions = DEFAULT_LAYOUT,
): MapLayout {
  const names = [...new Set([...services, ...edges.flatMap((e) => [e.parent, e.child])])].sort();
  const out = new Map<string, string[]>(names.map((n) => [n, []]));
  const indegree = new Map<string, number>(names.map((n) => [n, 0]));
  for (const e of edges) {
    if (e.parent === e.child) continue;
    out.get(e.parent)!.push(e.child);
    indegree.set(e.child, (indegree.get(e.child) ?? 0) + 1);
  }
  // Back edges (those closing a cycle) by an iterative depth-first walk from the sources first.
  const back = new Set<string>();
  const state = new Map<string, 1 | 2>(); // 1 = on the walk's path, 2 = done
  const starts = [...names.filter((n) => indegree.get(n) === 0), ...names];
  for (const s of starts) {
    if (state.has(s)) continue;
    const stack: { n: string; i: number }[] = [{ n: s, i: 0 }];
    state.set(s, 1);
    while (stack.length) {
      const top = stack[stack.length - 1]!;
      const next = out.get(top.n)![top.i++];
      if (next === undefined) {
        state.set(top.n, 2);
        stack.pop();
      } else if (state.get(next) === 1) back.add(`${top.n}\u0000${next}`);
      else if (!state.has(next)) {
        state.set(next, 1);
        stack.push({ n: next, i: 0 });
      }
    }
  }
  // Longest path over the acyclic rest (Kahn's order).
  const layer = new Map<string, number>(names.map((n) => [n, 0]));
  const indeg = new Map<string, number>(names.map((n) => [n, 0]));
  const forward = new Map<string, string[]>(names.map((n) => [n, []]));
  for (const [from, tos] of out) {
    for (const to of tos) {
      if (back.has(`${from}\u0000${to}`)) continue;
      forward.get(from)!.push(to);
      indeg.set(to, indeg.get(to)! + 1);
    }
  }
  const queue = names.filter((n) => indeg.get(n) === 0);
  for (let qi = 0; qi < queue.length; qi++) {
    const n = queue[qi]!;
    for (const to of forward.get(n)!) {
      layer.set(to, Math.max(layer.get(to)!, layer.get(n)! + 1));
      indeg.set(to, indeg.get(to)! - 1);
      if (indeg.get(to) === 0) queue.push(to);
    }
  }
  const columns: string[][] = [];
  for (const n of names) (columns[layer.get(n)!] ??= []).push(n);
  const rowOf = new Map<string, number>();
  const callers = new Map<string, string[]>(names.map((n) => [n, []]));
  for (const [from, tos] of forward) for (const to of tos) callers.get(to)!.push(from);
  columns.forEach((col, li) => {
    if (li > 0) {
      const bary = (n: string): number => {
        const rows = callers.get(n)!.map((c) => rowOf.get(c) ?? 0);
        return rows.length ? rows.reduce((a, b) => a + b, 0) / rows.length : Infinity;
      };
      col.sort((a, b) => bary(a) - bary(b) || a.localeCompare(b));
    }
    col.forEach((n, i) => rowOf.set(n, i));
  });
  const tallest = Math.max(1, ...columns.map((c) => c?.length ?? 0));
  const height = opt.margin * 2 + tallest * opt.nodeHeight + (tallest - 1) * opt.rowGap;
  const nodes = new Map<string, MapNode>();
  columns.forEach((col, li) => {
    // Centre each column vertically.
    const colHeight = col.length * opt.nodeHeight + (col.length - 1) * opt.rowGap;
    const top = (height - colHeight) / 2;
    col.forEach((name, row) => {
      const x = opt.margin + li * (opt.nodeWidth + opt.columnGap);
      nodes.set(name, { name, layer: li, row, x, y: top + row * (opt.nodeHeight + opt.rowGap) });
    });
  });
  const width = opt.margin * 2 + columns.length * opt.nodeWidth + Math.max(0, columns.length - 1) * opt.columnGap;
  const mapEdges: MapEdge[] = edges.map((edge) => {
    const from = nodes.get(edge.parent)!;
    const to = nodes.get(edge.child)!;
    const h = opt.nodeHeight / 2;
    if (from === to) {
      const x = from.x + opt.nodeWidth;
      const y = from.y + h;
      return {
        edge,
        from,
        to,
        back: false,
        path: `M${x},${y - 8} C${x + 50},${y - 40} ${x + 50},${y + 40} ${x},${y + 8}`,
        labelX: x + 44,
        labelY: y,
      };
    }
    const isBack = to.layer <= from.layer;
    const x1 = isBack ? from.x : from.x + opt.nodeWidth;
    const x2 = isBack ? to.x + opt.nodeWidth : to.x;
    const y1 = from.y + h + (isBack ? 6 : 0);
    const y2 = to.y + h + (isBack ? 6 : 0);
    const bend = isBack ? -Math.max(60, Math.abs(x2 - x1) / 2) : Math.max(40, (x2 - x1) / 2);
    const path = isBack
      ? `M${x1},${y1} C${x1 + bend},${y1 + 70} ${x2 - bend},${y2 + 70} ${x2},${y2}`
      : `M${x1},${y1} C${x1 + bend},${y1} ${x2 - bend},${y2} ${x2},${y2}`;
    return { edge, from, to, back: isBack, path, labelX: (x1 + x2) / 2, labelY: (y1 + y2) / 2 + (isBack ? 52 : 0) };
  });
  return { nodes: [...nodes.values()], edges: mapEdges, width: Math.max(width, opt.nodeWidth + 2 * opt.margin), height };
}

/** Calls per second as the map labels them: 12/s, 1.5/s, 0.25/s, <0.01/s (a laptop's calls are often far below one a second, which format.ts's ingest rate rounds away). */
export function formatCallRate(perSecond: number): string {
  if (perSecond >= 10) return `${Math.round(perSecond)}/s`;
  if (perSecond >= 1) return `${perSecond.toFixed(1).replace(/\.0$/, '')}/s`;
  if (perSecond >= 0.01) return `${perSecond.toFixed(2).replace(/0$/, '')}/s`;
  return perSecond > 0 ? '<0.01/s' : '0/s';
}

/** An error rate as a short percentage: 25%, 3.3%, or '' when there are none. */
export function formatErrorRate(rate: number): string {
  return rate > 0 ? `${(rate * 100).toFixed(rate < 0.1 ? 1 : 0)}%` : '';
}
