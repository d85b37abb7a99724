// Time conversions at the edges. Inside the engine a time is an integer number of µs since the
// epoch (exact in a JS number until the year ~2255).

/** RFC 3339 with microseconds, in UTC: 2026-11-30T02:32:42.123456Z */
export function usToRfc3339(us: number): string {
  const ms = Math.floor(us / 1000);
  const micros = us - ms * 1000;
  const iso = new Date(ms).toISOString(); // …:42.123Z
  return `${iso.slice(0, -1)}${String(micros).padStart(3, '0')}Z`;
}

/**
 * Parse a time given to the API: RFC 3339 / ISO 8601 text, or a number of milliseconds since the
 * epoch. Returns µs, or undefined when it is not a time.
 */
export function parseTimeParam(text: string): number | undefined {
  const trimmed = text.trim();
  if (trimmed === '') return undefined;
  if (/^-?\d+(\.\d+)?$/.test(trimmed)) return Math.round(Number(trimmed) * 1000);
  const m = /^(.*?)(?:\.(\d+))?(Z|[+-]\d\d:?\d\d)?$/i.exec(trimmed);
  const ms = Date.parse(trimmed);
  if (Number.isNaN(ms)) return undefined;
  // Date.parse keeps only milliseconds: add back the sub-millisecond digits when given.
  const frac = m?.[2] ?? '';
  const extraMicros = frac.length > 3 ? Number(frac.slice(3, 6).padEnd(3, '0')) : 0;
  return ms * 1000 + extraMicros;
}

/** Relative durations like 15m, 1h, 7d, 90s (for --retention and time pickers). */
export function parseDuration(text: string): number | undefined {
  const m = /^(\d+(?:\.\d+)?)\s*(us|ms|s|m|h|d|w)$/i.exec(text.trim());
  if (!m) return undefined;
  const unit: Record<string, number> = {
    us: 1,
    ms: 1e3,
    s: 1e6,
    m: 60e6,
    h: 3600e6,
    d: 86400e6,
    w: 7 * 86400e6,
  };
  return Math.round(Number(m[1]) * (unit[m[2]!.toLowerCase()] ?? 0));
}

/** Sizes like 500MB, 2GiB, 1g (for --max-db-size). Returns bytes. */
export function parseSize(text: string): number | undefined {
  const m = /^(\d+(?:\.\d+)?)\s*(b|k|kb|kib|m|mb|mib|g|gb|gib|t|tb|tib)?$/i.exec(text.trim());
  if (!m) return undefined;
  const u = (m[2] ?? 'b').toLowerCase()[0]!;
  const mult: Record<string, number> = { b: 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3, t: 1024 ** 4 };
  return Math.round(Number(m[1]) * (mult[u] ?? 1));
}
