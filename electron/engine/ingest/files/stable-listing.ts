// A listing of files with their stats that a rotation cannot tear. `readdir` and the `stat`s after
// it are not one atomic step: a rename chain running in between (app.log.3 → .4, .2 → .3, …) shows
// one file under two names and hides another. Deciding from such a listing that a known file is gone
// re-reads it later as a new file (every line twice). Listing until two rounds agree on every name's
// inode gives a view that was true at one moment.
import { stat } from 'node:fs/promises';
import type { Stats } from 'node:fs';
import type { Scheduler } from '../../core/scheduler.js';

export interface ListedFile {
  path: string;
  /** null when the stat failed (with `error`). */
  st: Stats | null;
  error: unknown;
}

/** How often the listing is repeated before the last one is taken as it is (a writer rotating non-stop). */
const MAX_ROUNDS = 20;
const ROUND_PAUSE_MS = 10;

export async function statAll(paths: readonly string[]): Promise<ListedFile[]> {
  const out: ListedFile[] = [];
  for (const path of paths) {
    try {
      out.push({ path, st: await stat(path), error: null });
    } catch (error) {
      out.push({ path, st: null, error });
    }
  }
  return out;
}

function sameListing(a: ListedFile[], b: ListedFile[]): boolean {
  if (a.length !== b.length) return false;
  const inodes = new Map(a.map((f) => [f.path, f.st ? `${f.st.dev}:${f.st.ino}` : null]));
  return b.every((f) => inodes.has(f.path) && inodes.get(f.path) === (f.st ? `${f.st.dev}:${f.st.ino}` : null));
}

/** Lists (with `list`) and stats until two rounds in a row agree (pausing between rounds on `scheduler`). */
export async function stableListing(list: () => Promise<string[]>, scheduler: Scheduler): Promise<ListedFile[]> {
  let previous = await statAll(await list());
  for (let round = 1; round < MAX_ROUNDS; round++) {
    const next = await statAll(await list());
    if (sameListing(previous, next)) return next;
    previous = next;
    await scheduler.sleep(ROUND_PAUSE_MS);
  }
  return previous;
}
