// A trace's spans as a tree: children under their parent (by start time), spans whose parent never
// arrived gathered under one "missing parent" placeholder per missing id, and the rows a
// collapsible waterfall shows. Everything here is linear in the number of spans and iterative
// (no recursion): a 10,000-span trace may be a 10,000-deep chain.
import type { SpanView } from '../../../../shared/model.js';

export interface TraceNode {
  /** The span id, or `missing:<parent id>` for a placeholder. */
  key: string;
  /** Absent on a placeholder for a parent that never arrived. */
  span?: SpanView;
  /** On a placeholder: the id of the span that never arrived. */
  missingParentId?: string;
  parent: TraceNode | null;
  children: TraceNode[];
  depth: number;
  startUs: number;
  endUs: number;
  /** Spans (placeholders excluded) in this node's subtree, itself included. */
  descendants: number;
}

export interface TraceTree {
  /** Top-level nodes: root spans, then placeholders of missing parents, by start time. */
  roots: TraceNode[];
  /** Every node in depth-first order (a parent before its children). */
  nodes: TraceNode[];
  byKey: Map<string, TraceNode>;
  startUs: number;
  endUs: number;
}

export function missingKey(parentSpanId: string): string {
  return `missing:${parentSpanId}`;
}

const byStart = (a: TraceNode, b: TraceNode): number => a.startUs - b.startUs || a.key.localeCompare(b.key);

export function buildTraceTree(spans: readonly SpanView[]): TraceTree {
  const byKey = new Map<string, TraceNode>();
  for (const span of spans) {
    if (byKey.has(span.spanId)) continue; // the engine dedupes; a duplicate here would loop the tree
    byKey.set(span.spanId, {
      key: span.spanId,
      span,
      parent: null,
      children: [],
      depth: 0,
      startUs: span.startUs,
      endUs: span.endUs,
      descendants: 1,
    });
  }
  const roots: TraceNode[] = [];
  const placeholders = new Map<string, TraceNode>();
  for (const node of byKey.values()) {
    const parentId = node.span!.parentSpanId;
    if (!parentId || parentId === node.key) {
      roots.push(node);
      continue;
    }
    let parent = byKey.get(parentId);
    if (!parent) {
      parent = placeholders.get(parentId);
      if (!parent) {
        parent = {
          key: missingKey(parentId),
          missingParentId: parentId,
          parent: null,
          children: [],
          depth: 0,
          startUs: node.startUs,
          endUs: node.endUs,
          descendants: 0,
        };
        placeholders.set(parentId, parent);
        roots.push(parent);
      }
      parent.startUs = Math.min(parent.startUs, node.startUs);
      parent.endUs = Math.max(parent.endUs, node.endUs);
    }
    node.parent = parent;
    parent.children.push(node);
  }
  for (const p of placeholders.values()) byKey.set(p.key, p);

  const nodes: TraceNode[] = [];
  const visit = (tops: TraceNode[]): void => {
    tops.sort(byStart);
    const stack = tops.slice().reverse();
    while (stack.length) {
      const node = stack.pop()!;
      node.depth = node.parent ? node.parent.depth + 1 : 0;
      nodes.push(node);
      node.children.sort(byStart);
      for (let i = node.children.length - 1; i >= 0; i--) stack.push(node.children[i]!);
    }
  };
  visit(roots);
  // Spans in a parent cycle (a→b→a: bad data) are reached from no root: cut each cycle at its
  // earliest span and show it at the top.
  if (nodes.length < byKey.size) {
    const seen = new Set(nodes);
    for (const node of [...byKey.values()].sort(byStart)) {
      if (seen.has(node)) continue;
      const parent = node.parent;
      if (parent) parent.children.splice(parent.children.indexOf(node), 1);
      node.parent = null;
      roots.push(node);
      const before = nodes.length;
      visit([node]);
      for (let i = before; i < nodes.length; i++) seen.add(nodes[i]!);
    }
    roots.sort(byStart);
  }
  // Subtree sizes, children before parents.
  for (let i = nodes.length - 1; i >= 0; i--) {
    const n = nodes[i]!;
    if (n.parent) n.parent.descendants += n.descendants;
  }
  let startUs = Infinity;
  let endUs = -Infinity;
  for (const n of nodes) {
    if (n.startUs < startUs) startUs = n.startUs;
    if (n.endUs > endUs) endUs = n.endUs;
  }
  if (!nodes.length) startUs = endUs = 0;
  return { roots, nodes, byKey, startUs, endUs };
}

/** The rows a waterfall shows: every node whose ancestors are all expanded, in tree order. */
export function visibleRows(tree: TraceTree, collapsed: ReadonlySet<string>): TraceNode[] {
  if (collapsed.size === 0) return tree.nodes;
  const out: TraceNode[] = [];
  const nodes = tree.nodes;
  for (let i = 0; i < nodes.length;) {
    const n = nodes[i]!;
    out.push(n);
    // In depth-first order a subtree is contiguous: skip it whole when collapsed.
    i += collapsed.has(n.key) ? subtreeLength(n) : 1;
  }
  return out;
}

/** How many nodes (placeholders included) a node's subtree holds in `nodes`, itself included. */
function subtreeLength(n: TraceNode): number {
  // descendants counts spans only; a placeholder is always a top-level node, so within a subtree
  // of a span every node is a span, and a placeholder's subtree is itself plus its spans.
  return n.span ? n.descendants : n.descendants + 1;
}

export function ancestorsOf(node: TraceNode): TraceNode[] {
  const out: TraceNode[] = [];
  for (let p = node.parent; p; p = p.parent) out.push(p);
  return out;
}

/** Keys of nodes matching a search within the trace (name, service, ids, attribute values), in tree order. */
export function findInTrace(tree: TraceTree, text: string): string[] {
  const needle = text.trim().toLowerCase();
  if (!needle) return [];
  const out: string[] = [];
  for (const n of tree.nodes) {
    const s = n.span;
    if (!s) {
      if (n.missingParentId?.toLowerCase().includes(needle)) out.push(n.key);
      continue;
    }
    if (
      s.name.toLowerCase().includes(needle) ||
      (s.service ?? '').toLowerCase().includes(needle) ||
      s.spanId.toLowerCase() === needle ||
      (s.status.message ?? '').toLowerCase().includes(needle) ||
      attributesContain(s.attributes, needle) ||
      s.events.some((e) => e.name.toLowerCase().includes(needle) || attributesContain(e.attributes, needle))
    ) {
      out.push(n.key);
    }
  }
  return out;
}

function attributesContain(attrs: Record<string, unknown> | undefined, needle: string): boolean {
  if (!attrs) return false;
  for (const [k, v] of Object.entries(attrs)) {
    if (k.toLowerCase().includes(needle)) return true;
    const text = typeof v === 'string' ? v : JSON.stringify(v);
    if (text !== undefined && text.toLowerCase().includes(needle)) return true;
  }
  return false;
}
