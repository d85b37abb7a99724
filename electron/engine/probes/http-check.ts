// The HTTP(S) probe: one request (and its redirects, to http/https only), the status against the
// accepted ranges, the body (read up to a limit, never more) against a text, a linear-time regex or
// a JSON path, the latency against a threshold, and the certificate chain's earliest expiry —
// blackbox_exporter's http prober, with its metric names (probe-metrics.ts).
import http, { type IncomingMessage } from 'node:http';
import https from 'node:https';
import type { TLSSocket, PeerCertificate, DetailedPeerCertificate } from 'node:tls';
import type { HttpCheck } from '../../../shared/health.js';
import { cachedRegex } from '../signals/logs/query/regex.js';
import type { CheckContext, CheckResult } from './checks.js';

export const DEFAULT_MAX_BODY_BYTES = 64 * 1024;
/** blackbox_exporter's and Go's default: 10 redirects. */
export const MAX_REDIRECTS = 10;
/** How much of a body a failure's reason quotes. */
const EXCERPT_CHARS = 200;

interface Fetched {
  status: number;
  body: string;
  certExpiresMs?: number;
}

export async function httpCheck(check: HttpCheck, ctx: CheckContext): Promise<CheckResult> {
  const started = performance.now();
  const elapsed = (): number => performance.now() - started;
  let fetched: Fetched;
  try {
    fetched = await fetchFollowing(check, ctx);
  } catch (err) {
    return { ok: false, durationMs: elapsed(), reason: (err as Error).message };
  }
  const durationMs = elapsed();
  const base = {
    durationMs,
    statusCode: fetched.status,
    ...(fetched.certExpiresMs !== undefined ? { certExpiresMs: fetched.certExpiresMs } : {}),
  };
  const fail = (reason: string): CheckResult => ({ ...base, ok: false, reason });
  const excerpt = (): string => {
    const text = fetched.body.replace(/\s+/g, ' ').trim();
    return text === '' ? '' : `: ${text.length > EXCERPT_CHARS ? `${text.slice(0, EXCERPT_CHARS)}…` : text}`;
  };
  if (!statusAccepted(fetched.status, check.expectStatus)) return fail(`HTTP ${fetched.status}${excerpt()}`);
  if (check.bodyContains !== undefined && !fetched.body.includes(check.bodyContains)) {
    return fail(`the body does not contain "${check.bodyContains}"${excerpt()}`);
  }
  if (check.bodyRegex !== undefined && !cachedRegex(check.bodyRegex, '').test(fetched.body)) {
    return fail(`the body does not match /${check.bodyRegex}/${excerpt()}`);
  }
  if (check.jsonPath) {
    const found = jsonPathValue(fetched.body, check.jsonPath.path);
    const want = String(check.jsonPath.equals);
    if (found !== want) return fail(`${check.jsonPath.path} is ${found ?? 'absent'}, not ${want}`);
  }
  if (check.maxLatencyMs !== undefined && durationMs > check.maxLatencyMs) {
    return fail(`took ${Math.round(durationMs)} ms, more than ${check.maxLatencyMs} ms`);
  }
  if (check.minCertDays !== undefined && fetched.certExpiresMs !== undefined) {
    const days = (fetched.certExpiresMs - ctx.nowMs()) / 86_400_000;
    if (days < check.minCertDays) {
      return fail(
        days < 0 ? 'the certificate has expired' : `the certificate expires in ${days.toFixed(1)} days (less than ${check.minCertDays})`,
      );
    }
  }
  return { ...base, ok: true, reason: null };
}

/** `200`, `200-299`, `2xx`; with none given, 200-399 (success, or a redirect not followed). */
export function statusAccepted(status: number, accepted: readonly (string | number)[] | undefined): boolean {
  if (!accepted || accepted.length === 0) return status >= 200 && status < 400;
  return accepted.some((a) => {
    const s = String(a);
    const cls = /^([1-5])xx$/.exec(s);
    if (cls) return Math.floor(status / 100) === Number(cls[1]);
    const [lo, hi] = s.split('-').map(Number);
    return status >= lo! && status <= (hi ?? lo!);
  });
}

/** The value at `$.a.b[0].c` in a JSON text, as text (null when the body is no JSON or the path finds nothing). */
export function jsonPathValue(body: string, path: string): string | null {
  let value: unknown;
  try {
    value = JSON.parse(body);
  } catch {
    return null;
  }
  const steps = path.replace(/^\$/, '').match(/\.[^.[\]]+|\[\d+\]|\['[^']*'\]|\["[^"]*"\]/g) ?? [];
  for (const step of steps) {
    if (value === null || typeof value !== 'object') return null;
    const key = step.startsWith('.')
      ? step.slice(1)
      : step.startsWith('[') && /^\[\d+\]$/.test(step)
        ? Number(step.slice(1, -1))
        : step.slice(2, -2);
    value = (value as Record<string | number, unknown>)[key];
    if (value === undefined) return null;
  }
  return typeof value === 'object' ? JSON.stringify(value) : String(value);
}

async function fetchFollowing(check: HttpCheck, ctx: CheckContext): Promise<Fetched> {
  let url = new URL(check.url);
  let method = (check.method ?? 'GET').toUpperCase();
  for (let hop = 0; ; hop++) {
    const { res, certExpiresMs } = await request(url, method, check, ctx);
    const location = res.headers.location;
    if (check.followRedirects !== false && res.statusCode! >= 300 && res.statusCode! < 400 && location) {
      res.resume();
      if (hop >= MAX_REDIRECTS) throw new Error(`more than ${MAX_REDIRECTS} redirects`);
      const next = new URL(location, url);
      // A redirect to file:, ftp:, javascript: … is refused: a probe only ever speaks HTTP.
      if (next.protocol !== 'http:' && next.protocol !== 'https:')
        throw new Error(`redirect to a non-HTTP address refused: ${next.protocol}`);
      if (res.statusCode === 303 || ((res.statusCode === 301 || res.statusCode === 302) && method === 'POST')) method = 'GET';
      url = next;
      continue;
    }
    const body = await readBody(res, check.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES);
    return { status: res.statusCode!, body, ...(certExpiresMs !== undefined ? { certExpiresMs } : {}) };
  }
}

function request(url: URL, method: string, check: HttpCheck, ctx: CheckContext): Promise<{ res: IncomingMessage; certExpiresMs?: number }> {
  return new Promise((resolve, reject) => {
    const options = {
      method,
      headers: { 'User-Agent': 'Loupe-health/1', ...(check.headers ?? {}) },
      // No keep-alive pool: a probe measures a fresh connection, as blackbox does, and holds nothing between runs.
      agent: false as const,
      ...(url.protocol === 'https:' ? { rejectUnauthorized: check.allowSelfSigned !== true } : {}),
    };
    const req = (url.protocol === 'https:' ? https : http).request(url, options, (res) => {
      const socket = res.socket as TLSSocket;
      const certExpiresMs =
        url.protocol === 'https:' && typeof socket.getPeerCertificate === 'function'
          ? earliestExpiry(socket.getPeerCertificate(true))
          : undefined;
      resolve({ res, ...(certExpiresMs !== undefined ? { certExpiresMs } : {}) });
    });
    const off = ctx.onTimeout(() => req.destroy(new Error(`no answer within ${ctx.timeoutMs} ms`)));
    req.on('error', (err) => {
      off();
      reject(new Error(describeError(err)));
    });
    req.on('close', off);
    req.end();
  });
}

/** The body as text, up to `limit` bytes (the rest is not read: the connection is closed). */
function readBody(res: IncomingMessage, limit: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const done = (): void => resolve(Buffer.concat(chunks).toString('utf8'));
    res.on('data', (chunk: Buffer) => {
      const room = limit - size;
      chunks.push(chunk.length > room ? chunk.subarray(0, room) : chunk);
      size += Math.min(chunk.length, room);
      if (size >= limit) {
        res.destroy();
        done();
      }
    });
    res.on('end', done);
    res.on('error', (err) => (size >= limit ? done() : reject(new Error(describeError(err)))));
  });
}

/** The earliest `valid_to` along the chain the server sent (blackbox's probe_ssl_earliest_cert_expiry). */
function earliestExpiry(cert: DetailedPeerCertificate | PeerCertificate): number | undefined {
  let earliest: number | undefined;
  const seen = new Set<string>();
  let c: DetailedPeerCertificate | undefined = cert as DetailedPeerCertificate;
  while (c && c.valid_to && !seen.has(c.fingerprint256)) {
    seen.add(c.fingerprint256);
    const t = Date.parse(c.valid_to);
    if (Number.isFinite(t) && (earliest === undefined || t < earliest)) earliest = t;
    c = c.issuerCertificate;
  }
  return earliest;
}

function describeError(err: Error): string {
  const code = (err as NodeJS.ErrnoException).code;
  if (code === 'ECONNREFUSED') return 'connection refused';
  if (code === 'DEPTH_ZERO_SELF_SIGNED_CERT' || code === 'SELF_SIGNED_CERT_IN_CHAIN') {
    return 'the certificate is self-signed (allowSelfSigned: true accepts it for this probe)';
  }
  if (code === 'CERT_HAS_EXPIRED') return 'the certificate has expired';
  return code && !err.message.includes(code) ? `${err.message} (${code})` : err.message;
}
