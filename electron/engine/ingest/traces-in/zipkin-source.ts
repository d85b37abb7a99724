// The Zipkin listener as a source (`loupe serve --zipkin-port N`, 9411 by default; loopback, no
// token, as a Zipkin server): POST /api/v2/spans (JSON v2, proto3), POST /api/v1/spans (JSON v1),
// and, on the same port, Jaeger's collector endpoint POST /api/traces (binary thrift, what
// jaeger-client's HTTP sender posts): one HTTP listener for the older tracers rather than a third
// port. Bodies gzip/deflate/plain within the OTLP receiver's limits (body.ts); spans take the OTLP
// ingest path. Answers 202 as Zipkin and Jaeger's collector do; 400/413/415 with a reason for
// what is refused, 503 + Retry-After when Loupe is behind on writing.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { listenTcp } from '../listen.js';
import type { AddressInfo } from 'node:net';
import type { SourceView } from '../../../../shared/model.js';
import { isLoopbackAddress, isLoopbackHost } from '../../api/host-guard.js';
import type { Clock } from '../../core/clock.js';
import type { OtlpSpan } from '../../core/telemetry.js';
import type { Source } from '../source.js';
import { BadEncodingError, BodyTooLargeError, readBody, UnsupportedEncodingError } from '../otlp/body.js';
import { BackpressureError, type OtlpIngest } from '../otlp/ingest.js';
import { hostOnly } from '../otlp/http-receiver.js';
import { OTLP_LIMITS } from '../otlp/limits.js';
import { OtlpDecodeError, type Decoded } from '../otlp/model.js';
import { TooManyItemsError } from '../otlp/values.js';
import { decodeCollectorBatch } from './jaeger-thrift.js';
import { ThriftDecodeError } from './thrift-reader.js';
import { TraceSourceStats } from './trace-source-stats.js';
import { decodeZipkinJsonV1, decodeZipkinJsonV2, decodeZipkinProto } from './zipkin.js';

export const DEFAULT_ZIPKIN_PORT = 9411;
/** Not a row of `sources` (those are positive); StatsD is -1. */
export const ZIPKIN_SOURCE_ID = -2;

export interface ZipkinConfig {
  /** 0 picks a free port. */
  port: number;
  host?: string;
}

type Route = { encoding: string; decode: (body: Buffer) => Decoded<OtlpSpan> };

/** The endpoint and content type → decoder; undefined content type when the path is known but not the type. */
function routeOf(path: string, contentType: string): Route | 'unsupported-type' | undefined {
  const type = contentType.split(';')[0]!.trim().toLowerCase();
  const json = type === 'application/json' || type === '';
  if (path === '/api/v2/spans') {
    if (json) return { encoding: 'zipkin-json', decode: (b) => decodeZipkinJsonV2(b.toString('utf8')) };
    if (type === 'application/x-protobuf' || type === 'application/protobuf')
      return { encoding: 'zipkin-proto3', decode: decodeZipkinProto };
    return 'unsupported-type';
  }
  if (path === '/api/v1/spans') {
    if (json) return { encoding: 'zipkin-json-v1', decode: (b) => decodeZipkinJsonV1(b.toString('utf8')) };
    return 'unsupported-type';
  }
  if (path === '/api/traces') {
    if (type === 'application/x-thrift' || type === 'application/vnd.apache.thrift.binary')
      return { encoding: 'jaeger-thrift-http', decode: decodeCollectorBatch };
    return 'unsupported-type';
  }
  return undefined;
}

export class ZipkinSource implements Source {
  readonly id = ZIPKIN_SOURCE_ID;
  readonly kind = 'zipkin' as const;
  readonly host: string;
  readonly stats: TraceSourceStats;
  private server: Server | null = null;
  private boundPort: number | null = null;

  constructor(
    private readonly config: ZipkinConfig,
    private readonly deps: { ingest: OtlpIngest; clock: Clock },
  ) {
    this.host = config.host ?? '127.0.0.1';
    this.stats = new TraceSourceStats(deps.clock);
  }

  get port(): number | null {
    return this.boundPort;
  }

  /** Bind the port; rejects as the server does (EADDRINUSE). */
  async listen(): Promise<void> {
    const loopbackOnly = isLoopbackAddress(this.host);
    const server = createServer((req, res) => {
      this.handle(req, res, loopbackOnly).catch((err: unknown) => this.answer(res, 500, err instanceof Error ? err.message : String(err)));
    });
    server.keepAliveTimeout = OTLP_LIMITS.keepAliveMs;
    server.headersTimeout = OTLP_LIMITS.keepAliveMs + 1000;
    await listenTcp(server, this.config.port, this.host);
    this.server = server;
    this.boundPort = (server.address() as AddressInfo).port;
  }

  start(): Promise<void> {
    return Promise.resolve();
  }

  async stop(): Promise<void> {
    const server = this.server;
    this.server = null;
    if (!server) return;
    await new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  }

  view(): SourceView {
    const port = this.boundPort ?? this.config.port;
    return {
      id: this.id,
      kind: 'zipkin',
      path: `http://${this.host}:${port}/api/v2/spans`,
      state: this.server ? 'watching' : 'stopped',
      ...this.stats.viewPart(),
      files: [],
    };
  }

  private async handle(req: IncomingMessage, res: ServerResponse, loopbackOnly: boolean): Promise<void> {
    const stats = this.stats;
    const refuse = (status: number, message: string): void => {
      stats.bad(`HTTP ${status}: ${message}`);
      this.answer(res, status, message);
    };
    if (loopbackOnly && !isLoopbackHost(hostOnly(req.headers.host ?? ''))) return refuse(403, 'only loopback host names are answered');
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    const route = routeOf(path, req.headers['content-type'] ?? '');
    if (route === undefined)
      return refuse(404, `no endpoint at ${path} (Zipkin: POST /api/v2/spans or /api/v1/spans; Jaeger: POST /api/traces)`);
    if (req.method !== 'POST') {
      res.setHeader('Allow', 'POST');
      return refuse(405, `${req.method} is not allowed; send spans with POST`);
    }
    if (route === 'unsupported-type') {
      return refuse(
        415,
        `Content-Type "${req.headers['content-type'] ?? ''}" is not supported at ${path} ` +
          '(/api/v2/spans: application/json or application/x-protobuf; /api/v1/spans: application/json; /api/traces: application/x-thrift)',
      );
    }
    stats.payloads++;
    let body: Buffer;
    try {
      body = await readBody(req, OTLP_LIMITS.maxWireBodyBytes, OTLP_LIMITS.maxDecodedBodyBytes);
    } catch (err) {
      res.setHeader('Connection', 'close');
      if (err instanceof BodyTooLargeError) {
        stats.refused(`HTTP 413: ${err.message}`);
        return this.answer(res, 413, err.message);
      }
      if (err instanceof UnsupportedEncodingError) return refuse(415, err.message);
      if (err instanceof BadEncodingError) return refuse(400, err.message);
      throw err;
    }
    stats.bytes += body.length;
    let decoded: Decoded<OtlpSpan>;
    try {
      decoded = route.decode(body);
    } catch (err) {
      if (err instanceof OtlpDecodeError || err instanceof ThriftDecodeError) return refuse(400, `${route.encoding}: ${err.message}`);
      if (err instanceof TooManyItemsError) {
        stats.refused(`HTTP 413: ${err.message}`);
        return this.answer(res, 413, err.message);
      }
      throw err;
    }
    try {
      await stats.submit(this.deps.ingest, route.encoding, decoded);
    } catch (err) {
      if (err instanceof BackpressureError) {
        res.setHeader('Retry-After', String(OTLP_LIMITS.retryAfterSeconds));
        return this.answer(res, 503, err.message);
      }
      throw err;
    }
    res.writeHead(202);
    res.end();
  }

  private answer(res: ServerResponse, status: number, message: string): void {
    if (res.headersSent) {
      res.end();
      return;
    }
    const body = JSON.stringify({ error: message });
    res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) });
    res.end(body);
  }
}
