// Content negotiation for a scrape, as Prometheus does it: the Accept header it sends, and which
// parser a response's Content-Type picks.
import type { ExpositionFormat } from './exposition-parser.js';

/**
 * The Accept header of Prometheus 2.42 (the version the issue compares against): OpenMetrics 1.0
 * first, then OpenMetrics 0.0.1, then text 0.0.4. prometheus_client answers OpenMetrics whenever
 * the header names it.
 */
export const PROMETHEUS_ACCEPT =
  'application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1';

/** The Accept header that asks for text 0.0.4 only (a target whose OpenMetrics output is broken). */
export const TEXT_ACCEPT = 'text/plain;version=0.0.4;q=1.0,*/*;q=0.1';

export function acceptHeader(prefer: ExpositionFormat = 'openmetrics'): string {
  return prefer === 'openmetrics' ? PROMETHEUS_ACCEPT : TEXT_ACCEPT;
}

export interface ChosenFormat {
  format: ExpositionFormat;
  /** Set when the Content-Type was missing or unknown and text 0.0.4 was assumed. */
  fallbackReason?: string;
}

/** The media type of a Content-Type header, lower case, without parameters ('' when none). */
export function mediaTypeOf(contentType: string | null | undefined): string {
  return (contentType ?? '').split(';', 1)[0]!.trim().toLowerCase();
}

/**
 * The parser for a response: `application/openmetrics-text` reads as OpenMetrics, `text/plain` as
 * text 0.0.4, and anything else (or nothing) falls back to text 0.0.4 as Prometheus 2.x did, with
 * the reason kept for the source's status. HTML is not refused here: `scrapeTarget` does that.
 */
export function formatOfContentType(contentType: string | null | undefined): ChosenFormat {
  const media = mediaTypeOf(contentType);
  if (media === 'application/openmetrics-text') return { format: 'openmetrics' };
  if (media === 'text/plain') return { format: 'prometheus-text' };
  return {
    format: 'prometheus-text',
    fallbackReason:
      media === '' ? 'the target sent no Content-Type; read as text 0.0.4' : `unsupported Content-Type "${media}"; read as text 0.0.4`,
  };
}
