// The Sentry input's limits, named once: the README's table, the routes, the parser and the tests
// read them from here. Sized after Sentry's own Relay (an event is at most 1 MiB of JSON there too).
export const SENTRY_LIMITS = {
  /** Largest envelope or event on the wire (compressed or not): 413 past it, before reading it all. */
  maxWireBodyBytes: 20 * 1024 * 1024,
  /** Largest envelope once decompressed: inflating stops there (413). */
  maxDecodedBodyBytes: 40 * 1024 * 1024,
  /** Items in one envelope: past it the envelope is refused (400). */
  maxItems: 1000,
  /** An item's header line (a small JSON object). */
  maxItemHeaderBytes: 16 * 1024,
  /** An event or transaction item's JSON: a larger one is skipped and counted (Relay's max_event_size). */
  maxEventBytes: 1024 * 1024,
  /** Exceptions of a chain, frames of a stack, spans of a transaction, breadcrumbs of an event: the first ones are kept. */
  maxExceptions: 20,
  maxFrames: 250,
  maxSpans: 10_000,
  maxBreadcrumbs: 100,
  /** The JSON of an event's local variables (`exception.frames`) and of its breadcrumbs: cut to this many characters. */
  maxFramesJsonChars: 32 * 1024,
  maxBreadcrumbsJsonChars: 16 * 1024,
  /** One local variable's printed value (the SDK cuts them to 1024 already). */
  maxVarChars: 512,
} as const;

/** Where `sentry_sdk.init(spotlight=True)` posts, when `loupe serve --spotlight-port` listens for it (Spotlight's sidecar port). */
export const SPOTLIGHT_DEFAULT_PORT = 8969;
