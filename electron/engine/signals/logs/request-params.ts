// A request's whole-number parameters (page sizes, bucket counts) checked and clamped the one way.
import { BadRequestError } from '../../core/errors.js';

/** `value` if whole and at least `min`, at most `max`; `fallback` when not given; else a BadRequestError naming it. */
export function clampInt(value: number | undefined, fallback: number, min: number, max: number, name: string): number {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || value < min) throw new BadRequestError(`${name}: expected a whole number from ${min} to ${max}`);
  return Math.min(value, max);
}
