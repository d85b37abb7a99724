// The deadline of a history search. The engine has one thread: a search that walks ten million
// rows with a costly condition would hold ingest, the API and the live tail for as long as it
// runs. Searches run inside withSearchDeadline(); the code that runs per row (the regexp() SQL
// function, the sampled search_deadline() term of the statements, the JS loops over results)
// calls checkSearchDeadline(), which throws SearchTimeoutError once the time is up. better-sqlite3
// passes the throw out of the statement, which SQLite then abandons.

/** How long a history search (logs, histogram, facets, traces) may run before it is stopped. */
export const SEARCH_DEADLINE_MS = 10_000;

export class SearchTimeoutError extends Error {
  constructor(readonly limitMs: number) {
    super(
      `The search took too long (over ${limitMs >= 1000 ? `${Math.round(limitMs / 1000)} s` : `${limitMs} ms`}) and was stopped: narrow the time range or add a word.`,
    );
    this.name = 'SearchTimeoutError';
  }
}

/** When the running search must stop (performance.now() time), or Infinity outside searches. */
let deadline = Infinity;
let limitMs = SEARCH_DEADLINE_MS;
/** Work done since the clock was last read (see checkSearchDeadline). */
let work = 0;
/** Reading the clock costs ~50 ns: once per this much work (rows, or 64 characters of regex text). */
const WORK_BETWEEN_CLOCK_READS = 1024;

/** Runs a search (synchronous, as better-sqlite3 is) that must end within `ms`; nested calls keep the outer deadline. */
export function withSearchDeadline<T>(run: () => T, ms = SEARCH_DEADLINE_MS): T {
  if (deadline !== Infinity) return run();
  deadline = performance.now() + ms;
  limitMs = ms;
  try {
    return run();
  } finally {
    deadline = Infinity;
  }
}

/**
 * Throws SearchTimeoutError past the deadline, and SearchPaused past the time of a walk that may
 * stop (walkUntil). Cheap: the clock is read once per WORK_BETWEEN_CLOCK_READS units of `units`
 * (a row is 1; a regex over a 1 MiB line counts its length).
 */
export function checkSearchDeadline(units = 1): void {
  work += units;
  if (work < WORK_BETWEEN_CLOCK_READS) return;
  work = 0;
  if (deadline === Infinity) return;
  const now = performance.now();
  if (now > deadline) throw new SearchTimeoutError(limitMs);
  if (moved && now > pauseAt) throw new SearchPaused();
}

/**
 * A search asked to answer within a time (a page of `logs.search`'s `within`) reached it: the walk
 * stops, and the search answers with what it found and where it stopped. Caught by walkUntil.
 */
export class SearchPaused extends Error {}

/** When the running walk stops (performance.now() time), or Infinity: a walk that must finish. */
let pauseAt = Infinity;
/** The id the walk started from, of its row at its last passing check (noteReached), and whether that is below the start. */
let top = 0;
let reached = 0;
let moved = false;

/** Notes that the walk has checked the deadline at the row of `id` and goes on (search_deadline, scanUnindexed). */
export function noteReached(id: number): void {
  reached = id;
  // (A check at the walk's first row gets it nowhere: a page that starts there would stop there again.)
  if (id < top) moved = true;
}

/**
 * Runs `walk`, which reads rows newest first (ids down from `from`) and notes each deadline check's
 * row (noteReached), so that it stops at a check once `at` (a performance.now() time) has passed —
 * not before a check below `from`, so that each walk gets somewhere. Returns null when it walked to its
 * end, else the id it reached: every row above it was read, its own maybe not (the check comes
 * before the row's other conditions) — nor the ones after it that the walk read before stopping.
 */
export function walkUntil(at: number, from: number, walk: () => void): number | null {
  pauseAt = at;
  top = from;
  reached = from;
  moved = false;
  try {
    walk();
    return null;
  } catch (err) {
    if (err instanceof SearchPaused) return reached;
    throw err;
  } finally {
    pauseAt = Infinity;
  }
}

/** Whether a performance.now() time has passed (a walk that may stop, between its statements). */
export function timePassed(at: number): boolean {
  return performance.now() > at;
}

/**
 * A WHERE term that checks the deadline on a sample of the rows a statement walks, for searches
 * whose conditions call no JS: one call per row would double the cost of a cheap scan, while
 * `id & 1023` lets ~1 row in 1024 through (ids are microsecond times, or counters) for ~10%.
 */
export function deadlineSql(idColumn: string): string {
  return `((${idColumn} & 1023) <> 0 OR search_deadline(${idColumn}))`;
}
