// The receiver's limits, named once: the README's table, the HTTP and gRPC servers and the tests
// read them from here.
export const OTLP_LIMITS = {
  /** Largest request body on the wire (compressed or not): 413 past it, before reading it all. */
  maxWireBodyBytes: 32 * 1024 * 1024,
  /** Largest body once decompressed (gRPC: largest message): inflating stops there, 413 / RESOURCE_EXHAUSTED. */
  maxDecodedBodyBytes: 64 * 1024 * 1024,
  /** Longer string attribute values (and log bodies) are cut to this many characters. */
  maxAttributeValueChars: 64 * 1024,
  /** Spans, log records or data points in one request: past it the request is refused (413). */
  maxItemsPerRequest: 100_000,
  /** Items decoded but not yet written: past it new requests get 503 + Retry-After / UNAVAILABLE. */
  maxPendingItems: 200_000,
  /** Seconds a sender is told to wait under backpressure. */
  retryAfterSeconds: 2,
  /** An idle keep-alive connection stays open this long (the SDKs batch every 5 s). */
  keepAliveMs: 65_000,
} as const;

export const DEFAULT_OTLP_HTTP_PORT = 4318;
export const DEFAULT_OTLP_GRPC_PORT = 4317;
