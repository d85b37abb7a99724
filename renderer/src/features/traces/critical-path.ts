// The critical path of a trace: the chain of work that decided how long it took. Shortening any
// span off the path would not have made the trace end sooner; shortening a segment on it would.
//
// The algorithm (as Jaeger's and Uber's CRISP compute it):
//   1. Clip every span to its parent's window (recursively): time a child runs after its parent
//      ended (fire-and-forget, async work) or before it started (clock skew) cannot hold the
//      parent up. A child entirely outside its parent's window is dropped.
//   2. Start at the root with a cursor at the root's end. Walk back in time: take the child whose
//      (clipped) end is the latest at or before the cursor — the last thing the parent waited for.
//      The parent's own time between that child's end and the cursor is on the path (the parent
//      was working, not waiting). Descend into that child the same way, from its end; when it is
//      done, move the parent's cursor to the child's start and look for the next child ending
//      at or before it. Children ending after the cursor overlapped the chosen one: they ran in
//      parallel and finished earlier than what was waited for, so they are off the path.
//   3. When no child is left, the parent's time from its start to the cursor is on the path.
// Each child is looked at once (children sorted by end, latest first, and the cursor only moves
// back), so the walk is O(n log n); it keeps an explicit stack, so a 10,000-deep trace is fine.
import type { TraceNode, TraceTree } from './trace-tree.js';

export interface CriticalSegment {
  /** The node whose own work (or wait for nothing) this time was. */
  key: string;
  startUs: number;
  endUs: number;
}

export interface CriticalPath {
  /** In time order, back to back from the root's start to its end. */
  segments: CriticalSegment[];
  /** Keys of nodes with time on the path. */
  keys: Set<string>;
  /** Per node, its segments on the path (for drawing on its bar). */
  byKey: Map<string, CriticalSegment[]>;
}

interface Clipped {
  node: TraceNode;
  startUs: number;
  endUs: number;
}

interface Frame {
  at: Clipped;
  cursor: number;
  /** The node's children clipped to its window, latest end first. */
  children: Clipped[];
  next: number;
}

function clippedChildren(parent: Clipped): Clipped[] {
  const out: Clipped[] = [];
  for (const child of parent.node.children) {
    const startUs = Math.max(child.startUs, parent.startUs);
    const endUs = Math.min(child.endUs, parent.endUs);
    if (endUs < startUs || (endUs === startUs && child.endUs > child.startUs)) continue;
    out.push({ node: child, startUs, endUs });
  }
  return out.sort((a, b) => b.endUs - a.endUs || b.startUs - a.startUs);
}

/** The critical path from `root` (by default the trace's longest top-level node). */
export function criticalPath(tree: TraceTree, root?: TraceNode): CriticalPath {
  const start = root ?? longestRoot(tree);
  const segments: CriticalSegment[] = [];
  if (start) {
    const top: Clipped = { node: start, startUs: start.startUs, endUs: start.endUs };
    const stack: Frame[] = [{ at: top, cursor: top.endUs, children: clippedChildren(top), next: 0 }];
    while (stack.length) {
      const f = stack[stack.length - 1]!;
      while (f.next < f.children.length && f.children[f.next]!.endUs > f.cursor) f.next++;
      const child = f.next < f.children.length ? f.children[f.next++] : undefined;
      if (child) {
        if (child.endUs < f.cursor) segments.push({ key: f.at.node.key, startUs: child.endUs, endUs: f.cursor });
        f.cursor = child.startUs;
        stack.push({ at: child, cursor: child.endUs, children: clippedChildren(child), next: 0 });
      } else {
        if (f.cursor > f.at.startUs) segments.push({ key: f.at.node.key, startUs: f.at.startUs, endUs: f.cursor });
        stack.pop();
      }
    }
  }
  segments.reverse();
  const byKey = new Map<string, CriticalSegment[]>();
  for (const s of segments) {
    const list = byKey.get(s.key);
    if (list) list.push(s);
    else byKey.set(s.key, [s]);
  }
  return { segments, keys: new Set(byKey.keys()), byKey };
}

function longestRoot(tree: TraceTree): TraceNode | undefined {
  let best: TraceNode | undefined;
  for (const r of tree.roots) {
    // A real root span wins over a placeholder; then the longest.
    const better = !best || (!!r.span && !best.span) || (!!r.span === !!best.span && r.endUs - r.startUs > best.endUs - best.startUs);
    if (better) best = r;
  }
  return best;
}
