// Small helpers both decoders share: attribute maps, the value-length limit, the item limit.
import { OTLP_LIMITS } from './limits.js';
import type { Attributes } from '../../core/telemetry.js';

/** A request with more items than OTLP_LIMITS.maxItemsPerRequest (413 / RESOURCE_EXHAUSTED). */
export class TooManyItemsError extends Error {
  constructor() {
    super(`more than ${OTLP_LIMITS.maxItemsPerRequest} items in one request`);
    this.name = 'TooManyItemsError';
  }
}

/** Attribute maps have no prototype: a key like "__proto__" is then just a key. */
export function newAttributes(): Attributes {
  return Object.create(null) as Attributes;
}

/** NaN and ±Infinity have no JSON form: they are kept as text. */
export function jsonNumber(n: number): number | string {
  return Number.isFinite(n) ? n : String(n);
}

export function capString(s: string): string {
  return s.length > OTLP_LIMITS.maxAttributeValueChars ? s.slice(0, OTLP_LIMITS.maxAttributeValueChars) : s;
}
