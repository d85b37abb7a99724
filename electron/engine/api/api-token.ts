// The API token when the user gives none: made once per data folder and kept there (readable by
// the user only, like the database), so a browser tab or a script keeps working across restarts
// instead of meeting a 401 after every `npm start`.
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PRIVATE_DIR_MODE, writePrivateFile } from '../core/data-dir.js';

export const TOKEN_FILE = 'api-token';

/** A token we wrote: base64url, long enough to be unguessable. */
const VALID = /^[A-Za-z0-9_-]{16,}$/;

export function loadOrCreateToken(dataDir: string): string {
  const path = join(dataDir, TOKEN_FILE);
  try {
    const saved = readFileSync(path, 'utf8').trim();
    if (VALID.test(saved)) return saved;
  } catch {
    // none yet (or unreadable): make one
  }
  const token = randomBytes(18).toString('base64url');
  // The engine makes an existing folder private (and says so); a new one is made private here.
  mkdirSync(dataDir, { recursive: true, mode: PRIVATE_DIR_MODE });
  writePrivateFile(path, `${token}\n`);
  return token;
}
