// What the Logs view says while the watched files are still being read (a big folder's first
// seconds): what a search or a browse did with the bytes not read into the store yet, and, beside the
// histogram's and facets' counts, that those count only what is stored. Distinct from "not yet
// indexed" (stored, and found by scanning the stored text).
import type { UnreadPart, UnreadSearched } from '../../../../shared/model.js';
import { MOMENT_OF_READING_BYTES } from '../../../../shared/sources.js';
import { formatBytes } from '../../lib/format.js';

/** The status line's words for a search's unread part, or '' when nothing is unread. */
export function unreadSearchText(unread: UnreadSearched | null): string {
  if (!unread) return '';
  const parts: string[] = [];
  // (A live file's last few lines between two reads are searched too, and not worth a word.)
  if (unread.bytes >= MOMENT_OF_READING_BYTES || (unread.bytes > 0 && unread.scannedBytes < unread.bytes)) {
    const size = formatBytes(unread.bytes);
    // A browse (no words) reads those bytes as records; a search looks for its words in them.
    const [doing, did, what] = unread.browsed ? ['reading', 'read', 'not yet stored'] : ['searching', 'searched', 'not yet read'];
    if (unread.scannedBytes >= unread.bytes) parts.push(`${doing} the last ${size} ${what}`);
    else parts.push(`${did} ${formatBytes(unread.scannedBytes)} of the ${size} ${what} (stopped at the limit)`);
  }
  if (unread.unordered?.length) {
    const n = unread.unordered.length;
    parts.push(`${n === 1 ? 'a file is' : `${n} files are`} not in time order, read whole: ${unread.unordered.join(', ')}`);
  }
  if (unread.changed?.length) {
    const n = unread.changed.length;
    parts.push(`${n === 1 ? 'a file' : `${n} files`} changed while searching, skipped: ${unread.changed.join(', ')}`);
  }
  return parts.join(' · ');
}

/** Beside a count: it is of what is stored, more is being read (more than a moment's reading: a live file always has a line in flight). */
export function unreadCountText(unread: UnreadPart | undefined): string {
  return unread && unread.bytes >= MOMENT_OF_READING_BYTES ? `${formatBytes(unread.bytes)} still being read` : '';
}

/** What a pending record is, for its row's tag and its details. */
export const PENDING_TITLE = 'Found in the file before it was read into the store: no context yet; it is stored shortly, with its own id';
