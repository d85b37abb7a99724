// OTLP times are 64-bit nanoseconds; the engine's unit is the µs, which a JS number holds exactly.
// A nanosecond count of today (~1.7e18) is past 2^53, so it must never pass through a double as a
// whole: these conversions only ever do arithmetic on exact integers.

const TWO_32 = 4294967296;

/** µs of a fixed64 given as its two 32-bit halves (protobuf's wire form). Exact. */
export function nanosHalvesToUs(lo: number, hi: number): number {
  // (hi·2^32 + lo) / 1000 = ⌊hi/1000⌋·2^32 + ((hi mod 1000)·2^32 + lo) / 1000. The remainder part
  // is below 1000·2^32 < 2^42 (exact), and its quotient's fraction is a multiple of 1/1000, far
  // from the next integer at that magnitude, so the floor is exact too.
  const hiQuotient = Math.floor(hi / 1000);
  const rest = (hi - hiQuotient * 1000) * TWO_32 + lo;
  return clampUs(hiQuotient * TWO_32 + Math.floor(rest / 1000));
}

/** µs of a decimal nanosecond count as JSON carries int64 ("1700000000123456789"). Exact. */
export function nanosTextToUs(text: string): number | undefined {
  if (!/^\d{1,20}$/.test(text)) return undefined;
  if (text.length <= 3) return 0;
  // Dropping the last three digits divides by 1000; the rest (< 2^64 / 1000) is at most 17 digits.
  return clampUs(Number(text.slice(0, -3)));
}

/** µs of a nanosecond count that arrived as a JSON number (already a double: exact only below 2^53). */
export function nanosNumberToUs(n: number): number | undefined {
  if (!Number.isFinite(n) || n < 0) return undefined;
  return clampUs(Math.floor(n / 1000));
}

/** Times past 2^53 µs (year ~2255) are clamped so every stored time stays an exact JS number. */
function clampUs(us: number): number {
  return us > Number.MAX_SAFE_INTEGER ? Number.MAX_SAFE_INTEGER : us;
}
