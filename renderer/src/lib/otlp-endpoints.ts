// Where an OpenTelemetry SDK should send, from the engine's status (the ports may not be the
// standard ones): the views that tell the user say it the same way.
import type { EngineStatusView } from '../../../shared/model.js';

export interface OtlpEndpoints {
  /** For OTEL_EXPORTER_OTLP_ENDPOINT (http/protobuf, http/json). */
  http: string;
  /** host:port for gRPC exporters. */
  grpc: string;
}

export function otlpEndpoints(status: EngineStatusView | null | undefined): OtlpEndpoints | null {
  const o = status?.otlp;
  return o ? { http: `http://${o.host}:${o.httpPort}`, grpc: `${o.host}:${o.grpcPort}` } : null;
}
