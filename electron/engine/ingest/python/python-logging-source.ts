// Python's stdlib logging over the network as a source: logging.handlers.SocketHandler (TCP) and
// DatagramHandler (UDP) on one port number (`loupe serve --python-logging-port N`), each record a
// 4-byte big-endian length and a pickle of the LogRecord's dict, read by the data-only pickle
// reader (nothing in it is ever run); and HTTPHandler's form-encoded records, which come through
// the API's REST routes (see the python-logging module) into the same intake. Bad input (a pickle
// naming code, a length past the limit, a datagram cut short) is refused, counted by reason and
// kept as the last error on the source's view; a TCP stream whose length prefix is past the limit
// is closed (nothing after it can be framed), the sender reconnects. Set per run, not stored.
import { createServer, type Server, type Socket as TcpSocket } from 'node:net';
import type { Socket as UdpSocket } from 'node:dgram';
import { bindUdp, listenTcp } from '../listen.js';
import type { SourceView } from '../../../../shared/model.js';
import { usToRfc3339 } from '../../../../shared/time.js';
import type { Source } from '../source.js';
import { RateSampler } from '../rate-sampler.js';
import { LogBatcher } from '../log-batcher.js';
import { loadPickle, PICKLE_LIMITS, PickleError, type PickleLimits, type PyDict, type PyValue } from './pickle.js';
import { logInsertOfRecord } from './log-record.js';

/** logging.handlers.DEFAULT_TCP_LOGGING_PORT; DatagramHandler's default is 9021, here UDP listens on the same number as TCP. */
export const DEFAULT_PYTHON_LOGGING_PORT = 9020;
export const DEFAULT_PYTHON_LOGGING_HOST = '127.0.0.1';
/** Not a row of `sources` (those are positive; StatsD -1, Zipkin -2, Jaeger -3, Sentry -7). */
export const PYTHON_LOGGING_SOURCE_ID = -4;
/** The REST path HTTPHandler posts (or GETs) to on the API port. */
export const PYTHON_LOGGING_HTTP_PATH = '/api/python-logging';
/** TCP connections at once; more are closed at once (counted). */
export const MAX_PYTHON_CONNECTIONS = 64;

export type RefusalReason = 'opcode' | 'limit' | 'malformed' | 'notLogRecord' | 'oversize';

/**
 * What every transport hands over: a pickle (socket, datagram) or a form (HTTP) → a stored record;
 * the counters and last problem for the source's view. Exists whether or not the ports listen
 * (HTTPHandler only needs the API port).
 */
export class PythonLogIntake {
  readonly counters = {
    records: 0,
    tcpRecords: 0,
    udpRecords: 0,
    httpRecords: 0,
    bytes: 0,
    connections: 0,
    refusedConnections: 0,
    refused: 0,
  };
  readonly refusedBy: Partial<Record<RefusalReason, number>> = {};
  lastProblem: { message: string; atMs: number } | null = null;

  constructor(
    readonly batcher: LogBatcher,
    private readonly clock: { nowMs(): number; nowUs(): number },
    readonly pickleLimits: PickleLimits = PICKLE_LIMITS,
  ) {}

  /** One pickled LogRecord dict from a socket or a datagram; refused ones are counted, never thrown. */
  acceptPickle(payload: Uint8Array, transport: 'tcp' | 'udp'): void {
    let value: PyValue;
    try {
      value = loadPickle(payload, this.pickleLimits);
    } catch (err) {
      if (!(err instanceof PickleError)) throw err;
      this.refuse(err.reason, `${transport.toUpperCase()} record refused: ${err.message}`);
      return;
    }
    if (value === null || typeof value !== 'object' || Array.isArray(value) || value instanceof Uint8Array) {
      this.refuse(
        'notLogRecord',
        `${transport.toUpperCase()} record refused: the pickle is not a dict (a LogRecord's __dict__ was expected)`,
      );
      return;
    }
    if (this.store(value, transport)) this.counters[transport === 'tcp' ? 'tcpRecords' : 'udpRecords']++;
  }

  /** HTTPHandler's record: every value is text (urlencode of the dict); throws what is wrong, for the HTTP answer. */
  acceptForm(fields: Readonly<Record<string, string>>): void {
    const d = Object.create(null) as PyDict;
    for (const [k, v] of Object.entries(fields)) d[k] = formValue(k, v);
    if (!this.store(d, 'http')) throw new Error(this.lastProblem?.message ?? 'the record was not stored');
    this.counters.httpRecords++;
  }

  refuse(reason: RefusalReason, message: string): void {
    this.counters.refused++;
    this.refusedBy[reason] = (this.refusedBy[reason] ?? 0) + 1;
    this.lastProblem = { message, atMs: this.clock.nowMs() };
  }

  private store(d: PyDict, transport: string): boolean {
    let record;
    try {
      record = logInsertOfRecord(d, this.clock.nowUs());
    } catch (err) {
      this.refuse('notLogRecord', `${transport.toUpperCase()} record refused: ${(err as Error).message}`);
      return false;
    }
    if (!this.batcher.add(record)) {
      this.lastProblem = { message: 'records dropped: too many waiting to be written', atMs: this.clock.nowMs() };
      return false;
    }
    this.counters.records++;
    return true;
  }
}

/** LogRecord fields that are numbers (or None) in Python, sent as their str() by HTTPHandler. */
const NUMERIC_FIELDS = new Set(['levelno', 'created', 'msecs', 'relativeCreated', 'lineno', 'process', 'thread']);

/** A form field back to the value Python had, where its str() says it unambiguously. */
function formValue(key: string, text: string): PyValue {
  if (text === 'None') return null;
  if (NUMERIC_FIELDS.has(key)) {
    const n = Number(text);
    if (text.length > 0 && Number.isFinite(n)) return n;
  }
  return text;
}

export interface PythonLoggingConfig {
  /** TCP (SocketHandler) and UDP (DatagramHandler) on this port; 0 picks free ports. */
  port: number;
  host?: string;
}

export class PythonLoggingSource implements Source {
  readonly id = PYTHON_LOGGING_SOURCE_ID;
  readonly kind = 'python-logging' as const;
  readonly host: string;
  private server: Server | null = null;
  private udp: UdpSocket | null = null;
  private readonly connections = new Set<TcpSocket>();
  /** Why it is not listening (a port was taken), or null. */
  private problem: string | null = null;
  private readonly startMs: number;
  private readonly rate = new RateSampler();

  constructor(
    private readonly config: PythonLoggingConfig,
    readonly intake: PythonLogIntake,
    private readonly clock: { nowMs(): number },
  ) {
    this.host = config.host ?? DEFAULT_PYTHON_LOGGING_HOST;
    this.startMs = clock.nowMs();
  }

  get tcpPort(): number | null {
    const a = this.server?.address();
    return a && typeof a === 'object' ? a.port : null;
  }

  get udpPort(): number | null {
    return this.udp ? this.udp.address().port : null;
  }

  /** Bind TCP, then UDP on the same number (a free one of its own when that is taken and 0 was asked). */
  async listen(): Promise<void> {
    const server = createServer((socket) => this.onConnection(socket));
    server.maxConnections = MAX_PYTHON_CONNECTIONS;
    server.on('drop', () => this.intake.counters.refusedConnections++);
    await listenTcp(server, this.config.port, this.host);
    server.on('error', (err) => (this.problem = err.message));
    this.server = server;
    const port = this.tcpPort!;
    try {
      this.udp = await this.openUdp(port);
    } catch (err) {
      if (this.config.port !== 0 || (err as NodeJS.ErrnoException).code !== 'EADDRINUSE') {
        await this.closeTcp();
        throw err;
      }
      this.udp = await this.openUdp(0);
    }
  }

  private async openUdp(port: number): Promise<UdpSocket> {
    const socket = await bindUdp(port, this.host);
    socket.on('error', (err) => (this.problem = err.message));
    socket.on('message', (msg) => this.onDatagram(msg));
    return socket;
  }

  /** Run without listening and say why on the view (a port was taken). */
  notListening(why: string): void {
    this.problem = why;
  }

  /** DatagramHandler: one length-prefixed pickle per datagram. */
  private onDatagram(msg: Buffer): void {
    this.intake.counters.bytes += msg.length;
    if (msg.length < 4 || msg.readUInt32BE(0) !== msg.length - 4) {
      this.intake.refuse('malformed', `UDP datagram refused: its length prefix does not match its ${msg.length} bytes`);
      return;
    }
    this.intake.acceptPickle(msg.subarray(4), 'udp');
  }

  /** SocketHandler: a stream of length-prefixed pickles; one past the limit closes the stream. */
  private onConnection(socket: TcpSocket): void {
    this.intake.counters.connections++;
    this.connections.add(socket);
    let buffered: Buffer[] = [];
    let size = 0;
    socket.on('data', (chunk: Buffer) => {
      this.intake.counters.bytes += chunk.length;
      buffered.push(chunk);
      size += chunk.length;
      let data = buffered.length === 1 ? buffered[0]! : Buffer.concat(buffered, size);
      let pos = 0;
      while (data.length - pos >= 4) {
        const length = data.readUInt32BE(pos);
        if (length > this.intake.pickleLimits.maxBytes) {
          this.intake.refuse(
            'oversize',
            `TCP stream closed: a record of ${length} bytes announced, over the limit of ${this.intake.pickleLimits.maxBytes}`,
          );
          socket.destroy();
          buffered = [];
          size = 0;
          return;
        }
        if (data.length - pos - 4 < length) break;
        this.intake.acceptPickle(data.subarray(pos + 4, pos + 4 + length), 'tcp');
        pos += 4 + length;
      }
      data = data.subarray(pos);
      buffered = data.length > 0 ? [data] : [];
      size = data.length;
    });
    socket.on('error', () => socket.destroy());
    socket.on('close', () => this.connections.delete(socket));
  }

  start(): Promise<void> {
    return Promise.resolve();
  }

  async stop(): Promise<void> {
    const udp = this.udp;
    this.udp = null;
    if (udp) await new Promise<void>((resolve) => udp.close(() => resolve()));
    await this.closeTcp();
    this.intake.batcher.flush();
  }

  private async closeTcp(): Promise<void> {
    const server = this.server;
    this.server = null;
    for (const s of this.connections) s.destroy();
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  view(): SourceView {
    const c = this.intake.counters;
    const b = this.intake.batcher.stats;
    const counters: Record<string, number> = {
      tcpRecords: c.tcpRecords,
      udpRecords: c.udpRecords,
      httpRecords: c.httpRecords,
      connections: c.connections,
      refusedConnections: c.refusedConnections,
      refused: c.refused,
      dropped: b.dropped,
      writeErrors: b.writeErrors,
    };
    for (const [reason, n] of Object.entries(this.intake.refusedBy)) counters[`refused.${reason}`] = n;
    const last = this.problem
      ? { message: this.problem, atMs: this.startMs }
      : [this.intake.lastProblem, b.lastWriteError].filter((p) => p !== null).sort((x, y) => y.atMs - x.atMs)[0];
    const tcp = this.tcpPort ?? this.config.port;
    const udp = this.udpPort ?? this.config.port;
    return {
      id: this.id,
      kind: this.kind,
      path: `tcp://${this.host}:${tcp} udp://${this.host}:${udp} ${PYTHON_LOGGING_HTTP_PATH}`,
      state: this.server ? 'watching' : 'stopped',
      records: c.records,
      bytes: c.bytes,
      rate: this.rate.sample(this.clock.nowMs(), c.records),
      ...(last ? { lastError: last.message, lastErrorAt: usToRfc3339(last.atMs * 1000) } : {}),
      counters,
      files: [],
    };
  }
}
