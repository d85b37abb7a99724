// A configuration file a user may edit while Loupe runs (rule files, alertmanager.yml): a scheduler
// job reads it again when its mtime or size changed. One place for the stamp and for what a file
// that vanished or cannot be read means, so every reloaded file behaves the same.
import { readFileSync, statSync } from 'node:fs';

/** What looking at a file again found. */
export type FileLook =
  { kind: 'unchanged' } | { kind: 'changed'; stamp: string; text: string } | { kind: 'missing' } | { kind: 'unreadable'; message: string };

/** Reads `path` when its mtime or size differ from `lastStamp` (null: never read). */
export function lookAgain(path: string, lastStamp: string | null): FileLook {
  try {
    const st = statSync(path);
    const stamp = `${st.mtimeMs}:${st.size}`;
    if (stamp === lastStamp) return { kind: 'unchanged' };
    return { kind: 'changed', stamp, text: readFileSync(path, 'utf8') };
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return { kind: 'missing' };
    return { kind: 'unreadable', message: (err as Error).message };
  }
}
