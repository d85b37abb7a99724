// The OTLP input as one unit: the ingest queue, the HTTP and gRPC servers and the optional
// forwarder, started and stopped together by the engine.
import type { Db } from '../../core/database.js';
import type { LogWriter } from '../../signals/logs/log-writer.js';
import type { EventBus } from '../../core/events.js';
import type { Scheduler } from '../../core/scheduler.js';
import { Forwarder, type ForwardStats } from './forwarder.js';
import { startOtlpGrpc } from './grpc-receiver.js';
import { startOtlpHttp, type RunningReceiver } from './http-receiver.js';
import { OtlpIngest, type IngestStats } from './ingest.js';
import { DEFAULT_OTLP_GRPC_PORT, DEFAULT_OTLP_HTTP_PORT } from './limits.js';

export interface OtlpConfig {
  /** 0 picks a free port. */
  httpPort?: number;
  grpcPort?: number;
  /** Bind address (default 127.0.0.1). */
  host?: string;
  /** An upstream OTLP/HTTP endpoint to re-export everything to. */
  forward?: string;
  /** Browser origins allowed to send OTLP/HTTP (CORS); none by default, as in the Collector. */
  corsOrigins?: readonly string[];
  /** Tests lower it to see backpressure. */
  maxPendingItems?: number;
}

export interface OtlpReceiver {
  readonly httpPort: number;
  readonly grpcPort: number;
  readonly host: string;
  readonly ingest: OtlpIngest;
  readonly stats: IngestStats;
  readonly forwardStats: ForwardStats | null;
  /** Where everything received is re-exported to (--forward), if anywhere. */
  readonly forwardUrl: string | null;
  close(): Promise<void>;
}

export const DEFAULT_OTLP_HOST = '127.0.0.1';

export async function startOtlpReceiver(
  db: Db,
  logs: LogWriter,
  config: OtlpConfig,
  core: { events: EventBus; scheduler: Scheduler },
): Promise<OtlpReceiver> {
  const host = config.host ?? DEFAULT_OTLP_HOST;
  const ingest = new OtlpIngest(db, logs, {
    ...core,
    ...(config.maxPendingItems !== undefined ? { maxPendingItems: config.maxPendingItems } : {}),
  });
  const forwarder = config.forward ? new Forwarder(config.forward) : null;
  const http = await startOtlpHttp(ingest, {
    host,
    port: config.httpPort ?? DEFAULT_OTLP_HTTP_PORT,
    ...(config.corsOrigins ? { corsOrigins: config.corsOrigins } : {}),
    ...(forwarder ? { onAccepted: (signal, encoding, body) => forwarder.enqueue(signal, encoding, body) } : {}),
  });
  let grpc: RunningReceiver;
  try {
    grpc = await startOtlpGrpc(ingest, {
      host,
      port: config.grpcPort ?? DEFAULT_OTLP_GRPC_PORT,
      scheduler: core.scheduler,
      ...(forwarder ? { onAccepted: (signal, body) => forwarder.enqueue(signal, 'protobuf', body) } : {}),
    });
  } catch (err) {
    await http.close();
    throw err;
  }
  return {
    httpPort: http.port,
    grpcPort: grpc.port,
    host,
    ingest,
    stats: ingest.stats,
    forwardUrl: config.forward ?? null,
    forwardStats: forwarder?.stats ?? null,
    async close() {
      await Promise.all([http.close(), grpc.close()]);
      ingest.close();
      await forwarder?.close();
    },
  };
}
