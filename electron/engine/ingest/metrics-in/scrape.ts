// One HTTP scrape of a Prometheus target: GET with Prometheus's Accept and Accept-Encoding
// headers, a deadline, the body capped once decompressed, and the failures a user meets named
// plainly (timeout, refused connection, HTTP status, an HTML page where metrics were expected).
// Node's fetch (undici) inflates a gzip answer itself, as the body is read, so the cap below also
// bounds what a gzip bomb can cost. Parsing is the caller's: see formatOfContentType and
// parseExposition.
import { performance } from 'node:perf_hooks';
import { SCRAPE_LIMITS } from './limits.js';
import { acceptHeader, mediaTypeOf } from './negotiation.js';
import type { ExpositionFormat } from './exposition-parser.js';

export type ScrapeFailure = 'timeout' | 'aborted' | 'network' | 'http-status' | 'html' | 'too-large' | 'not-utf8';

/** A failed scrape: `kind` for counters and the `up` series, the message for the source's status. */
export class ScrapeError extends Error {
  constructor(
    readonly kind: ScrapeFailure,
    message: string,
    readonly status?: number,
  ) {
    super(message);
    this.name = 'ScrapeError';
  }
}

export interface ScrapeOptions {
  /** Deadline for the whole exchange, body included (Prometheus's `scrape_timeout`). */
  timeoutMs?: number;
  /** Aborts the scrape (the source is removed, the engine stops). */
  signal?: AbortSignal;
  /** Which format to ask for first; OpenMetrics by default, as Prometheus does. */
  prefer?: ExpositionFormat;
  maxBodyBytes?: number;
}

export interface ScrapeResponse {
  status: number;
  /** The Content-Type header as sent ('' when none): give it to formatOfContentType. */
  contentType: string;
  /** The body, decompressed and decoded as UTF-8. */
  body: string;
  /** Decompressed body size in bytes. */
  bodyBytes: number;
  /** Whether the target answered with gzip (or another Content-Encoding). */
  compressed: boolean;
  /** From sending the request to the body's last byte: `scrape_duration_seconds` × 1000. */
  durationMs: number;
}

/** GETs a target's metrics; rejects with ScrapeError (or the caller's abort reason is named 'aborted'). */
export async function scrapeTarget(url: string, options: ScrapeOptions = {}): Promise<ScrapeResponse> {
  const timeoutMs = options.timeoutMs ?? SCRAPE_LIMITS.defaultTimeoutMs;
  const maxBodyBytes = options.maxBodyBytes ?? SCRAPE_LIMITS.maxBodyBytes;
  const deadline = AbortSignal.timeout(timeoutMs);
  const signal = options.signal ? AbortSignal.any([deadline, options.signal]) : deadline;
  const failure = (err: unknown): ScrapeError => {
    if (err instanceof ScrapeError) return err;
    if (options.signal?.aborted) return new ScrapeError('aborted', 'scrape aborted');
    if (deadline.aborted) return new ScrapeError('timeout', `the target did not answer within ${timeoutMs} ms (the scrape timeout)`);
    const cause = (err as { cause?: { code?: string; message?: string } }).cause;
    const detail = cause?.code ?? cause?.message ?? (err as Error).message;
    return new ScrapeError('network', `cannot reach ${url}: ${detail}`);
  };

  const started = performance.now();
  try {
    const response = await fetch(url, {
      signal,
      redirect: 'follow',
      headers: {
        accept: acceptHeader(options.prefer),
        'accept-encoding': 'gzip',
        'x-prometheus-scrape-timeout-seconds': String(timeoutMs / 1000),
        'user-agent': 'Loupe',
      },
    });
    const contentType = response.headers.get('content-type') ?? '';
    const bytes = await readCapped(response, maxBodyBytes, signal);
    const durationMs = performance.now() - started;
    let body: string;
    try {
      body = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false }).decode(bytes);
    } catch {
      throw new ScrapeError('not-utf8', 'the response body is not valid UTF-8');
    }
    if (looksLikeHtml(contentType, body)) {
      const title = /<title[^>]*>([^<]{0,120})/i.exec(body)?.[1]?.trim();
      throw new ScrapeError(
        'html',
        `the target answered an HTML page${title ? ` ("${title}")` : ''} with status ${response.status}, not metrics: check the URL's path (usually /metrics)`,
        response.status,
      );
    }
    if (response.status < 200 || response.status > 299) {
      throw new ScrapeError('http-status', `server returned HTTP status ${response.status} ${response.statusText}`.trim(), response.status);
    }
    const encoding = response.headers.get('content-encoding') ?? '';
    return {
      status: response.status,
      contentType,
      body,
      bodyBytes: bytes.length,
      compressed: encoding !== '' && encoding !== 'identity',
      durationMs,
    };
  } catch (err) {
    throw failure(err);
  }
}

/** The body as bytes, refused once it passes `max` (fetch has inflated it already). */
async function readCapped(response: Response, max: number, signal: AbortSignal): Promise<Buffer> {
  const declared = Number(response.headers.get('content-length'));
  if (!response.headers.get('content-encoding') && Number.isFinite(declared) && declared > max) {
    await response.body?.cancel();
    throw new ScrapeError('too-large', `the response body is larger than ${max} bytes (the scrape body limit)`);
  }
  if (!response.body) return Buffer.alloc(0);
  const chunks: Uint8Array[] = [];
  let total = 0;
  const reader = response.body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.length;
    if (total > max) {
      await reader.cancel();
      throw new ScrapeError('too-large', `the response body is larger than ${max} bytes once decompressed (the scrape body limit)`);
    }
    chunks.push(value);
  }
  signal.throwIfAborted();
  return Buffer.concat(chunks, total);
}

function looksLikeHtml(contentType: string, body: string): boolean {
  const media = mediaTypeOf(contentType);
  if (media === 'text/html' || media === 'application/xhtml+xml') return true;
  const head = body.slice(0, 256).trimStart().toLowerCase();
  return head.startsWith('<!doctype html') || head.startsWith('<html');
}
