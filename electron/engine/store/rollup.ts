// The per-minute counts (`log_counts`) that the histogram reads instead of grouping raw rows.

export const MINUTE_US = 60_000_000;

export function minuteOf(tsUs: number): number {
  return Math.floor(tsUs / MINUTE_US) * MINUTE_US;
}

/** 0..5 = trace..fatal; an unspecified severity counts as info, as levelOf() shows it. */
export function levelIndexOf(severity: number): number {
  return severity >= 1 && severity <= 24 ? Math.floor((severity - 1) / 4) : 2;
}
