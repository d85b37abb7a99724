// What the Logs view says while the watched files are still being read (a big folder's first
// seconds): what a search did with the bytes not read into the store yet, and, beside the
// histogram's and facets' counts, that those count only what is stored. Distinct from "not yet
// indexed" (stored, and found by scanning the stored text).
import type { UnreadPart, UnreadSearched } from '../../../../shared/model.js';
import { formatBytes } from '../../lib/format.js';

/** The status line's words for a search's unread part, or '' when nothing is unread. */
export function unreadSearchText(unread: UnreadSearched | null): string {
  if (!unread) return '';
  const parts: string[] = [];
  if (unread.bytes > 0) {
    const size = formatBytes(unread.bytes);
    if (unread.scannedBytes >= unread.bytes) parts.push(`searching the last ${size} not yet read`);
    else if (unread.scannedBytes === 0) parts.push(`${size} not yet read: not searched (only words are looked for there)`);
    else parts.push(`searched ${formatBytes(unread.scannedBytes)} of the ${size} not yet read (stopped at the limit)`);
  }
  if (unread.changed?.length) {
    const n = unread.changed.length;
    parts.push(`${n === 1 ? 'a file' : `${n} files`} changed while searching, skipped: ${unread.changed.join(', ')}`);
  }
  return parts.join(' · ');
}

/** Beside a count: it is of what is stored, more is being read. */
export function unreadCountText(unread: UnreadPart | undefined): string {
  return unread && unread.bytes > 0 ? `${formatBytes(unread.bytes)} still being read` : '';
}

/** What a pending record is, for its row's tag and its details. */
export const PENDING_TITLE = 'Found in the file before it was read into the store: no context yet; it is stored shortly, with its own id';
