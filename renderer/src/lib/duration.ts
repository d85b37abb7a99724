// Durations (µs) as people read them, and the ticks of a time ruler.

export function formatDuration(us: number): string {
  if (!Number.isFinite(us)) return '—';
  if (us === 0) return '0';
  const a = Math.abs(us);
  if (a < 1) return `${us.toFixed(2)}µs`;
  if (a < 1000) return `${trim(us, a < 10 ? 2 : a < 100 ? 1 : 0)}µs`;
  if (a < 1e6) return `${trim(us / 1e3, a < 1e4 ? 2 : a < 1e5 ? 1 : 0)}ms`;
  if (a < 60e6) return `${trim(us / 1e6, a < 1e7 ? 2 : 1)}s`;
  const m = Math.floor(a / 60e6);
  const s = Math.round((a - m * 60e6) / 1e6);
  return `${us < 0 ? '-' : ''}${m}m${s ? ` ${s}s` : ''}`;
}

function trim(n: number, digits: number): string {
  return String(Number(n.toFixed(digits)));
}

/** A "nice" step (1, 2 or 5 × 10^k µs) giving at most `maxTicks` ticks over `spanUs`. */
export function niceStep(spanUs: number, maxTicks: number): number {
  if (spanUs <= 0 || maxTicks < 1) return 1;
  const raw = spanUs / maxTicks;
  const pow = 10 ** Math.floor(Math.log10(raw));
  for (const m of [1, 2, 5, 10]) if (m * pow >= raw) return m * pow;
  return 10 * pow;
}

/** Ruler ticks as offsets from the trace start (µs), from 0 up to `spanUs`. */
export function rulerTicks(spanUs: number, maxTicks: number): number[] {
  const step = niceStep(spanUs, maxTicks);
  const out: number[] = [];
  for (let t = 0; t <= spanUs + step * 1e-9; t += step) out.push(Math.round(t * 1000) / 1000);
  return out;
}

/** Where a time falls on a bar track, as a percentage of its width (clamped to 0..100). */
export function percentAt(us: number, startUs: number, spanUs: number): number {
  if (spanUs <= 0) return 0;
  return Math.max(0, Math.min(100, ((us - startUs) / spanUs) * 100));
}

/** Text for a duration box: `250ms`, `1.5s`, `300us`, as the engine reads them (a bare number is ms). */
export function isDurationText(text: string): boolean {
  return /^\s*\d+(\.\d+)?\s*(us|µs|ms|s|m|h)?\s*$/.test(text);
}
