// Field values with '*' are globs over the whole value ('*' = any run of characters, nothing else
// special), run as SQLite GLOB in SQL and as an anchored RegExp in JS.

/** A SQLite GLOB pattern where only '*' is a wildcard ('?' and '[' are made literal). */
export function toSqliteGlob(pattern: string): string {
  return pattern.replace(/[?[]/g, (ch) => `[${ch}]`);
}

const globCache = new Map<string, RegExp>();

export function globRegExp(pattern: string): RegExp {
  let re = globCache.get(pattern);
  if (!re) {
    const body = pattern
      .split('*')
      .map((part) => part.replace(/[\\^$.*+?()[\]{}|/]/g, '\\$&'))
      .join('[\\s\\S]*');
    re = new RegExp(`^${body}$`);
    if (globCache.size >= 256) globCache.clear();
    globCache.set(pattern, re);
  }
  return re;
}
