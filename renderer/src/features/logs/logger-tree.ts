// Logger names folded into Python's dotted hierarchy: `app.db.pool` is under `app.db`, under
// `app`. Each node counts its own records and its whole subtree's.
import type { FacetValue } from '../../../../shared/api.js';

export interface LoggerNode {
  /** The full dotted name (what `logger:` takes). */
  name: string;
  /** The last part, for display. */
  label: string;
  /** Records logged by exactly this logger. */
  own: number;
  /** Records in this subtree (this logger and all its descendants). */
  total: number;
  children: LoggerNode[];
}

export function buildLoggerTree(loggers: FacetValue[]): LoggerNode[] {
  const root: LoggerNode = { name: '', label: '', own: 0, total: 0, children: [] };
  const byName = new Map<string, LoggerNode>([['', root]]);
  const nodeFor = (name: string): LoggerNode => {
    const existing = byName.get(name);
    if (existing) return existing;
    const dot = name.lastIndexOf('.');
    // Empty segments (`a..b`, a trailing dot) stay in the label rather than making blank nodes.
    const parentName = dot > 0 && dot < name.length - 1 ? name.slice(0, dot) : '';
    const parent = nodeFor(parentName);
    const node: LoggerNode = { name, label: parentName ? name.slice(dot + 1) : name, own: 0, total: 0, children: [] };
    parent.children.push(node);
    byName.set(name, node);
    return node;
  };
  for (const { value, count } of loggers) {
    if (!value) continue;
    const node = nodeFor(value);
    node.own += count;
    for (let n: string | undefined = value; n !== undefined; n = parentOf(n)) {
      const ancestor = byName.get(n);
      if (ancestor) ancestor.total += count;
    }
  }
  const sort = (nodes: LoggerNode[]): LoggerNode[] => {
    nodes.sort((a, b) => b.total - a.total || a.name.localeCompare(b.name));
    for (const n of nodes) sort(n.children);
    return nodes;
  };
  return sort(root.children);
}

function parentOf(name: string): string | undefined {
  const dot = name.lastIndexOf('.');
  return dot > 0 && dot < name.length - 1 ? name.slice(0, dot) : undefined;
}
