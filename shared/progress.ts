// A source's reading progress in words, the same in the Sources view and in `loupe serve`'s output:
// "read 3.1 of 8.2M lines, 12 s left".
import type { ReadProgress } from './model.js';

function count(n: number): string {
  if (n < 1000) return String(n);
  if (n < 1e6) return `${(n / 1e3).toFixed(n < 1e4 ? 1 : 0)}k`;
  return `${(n / 1e6).toFixed(1)}M`;
}

function duration(seconds: number): string {
  if (seconds < 90) return `${seconds} s`;
  if (seconds < 5400) return `${Math.round(seconds / 60)} min`;
  return `${(seconds / 3600).toFixed(1)} h`;
}

export function progressText(p: ReadProgress): string {
  const total = count(p.recordsTotal);
  const unit = total.replace(/^[\d.]+/, '');
  // "3.1 of 8.2M": the done part in the total's unit, when it has one.
  const done = unit !== '' && count(p.records).endsWith(unit) ? count(p.records).slice(0, -unit.length) : count(p.records);
  const left = p.secondsLeft === null ? '' : `, ${duration(p.secondsLeft)} left`;
  return `read ${done} of ${total} lines${left}`;
}
