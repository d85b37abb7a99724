// The log rules' counts ("more than N records matching `level:error logger:app.db` in 5 minutes"),
// kept up to date as records are stored instead of a full-text count over the window at every
// evaluation (~35 ms a rule at 10M records). A counter counts once with SQL, per second of `ts`,
// from its window's start on (records already stored with later times included), then adds each
// stored batch's matches (the live tail's matcher of the search language, compile-predicate.ts),
// and drops the seconds its windows left behind. It counts with SQL again when its count could
// have gone wrong: records deleted at or after its window's start (retention, a file erased), or
// a window that starts before the seconds it kept (the wall clock set back).
import type { StoredBatch } from '../log-writer.js';
import type { LogReader } from '../log-reader.js';
import { rowsOf } from '../log-writer.js';
import { compileToViewTest, parseQuery, readsAnalysis, RowView, type ViewTest } from '../query/index.js';

const US_PER_S = 1_000_000;

/** The count of one search over windows of whole seconds. */
export interface LogWindowCounter {
  /** Records matching with `ts` in the seconds [fromS, toS] (Unix seconds, inclusive). */
  count(fromS: number, toS: number): number;
  /** The counter is no longer asked (its rule went): it stops following the stored batches. */
  close(): void;
}

/** What the counters read: SQL counts, and a stored row's paths for `source:` terms. */
export interface WindowCountsDeps {
  reader: Pick<LogReader, 'count' | 'countBySecond' | 'pathsOf'>;
}

class KeptCounter implements LogWindowCounter {
  /** Matches per second of `ts`, complete from `fromS` on; null: not counted yet, or to count again. */
  private bySecond: Map<number, number> | null = null;
  private fromS = 0;

  constructor(
    private readonly q: string,
    readonly test: ViewTest,
    private readonly deps: WindowCountsDeps,
    readonly close: () => void,
  ) {}

  count(fromS: number, toS: number): number {
    if (this.bySecond === null || fromS < this.fromS) {
      // Everything from the window's start: records stored with later times count when their second comes.
      this.bySecond = this.deps.reader.countBySecond({ q: this.q, from: fromS * US_PER_S, to: Number.MAX_SAFE_INTEGER });
      this.fromS = fromS;
    }
    let n = 0;
    for (const [second, k] of this.bySecond) {
      if (second < fromS)
        this.bySecond.delete(second); // windows only move on: never asked again
      else if (second <= toS) n += k;
    }
    this.fromS = fromS;
    return n;
  }

  /** A stored row (its view shared by every counter); `second` is its `ts`'s. */
  observe(view: RowView, second: number): void {
    if (this.bySecond === null || second < this.fromS || !this.test(view)) return;
    this.bySecond.set(second, (this.bySecond.get(second) ?? 0) + 1);
  }

  /** Records with `ts` ≤ `upToUs` were deleted: a count that may hold some is made again. */
  deleted(upToUs: number): void {
    if (Math.floor(upToUs / US_PER_S) >= this.fromS) this.bySecond = null;
  }
}

export class LogWindowCounts {
  private readonly counters = new Set<KeptCounter>();

  constructor(private readonly deps: WindowCountsDeps) {}

  /** A counter of `q` (throws QuerySyntaxError for a bad search); close it when done. */
  counter(q: string): LogWindowCounter {
    const ast = parseQuery(q);
    if (readsAnalysis(ast)) {
      // `group:` and `pattern:` match records already stored differently over time (groups merge,
      // templates widen): what a batch matched when stored may not be what SQL matches later. Such
      // a search is counted with SQL at each evaluation.
      return {
        count: (fromS, toS) => this.deps.reader.count({ q, from: fromS * US_PER_S, to: (toS + 1) * US_PER_S - 1 }),
        close: () => undefined,
      };
    }
    const counter: KeptCounter = new KeptCounter(q, compileToViewTest(ast), this.deps, () => this.counters.delete(counter));
    this.counters.add(counter);
    return counter;
  }

  /** What the writer stored (`logs.stored`). */
  observe(batch: StoredBatch): void {
    if (this.counters.size === 0) return;
    for (const row of rowsOf(batch)) {
      // One view per row for every counter: the message is tokenized once.
      const view = new RowView({ ...row, ...this.deps.reader.pathsOf(row) });
      const second = Math.floor(row.ts / US_PER_S);
      for (const c of this.counters) c.observe(view, second);
    }
  }

  /**
   * Records with ids up to `hiId` were deleted (`logs.deleted`). An id is never below its record's
   * `ts`, so their times are at most `hiId`.
   */
  deleted(hiId: number): void {
    for (const c of this.counters) c.deleted(hiId);
  }
}
