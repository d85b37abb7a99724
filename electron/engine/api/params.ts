// The one parameter parser of the API. A handler declares its params as specs (`param.int`,
// `param.time` …); the same spec reads a protocol message's JSON value and a REST query string's
// text, so both carriers accept the same values and refuse the rest with the same sentence.
import { parseTimeParam } from '../../../shared/time.js';
import { BadRequestError } from '../core/errors.js';
import { parseDurationUs } from '../signals/traces/trace-query.js';

/** Reads one named param from what the client sent (JSON value, or text from an address). */
export interface Param<T> {
  parse(value: unknown, name: string): T;
}

/** The params a handler receives, parsed from its specs. */
export type ParamsOf<S extends ParamSpecs> = { [K in keyof S]: S[K] extends Param<infer T> ? T : never };
export type ParamSpecs = Readonly<Record<string, Param<unknown>>>;

/** Absent (missing, null, or empty text as an empty `?limit=` gives) → undefined; else `read` decides. */
function optional<T>(read: (value: unknown, name: string) => T): Param<T | undefined> {
  return { parse: (value, name) => (value === undefined || value === null || value === '' ? undefined : read(value, name)) };
}

function text(value: unknown, name: string): string {
  if (typeof value !== 'string') throw new BadRequestError(`${name}: expected text.`);
  return value;
}

function wholeNumber(value: unknown, name: string): number {
  // A REST query string carries numbers as text; the protocol as JSON numbers.
  const n = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
  if (typeof n !== 'number' || !Number.isInteger(n)) throw new BadRequestError(`${name}: ${JSON.stringify(value)} is not a whole number.`);
  return n;
}

function time(value: unknown, name: string): number {
  const v = text(value, name);
  const us = parseTimeParam(v);
  if (us === undefined) {
    throw new BadRequestError(`${name}: "${v}" is not a time (RFC 3339, e.g. 2026-11-30T10:00:00Z, or milliseconds since the epoch).`);
  }
  return us;
}

function bool(value: unknown, name: string): boolean {
  if (value === true || value === 'true') return true;
  if (value === false || value === 'false') return false;
  throw new BadRequestError(`${name}: expected true or false.`);
}

function texts(value: unknown, name: string): string[] {
  // An address gives a repeated `name[]=…` as an array already (rest-router.ts); one value is a list of one.
  const list = Array.isArray(value) ? value : [value];
  return list.map((v) => text(v, name));
}

function textOrNumber(value: unknown, name: string): string | number {
  if (typeof value === 'number' && Number.isFinite(value)) return value;
  return text(value, name);
}

export const param = {
  /** Text. */
  string: optional(text),
  /** Several texts (a JSON array, or a repeated `name[]` in an address). */
  strings: optional(texts),
  /** Text, or a JSON number (Prometheus's times and steps: Unix seconds or RFC 3339 text). */
  textOrNumber: optional(textOrNumber),
  /** A whole number (a JSON number, or its digits in an address). */
  int: optional(wholeNumber),
  /** A time: RFC 3339 or ms since the epoch, as text → µs since the epoch. */
  time: optional(time),
  /** A duration: 250ms, 1.5s, 300us (a bare number is ms) → µs. */
  duration: optional((value, name) => parseDurationUs(text(value, name), name)),
  bool: optional(bool),
  /** A format id, or null (absent or empty: detect the format). */
  format: { parse: (value: unknown, name: string) => (value === undefined || value === null || value === '' ? null : text(value, name)) },
} as const satisfies Record<string, Param<unknown>>;

/** The same spec, refusing an absent value. */
export function required<T>(spec: Param<T | undefined>): Param<T> {
  return {
    parse: (value, name) => {
      const v = spec.parse(value, name);
      if (v === undefined) throw new BadRequestError(`${name} is required.`);
      return v;
    },
  };
}

/** The same spec, with `fallback` when the value is absent. */
export function withDefault<T>(spec: Param<T | undefined>, fallback: T): Param<T> {
  return { parse: (value, name) => spec.parse(value, name) ?? fallback };
}

/** Every declared param parsed from `raw` (the rest of `raw` is ignored, as unknown query names are). */
export function parseParams<S extends ParamSpecs>(specs: S, raw: Readonly<Record<string, unknown>>): ParamsOf<S> {
  const out: Record<string, unknown> = {};
  for (const [name, spec] of Object.entries(specs)) out[name] = spec.parse(raw[name], name);
  return out as ParamsOf<S>;
}
