// The protocol between the renderer (or any WebSocket client) and the engine. This file grows
// into the one typed contract of requests and subscriptions; today it holds the live tail.
import type { LogRecordView } from './model.js';

/** Client → engine. */
export type ClientMessage =
  | { type: 'subscribe'; id: string; query: string }
  | { type: 'unsubscribe'; id: string };

/** Engine → client. */
export type ServerMessage =
  | { type: 'subscribed'; id: string }
  /** New records matching subscription `id`, oldest first; `skipped` matching records were left out. */
  | { type: 'records'; id: string; records: LogRecordView[]; skipped: number }
  | { type: 'error'; id?: string; message: string; position?: number; length?: number };

/** The error body every REST endpoint answers with when it fails. */
export interface ApiErrorBody {
  error: {
    /** bad_request, unauthorized, forbidden_host, not_found, method_not_allowed, too_large, query_syntax, internal */
    code: string;
    message: string;
    /** For query_syntax: where in the query text the mistake is (0-based). */
    position?: number;
    length?: number;
  };
}

/** Limits of the local API (named so the README and the tests use the same numbers). */
export const API_LIMITS = {
  /** Largest request body accepted (POST /api/sources …). */
  maxBodyBytes: 64 * 1024,
  /** Live subscriptions one WebSocket may hold. */
  maxSubscriptionsPerSocket: 16,
  /** A WebSocket whose unsent data exceeds this gets its live batches skipped (counted) until it drains. */
  maxSocketBufferBytes: 4 * 1024 * 1024,
} as const;
