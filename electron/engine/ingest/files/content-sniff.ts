// Cheap content checks made before a file is read as text.

/** Backups that logrotate (or a user) compressed: never read, their lines were read before. */
const COMPRESSED = /\.(gz|bz2|xz|zst|lz4|zip|z)$/i;

export function isCompressedName(path: string): boolean {
  return COMPRESSED.test(path);
}

/** A writer without O_APPEND keeps writing at its old offset after copytruncate, leaving a run of NULs. */
export function countLeadingNuls(bytes: Uint8Array): number {
  let n = 0;
  while (n < bytes.length && bytes[n] === 0) n++;
  return n;
}

/** How much of the first text to look at. */
export const SNIFF_BYTES = 8192;

/**
 * Why the bytes look binary, or null for text: a NUL byte, or more than 30% control bytes other
 * than the usual whitespace and ANSI escapes. The caller strips the leading NULs of a truncated file.
 */
export function binaryReason(bytes: Uint8Array): string | null {
  const n = Math.min(bytes.length, SNIFF_BYTES);
  if (n === 0) return null;
  let control = 0;
  for (let i = 0; i < n; i++) {
    const b = bytes[i]!;
    if (b === 0) return 'binary file: it contains NUL bytes';
    if (b < 0x20 && b !== 0x09 && b !== 0x0a && b !== 0x0d && b !== 0x0c && b !== 0x0b && b !== 0x08 && b !== 0x1b) {
      control++;
    } else if (b === 0x7f) control++;
  }
  return control / n > 0.3 ? 'binary file: it is mostly control bytes' : null;
}
