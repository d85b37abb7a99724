// OTLP/gRPC (default port 4317): the three collector Export services, over @grpc/grpc-js with
// messages handed to the receiver as raw bytes (the same decoder as OTLP/HTTP protobuf). grpc-js
// decompresses gzip/deflate messages itself; the receive limit is raised to the decoded-body limit.
import * as grpc from '@grpc/grpc-js';
import { decodeExport } from './decode.js';
import { BackpressureError, type OtlpIngest } from './ingest.js';
import { OTLP_LIMITS } from './limits.js';
import { OtlpDecodeError, type Signal } from './model.js';
import type { RunningReceiver } from './http-receiver.js';
import { exportResponseProto } from './status.js';
import { TooManyItemsError } from './values.js';
import type { Scheduler } from '../../core/scheduler.js';

const SERVICES: Record<Signal, string> = {
  traces: '/opentelemetry.proto.collector.trace.v1.TraceService/Export',
  metrics: '/opentelemetry.proto.collector.metrics.v1.MetricsService/Export',
  logs: '/opentelemetry.proto.collector.logs.v1.LogsService/Export',
};

export interface OtlpGrpcOptions {
  host: string;
  port: number;
  onAccepted?: (signal: Signal, body: Buffer) => void;
  /** Times the grace given to calls in flight at close. */
  scheduler: Scheduler;
}

const identity = (b: Buffer): Buffer => b;

export async function startOtlpGrpc(ingest: OtlpIngest, opts: OtlpGrpcOptions): Promise<RunningReceiver> {
  const server = new grpc.Server({
    'grpc.max_receive_message_length': OTLP_LIMITS.maxDecodedBodyBytes,
    // Keep idle client connections (the SDKs export every few seconds).
    'grpc.keepalive_permit_without_calls': 1,
  });
  for (const signal of Object.keys(SERVICES) as Signal[]) {
    const definition: grpc.ServiceDefinition = {
      Export: {
        path: SERVICES[signal],
        requestStream: false,
        responseStream: false,
        requestSerialize: identity,
        requestDeserialize: identity,
        responseSerialize: identity,
        responseDeserialize: identity,
      },
    };
    server.addService(definition, {
      Export: (call: grpc.ServerUnaryCall<Buffer, Buffer>, callback: grpc.sendUnaryData<Buffer>) => {
        void exportCall(signal, call.request).then(
          (response) => callback(null, response),
          (err: grpc.ServiceError) => callback(err),
        );
      },
    });
  }

  async function exportCall(signal: Signal, body: Buffer): Promise<Buffer> {
    let decoded;
    try {
      decoded = decodeExport(signal, 'protobuf', body);
    } catch (err) {
      if (err instanceof OtlpDecodeError || err instanceof TooManyItemsError) {
        ingest.noteInvalidRequest(`gRPC ${signal}: ${err.message}`);
        throw serviceError(err instanceof OtlpDecodeError ? grpc.status.INVALID_ARGUMENT : grpc.status.RESOURCE_EXHAUSTED, err.message);
      }
      throw serviceError(grpc.status.INTERNAL, err instanceof Error ? err.message : String(err));
    }
    try {
      await ingest.submit(signal, decoded);
    } catch (err) {
      // UNAVAILABLE is the code OTLP senders retry with backoff.
      if (err instanceof BackpressureError) throw serviceError(grpc.status.UNAVAILABLE, err.message);
      throw serviceError(grpc.status.INTERNAL, err instanceof Error ? err.message : String(err));
    }
    opts.onAccepted?.(signal, body);
    return exportResponseProto(
      decoded.rejected > 0 ? { rejected: decoded.rejected, message: decoded.rejectReason ?? 'invalid items' } : undefined,
    );
  }

  const address = `${opts.host.includes(':') && !opts.host.startsWith('[') ? `[${opts.host}]` : opts.host}:${opts.port}`;
  const port = await new Promise<number>((resolve, reject) => {
    server.bindAsync(address, grpc.ServerCredentials.createInsecure(), (err, bound) => (err ? reject(err) : resolve(bound)));
  });
  return {
    port,
    close: () =>
      new Promise<void>((resolve) => {
        // Calls in flight get a moment to finish; then everything is cut.
        const timer = opts.scheduler.after(1000, () => server.forceShutdown());
        server.tryShutdown(() => {
          timer.cancel();
          resolve();
        });
      }),
  };
}

function serviceError(code: grpc.status, details: string): Partial<grpc.ServiceError> {
  return { code, details, message: details };
}
