// The contract every input of the engine meets, whatever it reads (log files and folders, a
// Prometheus endpoint it scrapes, the StatsD datagrams it listens for): the source manager starts,
// stops, lists and removes sources through it, and GET /api/sources shows each one's view.
import type { SourceKind, SourceView } from '../../../shared/model.js';
import type { SourceRow, StoredSourceKind } from './source-store.js';

export interface Source {
  readonly id: number;
  readonly kind: SourceKind;
  /**
   * Begin reading. What goes wrong later (a file that vanishes, a target that times out) is the
   * source's state and lastError on its view, never a throw: one source's trouble stops no other.
   */
  start(): Promise<void>;
  /** Stop reading; what was read is written (or left to be read again at the next start). */
  stop(): Promise<void>;
  /** Its state, problems and counters, as GET /api/sources shows them. */
  view(): SourceView;
}

/**
 * A persisted kind of source other than files (a scrape target): it checks what the user asked for
 * and builds the running source of a stored row. The manager keeps the rows and the running sources.
 */
export interface SourceKindSpec {
  readonly kind: Exclude<StoredSourceKind, 'file' | 'folder'>;
  /** The row's path (its identity: adding the same again is the same source) and config, from the request's params. */
  prepare(params: Readonly<Record<string, unknown>>): { path: string; config: object };
  create(row: SourceRow): Source;
}

/** A listener's port (asked for explicitly) is taken: the message names the flag to change. */
export class ListenerPortInUseError extends Error {
  constructor(what: string, err: Error, flag: string) {
    super(`the ${what} port is in use (${err.message}): pass ${flag} 0 for a free one`);
    this.name = 'ListenerPortInUseError';
  }
}
