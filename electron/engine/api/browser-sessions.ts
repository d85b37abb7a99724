// Browser sessions of `loupe serve`. Opening the printed `?token=` URL gives the page a cookie
// holding a random session id, never the token: cookies are not separated by port, so every other
// web server on localhost receives this cookie too, and it must not be something a script could
// use as a Bearer token from anywhere. Sessions are kept (hashed) in the data dir, readable by the
// user only, so a reload after a restart still works; changing the token ends them all.
import { createHash, randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';

export const SESSION_COOKIE = 'loupe_session';
/** The file in the data dir that keeps them. */
export const SESSIONS_FILE = 'browser-sessions.json';
/** A session not used for this long ends (the user opens the printed URL again). */
export const SESSION_MAX_IDLE_MS = 30 * 86_400_000;
/** Sessions kept at most; the least recently used go first. */
const MAX_SESSIONS = 64;

interface SavedSessions {
  /** Hash of the token the sessions were made for. */
  token: string;
  /** Session id hash → last use (ms since the epoch). */
  sessions: Record<string, number>;
}

export class BrowserSessions {
  private readonly tokenHash: string;
  private sessions = new Map<string, number>();
  /** Last uses are written back at most this often (a page makes many requests). */
  private lastSaved = 0;

  constructor(
    token: string,
    /** Where sessions are kept across restarts (0600), or none (in memory only). */
    private readonly file?: string,
    private readonly now: () => number = Date.now,
  ) {
    this.tokenHash = sha256(`loupe-token:${token}`);
    this.load();
  }

  /** A new session for a page that showed the token; its id goes in the cookie. */
  create(): string {
    const id = randomBytes(24).toString('base64url');
    this.sessions.set(sha256(id), this.now());
    while (this.sessions.size > MAX_SESSIONS) {
      let oldest: string | undefined;
      let oldestUse = Infinity;
      for (const [key, used] of this.sessions) {
        if (used < oldestUse) {
          oldest = key;
          oldestUse = used;
        }
      }
      if (oldest === undefined) break;
      this.sessions.delete(oldest);
    }
    this.save();
    return id;
  }

  /** Whether a cookie's session id is a live session (and marks it used). */
  valid(id: string | undefined): boolean {
    if (!id || id.length > 128) return false;
    const key = sha256(id);
    const used = this.sessions.get(key);
    if (used === undefined) return false;
    const now = this.now();
    if (now - used > SESSION_MAX_IDLE_MS) {
      this.sessions.delete(key);
      this.save();
      return false;
    }
    this.sessions.set(key, now);
    if (now - this.lastSaved > 3_600_000) this.save();
    return true;
  }

  private load(): void {
    if (!this.file) return;
    try {
      const saved = JSON.parse(readFileSync(this.file, 'utf8')) as SavedSessions;
      if (saved.token !== this.tokenHash) return; // another token: its sessions are void
      const now = this.now();
      for (const [key, used] of Object.entries(saved.sessions)) {
        if (typeof used === 'number' && now - used <= SESSION_MAX_IDLE_MS) this.sessions.set(key, used);
      }
    } catch {
      // None yet, or unreadable: no sessions (the printed URL makes one).
    }
  }

  private save(): void {
    this.lastSaved = this.now();
    if (!this.file) return;
    const saved: SavedSessions = { token: this.tokenHash, sessions: Object.fromEntries(this.sessions) };
    try {
      writeFileSync(this.file, JSON.stringify(saved), { mode: 0o600 });
    } catch {
      // A read-only data dir: sessions last until the next restart.
    }
  }
}

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('base64url');
}
