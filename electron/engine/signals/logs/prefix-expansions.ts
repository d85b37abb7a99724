// A bare word of a search is a prefix (`time` finds `timeout`): spelled out from the full-text
// index's own words (`"time" OR "timeout" OR "times"`) rather than run as FTS5's prefix query,
// which merges every matching word's whole doclist before the first row (0.3 s at 10M records,
// whatever the time range). Looked up in the vocabulary of each part of the index a search reads
// (fts-parts.ts), and kept until that part gains records.
import type { Db } from '../../core/database.js';
import type { FtsPart, FtsParts } from './fts-parts.js';
import type { PrefixExpander } from './query/index.js';

/** A prefix term that more index words than this start with is left to FTS5's prefix query. */
const MAX_PREFIX_WORDS = 16;
/** Prefix expansions kept at most a part (see PrefixExpansions.expansions). */
const MAX_EXPANSIONS_KEPT = 1000;

export class PrefixExpansions {
  private readonly indexMark;
  private readonly oldPartsMark;

  constructor(
    db: Db,
    private readonly parts: FtsParts,
  ) {
    // The indexer's mark: it moves whenever records are indexed (the only way the index gains words).
    this.indexMark = db.prepare("SELECT group_concat(value, '/') FROM fts.fts_state WHERE key IN ('through_seq', 'partial_id')").pluck();
    // Records indexed into the parts before the newest (backfilled history): their words change only then.
    this.oldPartsMark = db.prepare("SELECT value FROM fts.fts_state WHERE key = 'old_part_rows'").pluck();
  }

  /**
   * The prefix expansions looked up in each part of the index (see fts-parts.ts) since it last
   * gained records (at mark `at`: the newest part's until the indexer's mark moves, the others' for
   * good but for backfilled history indexed into them). FTS5 finds
   * the word after `timeout` by walking the pages of `timeout`'s doclist in each segment (they hold
   * no term), more so while a merge is under way: at 100M records ~23 ms of a 26 ms common-word
   * search, 50–240 ms CPU for a word's first search (10M mid-merge: 3.5 ms, 20 ms once the
   * connection's 2 MB FTS page cache could not hold the pages).
   */
  private readonly expansions = new Map<number, { at: unknown; words: Map<string, string[] | null> }>();

  /**
   * The index's other words that start with `word` (see PrefixExpander), in the parts that hold
   * ids in [idMin, idMax]: a search reads no other part, and a part's words cost a cold start's
   * first search ~16 ms of disk each (at 100M records, 49 parts: 0.8 s before the last hour's
   * first page, which reads one). Looked up one at a time from just past `word` itself (the
   * vocabulary counts a word's rows as it passes it: the word searched for, often common, is never
   * passed), and kept until the index's mark moves. Words the tokenizer might fold otherwise (not
   * ASCII letters, digits, `_`) keep FTS5's prefix query.
   */
  over(idMin: number, idMax: number): PrefixExpander {
    return (word) => this.expandPrefix(word, idMin, idMax);
  }

  private expandPrefix(word: string, idMin: number, idMax: number): string[] | null {
    const w = word.toLowerCase();
    if (!/^[a-z0-9_]+$/.test(w)) return null;
    // Read before the vocabulary: words indexed after it make the next search look up again.
    const newestAt = this.indexMark.get();
    const olderAt = this.oldPartsMark.get();
    const list = this.parts.current();
    for (const part of this.expansions.keys()) if (!list.some((p) => p.part === part)) this.expansions.delete(part);
    // The words of the parts read (one expression serves them all: a word a part lacks matches nothing there).
    const words = new Set<string>();
    for (const [part] of this.parts.within(idMin, idMax)) {
      const at = part === list[list.length - 1] ? newestAt : olderAt;
      let kept = this.expansions.get(part.part);
      if (!kept || kept.at !== at || kept.words.size >= MAX_EXPANSIONS_KEPT)
        this.expansions.set(part.part, (kept = { at, words: new Map() }));
      let others = kept.words.get(w);
      if (others === undefined) kept.words.set(w, (others = this.lookUpPrefix(part, w)));
      if (others === null) return null;
      for (const other of others) words.add(other);
      if (words.size > MAX_PREFIX_WORDS) return null;
    }
    return [...words];
  }

  private lookUpPrefix(part: FtsPart, w: string): string[] | null {
    const nextWord = this.parts
      .statement(null, `SELECT term FROM temp.${this.parts.vocabulary(part)} WHERE term >= ? AND term < ? LIMIT 1`)
      .pluck();
    const end = w.slice(0, -1) + String.fromCharCode(w.charCodeAt(w.length - 1) + 1);
    const others: string[] = [];
    for (let next = nextWord.get(`${w}\0`, end) as string | undefined; next !== undefined;) {
      if (others.push(next) > MAX_PREFIX_WORDS) return null;
      next = nextWord.get(`${next}\0`, end) as string | undefined;
    }
    return others;
  }
}
