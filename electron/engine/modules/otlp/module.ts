// The OTLP receiver's part of the engine: its ports and counters on the status (or why it is not
// running), and closing it first when the engine stops. Its data is served by logs, traces, metrics.
import type { EngineModule } from '../../core/module.js';
import type { OtlpReceiver } from '../../ingest/otlp/receiver.js';

/** `receiver`: the running receiver, or null (not asked for, or `problem` says why it is not running). */
export function otlpModule(receiver: OtlpReceiver | null, problem: string | null): EngineModule {
  return {
    name: 'otlp',
    stop: async () => {
      try {
        await receiver?.close();
      } catch (err) {
        throw new Error(`stopping the OTLP receiver: ${err instanceof Error ? err.message : String(err)}`);
      }
    },
    status: () => ({
      otlp: receiver
        ? {
            host: receiver.host,
            httpPort: receiver.httpPort,
            grpcPort: receiver.grpcPort,
            ...receiver.stats,
            forward: receiver.forwardStats ? { url: receiver.forwardUrl ?? '', ...receiver.forwardStats } : null,
          }
        : null,
      ...(problem ? { otlpProblem: problem } : {}),
    }),
  };
}
