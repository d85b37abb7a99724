// Syslog as a source: UDP datagrams and TCP streams on one loopback port number (`loupe serve
// --syslog-port N`, 5514 by default: 514 needs privileges), each message read as the syslog file
// format reads a line (RFC 3164 as Python's SysLogHandler writes it, RFC 3164 with time and host,
// RFC 5424 with structured data) and stored in the logs table. Limits: a message past
// SYSLOG_LIMITS.maxMessageBytes is cut (kept, marked truncated, counted) and the stream resyncs at
// its end; TCP connections at once are capped; a flood past what the writer keeps is dropped and
// counted. Set per run (not stored), like StatsD.
import { createServer, type Server, type Socket as TcpSocket } from 'node:net';
import type { Socket as UdpSocket } from 'node:dgram';
import { bindUdp, listenTcp } from '../listen.js';
import type { SourceView } from '../../../../shared/model.js';
import { usToRfc3339 } from '../../../../shared/time.js';
import type { Source } from '../source.js';
import { RateSampler } from '../rate-sampler.js';
import type { LogBatcher } from '../log-batcher.js';
import { SyslogStreamSplitter, type FramingProblem } from './syslog-framing.js';
import { logInsertOfSyslog } from './syslog-record.js';

export const DEFAULT_SYSLOG_PORT = 5514;
export const DEFAULT_SYSLOG_HOST = '127.0.0.1';
/** Not a row of `sources` (StatsD -1, Zipkin -2, Jaeger -3, Python logging -4, Sentry -7). */
export const SYSLOG_SOURCE_ID = -5;
export const SYSLOG_LIMITS = {
  /** Longer messages are cut here (RFC 5425 asks receivers to take at least 2048; UDP can't carry more than 64 KiB). */
  maxMessageBytes: 64 * 1024,
  /** TCP connections at once; more are closed at once (counted). */
  maxConnections: 64,
};

export interface SyslogConfig {
  /** UDP and TCP on this port; 0 picks free ports. */
  port: number;
  host?: string;
  maxMessageBytes?: number;
}

export class SyslogSource implements Source {
  readonly id = SYSLOG_SOURCE_ID;
  readonly kind = 'syslog' as const;
  readonly host: string;
  private server: Server | null = null;
  private udp: UdpSocket | null = null;
  private readonly connections = new Set<TcpSocket>();
  private problem: string | null = null;
  private lastProblem: { message: string; atMs: number } | null = null;
  private readonly maxMessageBytes: number;
  private readonly startMs: number;
  private readonly rate = new RateSampler();
  private readonly counters = {
    records: 0,
    udpMessages: 0,
    tcpMessages: 0,
    bytes: 0,
    connections: 0,
    refusedConnections: 0,
    truncated: 0,
    badFrames: 0,
  };

  constructor(
    private readonly config: SyslogConfig,
    private readonly batcher: LogBatcher,
    private readonly clock: { nowMs(): number; nowUs(): number },
  ) {
    this.host = config.host ?? DEFAULT_SYSLOG_HOST;
    this.maxMessageBytes = config.maxMessageBytes ?? SYSLOG_LIMITS.maxMessageBytes;
    this.startMs = clock.nowMs();
  }

  get tcpPort(): number | null {
    const a = this.server?.address();
    return a && typeof a === 'object' ? a.port : null;
  }

  get udpPort(): number | null {
    return this.udp ? this.udp.address().port : null;
  }

  /** Bind UDP, then TCP on the same number (a free one of its own when that is taken and 0 was asked). */
  async listen(): Promise<void> {
    const udp = await bindUdp(this.config.port, this.host);
    udp.on('error', (err) => (this.problem = err.message));
    udp.on('message', (msg) => {
      this.counters.bytes += msg.length;
      this.counters.udpMessages++;
      const truncated = msg.length > this.maxMessageBytes;
      if (truncated)
        this.note('truncated', `a datagram of ${msg.length} bytes, over the limit of ${this.maxMessageBytes}: its head is kept`);
      this.store(truncated ? msg.subarray(0, this.maxMessageBytes) : msg, truncated);
    });
    this.udp = udp;
    const port = udp.address().port;
    try {
      this.server = await this.openTcp(port);
    } catch (err) {
      if (this.config.port !== 0 || (err as NodeJS.ErrnoException).code !== 'EADDRINUSE') {
        await this.stopSockets();
        throw err;
      }
      this.server = await this.openTcp(0);
    }
  }

  private async openTcp(port: number): Promise<Server> {
    const server = createServer((socket) => this.onConnection(socket));
    server.maxConnections = SYSLOG_LIMITS.maxConnections;
    server.on('drop', () => this.counters.refusedConnections++);
    await listenTcp(server, port, this.host);
    server.on('error', (err) => (this.problem = err.message));
    return server;
  }

  /** Run without listening and say why on the view (a port was taken). */
  notListening(why: string): void {
    this.problem = why;
  }

  private onConnection(socket: TcpSocket): void {
    this.counters.connections++;
    this.connections.add(socket);
    const splitter = new SyslogStreamSplitter(this.maxMessageBytes, (p: FramingProblem) =>
      this.note(p.reason === 'tooLong' ? 'truncated' : 'badFrames', `TCP: ${p.message}`),
    );
    socket.on('data', (chunk: Buffer) => {
      this.counters.bytes += chunk.length;
      for (const frame of splitter.push(chunk)) {
        this.counters.tcpMessages++;
        this.store(frame.bytes, frame.truncated);
      }
    });
    socket.on('error', () => socket.destroy());
    socket.on('close', () => this.connections.delete(socket));
  }

  private store(bytes: Buffer, truncated: boolean): void {
    const record = logInsertOfSyslog(bytes.toString('utf8'), this.clock.nowUs(), truncated);
    if (this.batcher.add(record)) this.counters.records++;
    else this.lastProblem = { message: 'messages dropped: too many waiting to be written', atMs: this.clock.nowMs() };
  }

  private note(counter: 'truncated' | 'badFrames', message: string): void {
    this.counters[counter]++;
    this.lastProblem = { message, atMs: this.clock.nowMs() };
  }

  start(): Promise<void> {
    return Promise.resolve();
  }

  async stop(): Promise<void> {
    await this.stopSockets();
    this.batcher.flush();
  }

  private async stopSockets(): Promise<void> {
    const udp = this.udp;
    const server = this.server;
    this.udp = null;
    this.server = null;
    if (udp) await new Promise<void>((resolve) => udp.close(() => resolve()));
    for (const s of this.connections) s.destroy();
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  view(): SourceView {
    const c = this.counters;
    const b = this.batcher.stats;
    const last = this.problem
      ? { message: this.problem, atMs: this.startMs }
      : [this.lastProblem, b.lastWriteError].filter((p) => p !== null).sort((x, y) => y.atMs - x.atMs)[0];
    return {
      id: this.id,
      kind: this.kind,
      path: `udp://${this.host}:${this.udpPort ?? this.config.port} tcp://${this.host}:${this.tcpPort ?? this.config.port}`,
      state: this.udp ? 'watching' : 'stopped',
      records: c.records,
      bytes: c.bytes,
      rate: this.rate.sample(this.clock.nowMs(), c.records),
      ...(last ? { lastError: last.message, lastErrorAt: usToRfc3339(last.atMs * 1000) } : {}),
      counters: {
        udpMessages: c.udpMessages,
        tcpMessages: c.tcpMessages,
        connections: c.connections,
        refusedConnections: c.refusedConnections,
        truncated: c.truncated,
        badFrames: c.badFrames,
        dropped: b.dropped,
        writeErrors: b.writeErrors,
      },
      files: [],
    };
  }
}
