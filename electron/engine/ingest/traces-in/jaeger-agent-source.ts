// The Jaeger agent's UDP ports as a source (`loupe serve --jaeger-agent-port N`, 6831 by default):
// Agent.emitBatch in compact thrift on N and in binary thrift on N+1 (6832), what jaeger-client's
// UDP sender writes, one batch per datagram. Each datagram is decoded as it arrives and handed to
// the OTLP ingest path; a datagram that cannot be read is counted with its reason, and when Loupe
// is behind on writing (the ingest's queue full) datagrams are dropped and counted, never queued:
// memory stays bounded under a flood, and UDP senders never retry anyway.
import type { Socket } from 'node:dgram';
import { bindUdp } from '../listen.js';
import type { SourceView } from '../../../../shared/model.js';
import type { Clock } from '../../core/clock.js';
import type { Source } from '../source.js';
import { BackpressureError, type OtlpIngest } from '../otlp/ingest.js';
import { TooManyItemsError } from '../otlp/values.js';
import { decodeAgentMessage } from './jaeger-thrift.js';
import { ThriftDecodeError } from './thrift-reader.js';
import { TraceSourceStats } from './trace-source-stats.js';

export const DEFAULT_JAEGER_AGENT_PORT = 6831;
/** Not a row of `sources` (those are positive); StatsD is -1, Zipkin -2. */
export const JAEGER_SOURCE_ID = -3;

export interface JaegerAgentConfig {
  /** The compact port; binary is on the next one. 0 picks two free ports (not necessarily adjacent). */
  port: number;
  host?: string;
}

type Protocol = 'compact' | 'binary';

export class JaegerAgentSource implements Source {
  readonly id = JAEGER_SOURCE_ID;
  readonly kind = 'jaeger' as const;
  readonly host: string;
  readonly stats: TraceSourceStats;
  private sockets: Socket[] = [];
  private readonly ports: Record<Protocol, number | null> = { compact: null, binary: null };

  constructor(
    private readonly config: JaegerAgentConfig,
    private readonly deps: { ingest: OtlpIngest; clock: Clock },
  ) {
    this.host = config.host ?? '127.0.0.1';
    this.stats = new TraceSourceStats(deps.clock);
  }

  /** The compact and binary ports it listens on (null when it does not). */
  get compactPort(): number | null {
    return this.ports.compact;
  }

  get binaryPort(): number | null {
    return this.ports.binary;
  }

  /** Bind both UDP ports; rejects as the socket does (EADDRINUSE), leaving none bound. */
  async listen(): Promise<void> {
    try {
      await this.bind('compact', this.config.port);
      await this.bind('binary', this.config.port === 0 ? 0 : this.config.port + 1);
    } catch (err) {
      await this.stop();
      throw err;
    }
  }

  private async bind(protocol: Protocol, port: number): Promise<void> {
    const socket = await bindUdp(port, this.host);
    socket.on('error', (err) => this.stats.problem(err.message));
    socket.on('message', (msg) => this.receive(msg, protocol));
    this.sockets.push(socket);
    this.ports[protocol] = socket.address().port;
  }

  /** One datagram: decoded now, stored with the next ingest flush. */
  receive(msg: Buffer, protocol: Protocol): void {
    const stats = this.stats;
    stats.payloads++;
    stats.bytes += msg.length;
    let decoded;
    try {
      decoded = decodeAgentMessage(msg, protocol);
    } catch (err) {
      if (err instanceof ThriftDecodeError || err instanceof TooManyItemsError) {
        stats.bad(`a ${msg.length}-byte ${protocol} datagram: ${err.message}`);
        return;
      }
      throw err;
    }
    stats.submit(this.deps.ingest, `jaeger-${protocol}`, decoded).catch((err: unknown) => {
      // Counted as refused by submit; a UDP sender has no answer to get.
      if (!(err instanceof BackpressureError)) stats.problem((err as Error).message);
    });
  }

  start(): Promise<void> {
    return Promise.resolve();
  }

  async stop(): Promise<void> {
    const sockets = this.sockets;
    this.sockets = [];
    await Promise.all(sockets.map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
  }

  view(): SourceView {
    const compact = this.ports.compact ?? this.config.port;
    const binary = this.ports.binary ?? this.config.port + 1;
    return {
      id: this.id,
      kind: 'jaeger',
      path: `udp://${this.host}:${compact} (compact), udp://${this.host}:${binary} (binary)`,
      state: this.sockets.length > 0 ? 'watching' : 'stopped',
      ...this.stats.viewPart(),
      files: [],
    };
  }
}
