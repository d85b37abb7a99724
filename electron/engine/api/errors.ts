// The one error shape of the API (shared/api.ts ApiError): whatever a handler throws becomes it,
// over the protocol as over REST, where its code also picks the HTTP status.
import type { ApiError, ApiErrorCode } from '../../../shared/api.js';
import { BadRequestError, NotFoundError } from '../core/errors.js';
import { QuerySyntaxError, SearchTimeoutError } from '../signals/logs/query/index.js';
import { PromQLEvalError, PromQLParseError } from '../signals/metrics/promql/index.js';

/** A body or message over its size limit (REST answers 413). */
export class TooLargeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TooLargeError';
  }
}

/** The readable error of anything thrown behind the protocol or the REST routes. */
export function toApiError(err: unknown): ApiError {
  if (err instanceof QuerySyntaxError) return { code: 'query_syntax', message: err.message, position: err.position, length: err.length };
  if (err instanceof PromQLParseError)
    return { code: 'query_syntax', message: err.message, position: err.pos.start, length: err.pos.end - err.pos.start };
  if (err instanceof PromQLEvalError) return { code: 'query_execution', message: err.message };
  if (err instanceof BadRequestError) return { code: 'bad_request', message: err.message };
  if (err instanceof NotFoundError) return { code: 'not_found', message: err.message };
  if (err instanceof TooLargeError) return { code: 'too_large', message: err.message };
  if (err instanceof SearchTimeoutError) return { code: 'search_timeout', message: err.message };
  // decodeURIComponent on a malformed %-escape: the address is the client's mistake.
  if (err instanceof URIError) return { code: 'bad_request', message: `The address is not valid: ${err.message}.` };
  return { code: 'internal', message: `Loupe failed: ${err instanceof Error ? err.message : String(err)}` };
}

/** The HTTP status REST answers an error with. */
export function httpStatusOf(code: ApiErrorCode): number {
  switch (code) {
    case 'unauthorized':
      return 401;
    case 'forbidden_host':
    case 'forbidden_origin':
    case 'forbidden_key':
      return 403;
    case 'not_found':
      return 404;
    case 'method_not_allowed':
      return 405;
    case 'too_large':
      return 413;
    case 'unsupported_media_type':
      return 415;
    case 'internal':
      return 500;
    case 'search_timeout':
      return 503;
    case 'query_execution':
      return 422;
    case 'bad_request':
    case 'query_syntax':
      return 400;
  }
}
