// How the engine knows a log file again (after a restart, a rename, a rotation): its identity and
// its committed checkpoint, shared by the file tailer that finds files and the store that keeps them.

/** What makes a file the same file: device + inode, and a fingerprint of its first bytes (Python's
 * RotatingFileHandler can hand a deleted backup's inode to the new app.log). */
export interface FileIdentity {
  dev: number;
  ino: number;
  /** How many leading bytes the fingerprint covers (grows with the file up to ingest/files/fingerprint.ts's FINGERPRINT_BYTES). */
  fpLen: number;
  /** Hex hash of those bytes. */
  fpHash: string;
}

/** A file the store already knows, with its committed checkpoint. */
export interface KnownFile extends FileIdentity {
  fileId: number;
  path: string;
  /** Committed byte offset: every line before it is stored, none after it. */
  offset: number;
  /** A big file read tail first whose older part [0, end) is stored up to `offset` only (more to read). */
  backfill?: { offset: number; end: number };
}
