// OTLP/HTTP (default port 4318): POST /v1/traces, /v1/metrics, /v1/logs in protobuf or JSON,
// answered in the request's content type with the status codes the OpenTelemetry Collector uses.
// No token (SDKs send none): a browser page can only send JSON or protobuf after a CORS preflight,
// and, as in the OpenTelemetry Collector, no origin is granted one unless the user lists it
// (`--otlp-cors-origin`, the Collector's `cors.allowed_origins`).
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { isLoopbackAddress, isLoopbackHost } from '../../api/host-guard.js';
import { BadEncodingError, BodyTooLargeError, readBody, UnsupportedEncodingError } from './body.js';
import { decodeExport, type Encoding } from './decode.js';
import { BackpressureError, type OtlpIngest } from './ingest.js';
import { OTLP_LIMITS } from './limits.js';
import { OtlpDecodeError, type Signal } from './model.js';
import { exportResponseJson, exportResponseProto, RPC_CODE, statusJson, statusProto } from './status.js';
import { TooManyItemsError } from './values.js';

const PATHS: Record<string, Signal> = { '/v1/traces': 'traces', '/v1/metrics': 'metrics', '/v1/logs': 'logs' };

export interface OtlpHttpOptions {
  host: string;
  port: number;
  /** Browser origins allowed to send (CORS), `*` = any characters (`http://localhost:*`); none by default. */
  corsOrigins?: readonly string[];
  /** Called with each accepted request's decompressed body (the forwarder). */
  onAccepted?: (signal: Signal, encoding: Encoding, body: Buffer) => void;
}

export interface RunningReceiver {
  port: number;
  close(): Promise<void>;
}

export async function startOtlpHttp(ingest: OtlpIngest, opts: OtlpHttpOptions): Promise<RunningReceiver> {
  const loopbackOnly = isLoopbackAddress(opts.host);
  const server: Server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      sendStatus(res, 'json', 500, RPC_CODE.INTERNAL, err instanceof Error ? err.message : String(err));
    });
  });
  server.keepAliveTimeout = OTLP_LIMITS.keepAliveMs;
  // Node requires the headers timeout to outlast the keep-alive one, or idle sockets are cut early.
  server.headersTimeout = OTLP_LIMITS.keepAliveMs + 1000;

  /** A 4xx answer: counted on the receiver's status, so a misconfigured exporter shows up. */
  function refuse(res: ServerResponse, encoding: Encoding, httpStatus: number, code: number, message: string): void {
    ingest.noteInvalidRequest(`HTTP ${httpStatus}: ${message}`);
    sendStatus(res, encoding, httpStatus, code, message);
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    // Bound to loopback, only loopback names are answered (DNS rebinding).
    if (loopbackOnly && !isLoopbackHost(hostOnly(req.headers.host ?? ''))) {
      return refuse(res, 'json', 403, RPC_CODE.INVALID_ARGUMENT, 'only loopback host names are answered');
    }
    const origin = req.headers.origin;
    const corsOk = origin !== undefined && originAllowed(origin, opts.corsOrigins ?? []);
    if (corsOk) {
      res.setHeader('Access-Control-Allow-Origin', origin);
      res.setHeader('Vary', 'Origin');
    }
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    const signal = PATHS[path];
    if (signal === undefined)
      return refuse(res, 'json', 404, RPC_CODE.INVALID_ARGUMENT, `no OTLP endpoint at ${path} (use /v1/traces, /v1/metrics or /v1/logs)`);
    if (req.method === 'OPTIONS') {
      if (!corsOk) {
        return refuse(
          res,
          'json',
          403,
          RPC_CODE.INVALID_ARGUMENT,
          `CORS is not allowed for ${origin ?? 'this page'}: start Loupe with --otlp-cors-origin ORIGIN to let a browser app send`,
        );
      }
      res.writeHead(204, {
        'Access-Control-Allow-Methods': 'POST, OPTIONS',
        'Access-Control-Allow-Headers': 'Content-Type, Content-Encoding',
        'Access-Control-Max-Age': '600',
      });
      res.end();
      return;
    }
    if (req.method !== 'POST') {
      res.setHeader('Allow', 'POST, OPTIONS');
      return refuse(res, 'json', 405, RPC_CODE.INVALID_ARGUMENT, `${req.method} is not allowed; OTLP/HTTP takes POST`);
    }
    const encoding = encodingOf(req.headers['content-type']);
    if (encoding === undefined) {
      return refuse(
        res,
        'json',
        415,
        RPC_CODE.INVALID_ARGUMENT,
        `Content-Type "${req.headers['content-type'] ?? ''}" is not supported: use application/x-protobuf or application/json`,
      );
    }
    let body: Buffer;
    try {
      body = await readBody(req, OTLP_LIMITS.maxWireBodyBytes, OTLP_LIMITS.maxDecodedBodyBytes);
    } catch (err) {
      // The rest of an oversized or corrupt body is not read: close the connection after answering.
      res.setHeader('Connection', 'close');
      if (err instanceof BodyTooLargeError) return refuse(res, encoding, 413, RPC_CODE.RESOURCE_EXHAUSTED, err.message);
      if (err instanceof UnsupportedEncodingError) return refuse(res, encoding, 415, RPC_CODE.INVALID_ARGUMENT, err.message);
      if (err instanceof BadEncodingError) return refuse(res, encoding, 400, RPC_CODE.INVALID_ARGUMENT, err.message);
      throw err;
    }
    let decoded;
    try {
      decoded = decodeExport(signal, encoding, body);
    } catch (err) {
      if (err instanceof OtlpDecodeError) return refuse(res, encoding, 400, RPC_CODE.INVALID_ARGUMENT, err.message);
      if (err instanceof TooManyItemsError) return refuse(res, encoding, 413, RPC_CODE.RESOURCE_EXHAUSTED, err.message);
      throw err;
    }
    try {
      await ingest.submit(signal, decoded);
    } catch (err) {
      if (err instanceof BackpressureError) {
        res.setHeader('Retry-After', String(OTLP_LIMITS.retryAfterSeconds));
        return sendStatus(res, encoding, 503, RPC_CODE.UNAVAILABLE, err.message);
      }
      throw err;
    }
    opts.onAccepted?.(signal, encoding, body);
    const partial = decoded.rejected > 0 ? { rejected: decoded.rejected, message: decoded.rejectReason ?? 'invalid items' } : undefined;
    if (encoding === 'protobuf') send(res, 200, 'application/x-protobuf', exportResponseProto(partial));
    else send(res, 200, 'application/json', exportResponseJson(signal, partial));
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function encodingOf(contentType: string | undefined): Encoding | undefined {
  const type = (contentType ?? '').split(';')[0]!.trim().toLowerCase();
  if (type === 'application/x-protobuf' || type === 'application/protobuf') return 'protobuf';
  if (type === 'application/json') return 'json';
  return undefined;
}

function sendStatus(res: ServerResponse, encoding: Encoding, httpStatus: number, code: number, message: string): void {
  if (res.headersSent) {
    res.end();
    return;
  }
  if (encoding === 'protobuf') send(res, httpStatus, 'application/x-protobuf', statusProto(code, message));
  else send(res, httpStatus, 'application/json', statusJson(code, message));
}

function send(res: ServerResponse, status: number, type: string, body: Buffer | string): void {
  res.writeHead(status, { 'Content-Type': type, 'Content-Length': Buffer.byteLength(body) });
  res.end(body);
}

export function hostOnly(hostHeader: string): string {
  if (hostHeader.startsWith('[')) return hostHeader.slice(0, hostHeader.indexOf(']') + 1);
  const colon = hostHeader.lastIndexOf(':');
  return colon >= 0 ? hostHeader.slice(0, colon) : hostHeader;
}

/**
 * Whether a page's origin is one the user allowed: exact, or a pattern whose `*` stands for any
 * characters. Matched piece by piece (linear), never as a RegExp built from user text.
 */
export function originAllowed(origin: string, patterns: readonly string[]): boolean {
  const o = origin.toLowerCase();
  return patterns.some((pattern) => {
    const parts = pattern.toLowerCase().split('*');
    if (parts.length === 1) return o === parts[0];
    const first = parts[0]!;
    const last = parts[parts.length - 1]!;
    if (o.length < first.length + last.length || !o.startsWith(first) || !o.endsWith(last)) return false;
    let at = first.length;
    const end = o.length - last.length;
    for (let i = 1; i < parts.length - 1; i++) {
      const found = o.indexOf(parts[i]!, at);
      if (found < 0 || found + parts[i]!.length > end) return false;
      at = found + parts[i]!.length;
    }
    return true;
  });
}
