// Sentry's ingest endpoints on the API port: `POST /api/{project}/envelope/` and `/store/`, as the
// SDKs post to a DSN `http://<token>@127.0.0.1:<port>/<project>` (the key is checked by the HTTP
// server, api/http-server.ts; the body is read, decompressed and bounded by the REST router).
// Whatever the project id, everything goes to the one Sentry source.
import { handler } from '../../api/handlers.js';
import { param, required, type Param } from '../../api/params.js';
import { BadRequestError } from '../../core/errors.js';
import type { EngineModule, RestRoute } from '../../core/module.js';
import { SENTRY_LIMITS } from '../../ingest/sentry/limits.js';
import { ENVELOPE_TYPE, type SentrySource } from '../../ingest/sentry/sentry-source.js';

/** The body: bytes from REST, or text over the protocol. */
const body: Param<Buffer> = {
  parse: (value, name) => {
    if (Buffer.isBuffer(value)) return value;
    if (typeof value === 'string') return Buffer.from(value, 'utf8');
    throw new BadRequestError(`${name} is required (the envelope's text).`);
  },
};

export function sentryModule(source: SentrySource): EngineModule {
  const specs = { project: required(param.string), body };
  const route = (path: string, handlerName: 'sentry.envelope' | 'sentry.store', types: string[]): RestRoute => ({
    method: 'POST',
    path,
    handler: handlerName,
    auth: 'sentry',
    body: {
      bytes: 'body',
      maxBytes: SENTRY_LIMITS.maxWireBodyBytes,
      maxDecodedBytes: SENTRY_LIMITS.maxDecodedBodyBytes,
      contentTypes: types,
    },
    refused: (status, reason) => source.refused(status, reason),
  });
  return {
    name: 'sentry',
    handlers: {
      'sentry.envelope': handler(specs, (p) => source.receiveEnvelope(p.body)),
      'sentry.store': handler(specs, (p) => source.receiveEvent(p.body)),
    },
    routes: [
      route('/api/{project}/envelope/', 'sentry.envelope', [ENVELOPE_TYPE]),
      route('/api/{project}/store/', 'sentry.store', ['application/json']),
    ],
  };
}
