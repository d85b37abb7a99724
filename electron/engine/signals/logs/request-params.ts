// A request's whole-number parameters (page sizes, bucket counts) checked and clamped the one way.
import { BadRequestError } from '../../core/errors.js';

/** `value` if whole and at least `min`, at most `max`; `fallback` when not given; else a BadRequestError naming it. */
export function clampInt(value: number | undefined, fallback: number, min: number, max: number, name: string): number {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || value < min) throw new BadRequestError(`${name}: expected a whole number from ${min} to ${max}`);
  return Math.min(value, max);
}

/**
 * A request's `within` (how long a search, count or page may take before it answers with what it
 * has): 0 to the search deadline, in ms; undefined when not given (the answer is whole).
 */
export function withinMs(within: number | undefined, deadlineMs: number): number | undefined {
  return within === undefined ? undefined : clampInt(within, 0, 0, deadlineMs, 'within');
}
