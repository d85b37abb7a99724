// The `q` of a trace search is read by the same lexer as the Logs view's search: quotes with
// escapes, URLs as words, and a mistake answered as query_syntax with where it is, rather than a
// silently empty result.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ApiErrorBody } from '../../shared/api.js';
import type { TraceSearchView } from '../../shared/model.js';
import { startOtlpEngine, TOKEN, type OtlpEngine } from '../support/otlp-engine.js';

let h: OtlpEngine;
const t0Us = Date.UTC(2026, 0, 7, 9) * 1000;
const range = `from=${new Date(t0Us / 1000 - 1000).toISOString()}&to=${new Date(t0Us / 1000 + 60_000).toISOString()}`;

/** One-span traces of the service "shop", named as given, with an http.route attribute each. */
function spans(names: string[]): string {
  const hex = (n: number, digits: number): string => n.toString(16).padStart(digits, '0');
  const list = names.map((name, i) => ({
    traceId: hex(i + 1, 32),
    spanId: hex(i + 1, 16),
    name,
    kind: 2,
    startTimeUnixNano: `${t0Us + i * 1000}000`,
    endTimeUnixNano: `${t0Us + i * 1000 + 500}000`,
    attributes: [{ key: 'http.route', value: { stringValue: `/route/${i}` } }],
  }));
  const resource = { attributes: [{ key: 'service.name', value: { stringValue: 'shop' } }] };
  return JSON.stringify({ resourceSpans: [{ resource, scopeSpans: [{ scope: { name: 't' }, spans: list }] }] });
}

beforeAll(async () => {
  h = await startOtlpEngine();
  const body = spans(['say "hi"', 'GET https://example.com/items', 'checkout']);
  const res = await fetch(new URL('/api/traces/import', h.server.url), {
    method: 'POST',
    body,
    headers: { Authorization: `Bearer ${TOKEN}`, 'Content-Type': 'application/json' },
  });
  expect(res.status).toBe(200);
});
afterAll(async () => h.stop());

const search = (q: string): Promise<{ status: number; body: TraceSearchView & ApiErrorBody }> =>
  h.api(`/api/traces?${range}&q=${encodeURIComponent(q)}`);

describe('the trace search query', () => {
  it('finds spans by quoted names with escapes, URLs as words, and attributes', async () => {
    const names = async (q: string): Promise<(string | undefined)[]> => {
      const { status, body } = await search(q);
      expect(status, JSON.stringify(body)).toBe(200);
      return body.traces.map((t) => t.rootOperation);
    };
    expect(await names('operation:"say \\"hi\\""')).toEqual(['say "hi"']);
    expect(await names('https://example.com/items')).toEqual(['GET https://example.com/items']);
    expect(await names('http.route:/route/2 checkout')).toEqual(['checkout']);
    expect(await names('service:shop')).toHaveLength(3);
  });

  it('points at a mistake instead of searching for it', async () => {
    const error = async (q: string): Promise<ApiErrorBody['error']> => {
      const { status, body } = await search(q);
      expect(status).toBe(400);
      return body.error;
    };
    expect(await error('checkout -GET')).toMatchObject({ code: 'query_syntax', position: 9, length: 1 });
    expect(await error('checkout OR GET')).toMatchObject({ code: 'query_syntax', position: 9, length: 2 });
    expect(await error('status:bogus')).toMatchObject({ code: 'query_syntax', position: 7, length: 5 });
    const unclosed = await error('operation:"GET');
    expect(unclosed).toMatchObject({ code: 'query_syntax', position: 10 });
    expect(unclosed.message).toContain('never closed');
  });
});
