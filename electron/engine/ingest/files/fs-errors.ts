// What a failed file-system call says, as a source reports it: its message, and whether the path
// is simply not there (a missing path is a state, not a problem).

export function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** The path (or a folder on it) does not exist. */
export function isMissing(err: unknown): boolean {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  return code === 'ENOENT' || code === 'ENOTDIR';
}
