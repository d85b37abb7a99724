// What the OTLP decoders (protobuf and JSON) return: the records of one export request in the
// engine's model (core/telemetry.ts), what was dropped, and the error for a request that cannot
// be read at all.
import type { ScopeGroup } from '../../core/telemetry.js';

export interface Decoded<T> {
  groups: ScopeGroup<T>[];
  /** Items dropped while decoding (invalid ids), with the first reason. */
  rejected: number;
  rejectReason?: string | undefined;
}

export type Signal = 'traces' | 'metrics' | 'logs';

/** A request that cannot be read at all (400 / INVALID_ARGUMENT). */
export class OtlpDecodeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'OtlpDecodeError';
  }
}
