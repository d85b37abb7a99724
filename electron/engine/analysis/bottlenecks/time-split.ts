// Where an endpoint's time goes, from one trace's span tree: its own code (the self time of the
// server span and of the in-process spans under it), the database (client spans of a database) and
// downstream calls (other client and producer spans). A span's self time is its duration minus the
// union of its children's intervals (clipped to it). Children that overlap share the time they
// overlap equally, so the three parts add up to the endpoint span's duration exactly, even with
// calls made in parallel.

export const KIND_SERVER = 2;
export const KIND_CLIENT = 3;
export const KIND_PRODUCER = 4;
export const KIND_CONSUMER = 5;

/** The parts of a span the split and the detectors read. */
export interface TreeSpan {
  spanId: string;
  parentSpanId: string | null;
  kind: number;
  startUs: number;
  endUs: number;
  service: string | null;
  name: string;
  /** The database's system when the span is a database call. */
  dbSystem?: string | undefined;
  children: TreeSpan[];
}

export interface TimeSplit {
  ownUs: number;
  databaseUs: number;
  downstreamUs: number;
}

/** The category of a span under an endpoint: database and downstream calls end the walk down. */
export function callCategory(s: Pick<TreeSpan, 'kind' | 'dbSystem'>): 'database' | 'downstream' | 'own' {
  if (s.dbSystem !== undefined && s.kind !== KIND_SERVER && s.kind !== KIND_CONSUMER) return 'database';
  if (s.kind === KIND_CLIENT || s.kind === KIND_PRODUCER) return 'downstream';
  return 'own';
}

/**
 * Each child's share of `parent`'s interval: the part only it covers, plus an equal share of what
 * it covers with others (a sweep over the clipped intervals' edges).
 */
function childShares(parent: TreeSpan): Map<TreeSpan, number> {
  const shares = new Map<TreeSpan, number>();
  const edges: { at: number; child: TreeSpan; open: boolean }[] = [];
  for (const c of parent.children) {
    const start = Math.max(c.startUs, parent.startUs);
    const end = Math.min(c.endUs, parent.endUs);
    if (end <= start) continue;
    edges.push({ at: start, child: c, open: true }, { at: end, child: c, open: false });
  }
  edges.sort((a, b) => a.at - b.at || Number(a.open) - Number(b.open));
  const active = new Set<TreeSpan>();
  let last = 0;
  for (const e of edges) {
    if (active.size > 0 && e.at > last) {
      const each = (e.at - last) / active.size;
      for (const c of active) shares.set(c, (shares.get(c) ?? 0) + each);
    }
    last = e.at;
    if (e.open) active.add(e.child);
    else active.delete(e.child);
  }
  return shares;
}

/** Split `endpoint`'s duration into own code, database and downstream time. */
export function splitTime(endpoint: TreeSpan): TimeSplit {
  const split: TimeSplit = { ownUs: 0, databaseUs: 0, downstreamUs: 0 };
  // `weight`: the fraction of this span's time that is its own (not shared with an overlapping sibling).
  const walk = (span: TreeSpan, weight: number): void => {
    const shares = childShares(span);
    let covered = 0;
    for (const share of shares.values()) covered += share;
    split.ownUs += weight * (span.endUs - span.startUs - covered);
    for (const [child, share] of shares) {
      const category = callCategory(child);
      if (category === 'database') split.databaseUs += weight * share;
      else if (category === 'downstream') split.downstreamUs += weight * share;
      else walk(child, (weight * share) / (child.endUs - child.startUs));
    }
  };
  walk(endpoint, 1);
  return split;
}
