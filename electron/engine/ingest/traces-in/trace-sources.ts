// The older tracers' inputs as one unit for the engine: the Zipkin listener (which also takes
// Jaeger's collector posts) and the Jaeger agent's UDP ports, each started only when asked for,
// sharing one OTLP ingest queue (their own, so they work with OTLP off or its ports taken) whose
// batches land in the same store and raise the same `spans.stored` events as OTLP's.
import type { Db } from '../../core/database.js';
import type { EventBus } from '../../core/events.js';
import type { Scheduler } from '../../core/scheduler.js';
import type { LogWriter } from '../../signals/logs/log-writer.js';
import { OtlpIngest } from '../otlp/ingest.js';
import { JaegerAgentSource, type JaegerAgentConfig } from './jaeger-agent-source.js';
import { ZipkinSource, type ZipkinConfig } from './zipkin-source.js';

/** A port the user asked for is taken: said with the flag that chose it. */
export class TracePortInUseError extends Error {
  constructor(flag: string, cause: Error) {
    super(`${flag}: the port is in use (${cause.message}); pass ${flag} 0 for a free one`);
    this.name = 'TracePortInUseError';
  }
}

export interface TraceSourcesConfig {
  zipkin?: ZipkinConfig | false | undefined;
  jaegerAgent?: JaegerAgentConfig | false | undefined;
  /** Tests lower it to see datagrams dropped under backpressure. */
  maxPendingItems?: number | undefined;
}

export interface TraceSources {
  zipkin: ZipkinSource | null;
  jaeger: JaegerAgentSource | null;
  /** Stop listening (the sources module stops them too) and write what is queued. */
  close(): Promise<void>;
}

/** Bind what was asked for; a port in use rejects (nothing is left bound), as the user chose it. */
export async function startTraceSources(
  db: Db,
  logs: LogWriter,
  config: TraceSourcesConfig,
  core: { events: EventBus; scheduler: Scheduler },
): Promise<TraceSources> {
  if (!config.zipkin && !config.jaegerAgent) return { zipkin: null, jaeger: null, close: () => Promise.resolve() };
  const ingest = new OtlpIngest(db, logs, {
    ...core,
    ...(config.maxPendingItems !== undefined ? { maxPendingItems: config.maxPendingItems } : {}),
  });
  const deps = { ingest, clock: core.scheduler.clock };
  const zipkin = config.zipkin ? new ZipkinSource(config.zipkin, deps) : null;
  const jaeger = config.jaegerAgent ? new JaegerAgentSource(config.jaegerAgent, deps) : null;
  const close = async (): Promise<void> => {
    await Promise.all([zipkin?.stop(), jaeger?.stop()]);
    ingest.close();
  };
  try {
    await zipkin?.listen().catch((err: unknown) => {
      throw portError('--zipkin-port', err);
    });
    await jaeger?.listen().catch((err: unknown) => {
      throw portError('--jaeger-agent-port', err);
    });
  } catch (err) {
    await close();
    throw err;
  }
  return { zipkin, jaeger, close };
}

function portError(flag: string, err: unknown): unknown {
  return (err as NodeJS.ErrnoException).code === 'EADDRINUSE' ? new TracePortInUseError(flag, err as Error) : err;
}
