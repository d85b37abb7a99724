// One entry point for both encodings and all three signals.
import { decodeLogsJson, decodeMetricsJson, decodeTracesJson } from './decode-json.js';
import { decodeLogsProto } from './protobuf/logs.js';
import { decodeMetricsProto } from './protobuf/metrics.js';
import { decodeTracesProto } from './protobuf/traces.js';
import type { OtlpLogRecord, OtlpMetric, OtlpSpan } from '../../core/telemetry.js';
import type { Decoded, Signal } from './model.js';

export type Encoding = 'protobuf' | 'json';

export type AnyDecoded = Decoded<OtlpSpan> | Decoded<OtlpMetric> | Decoded<OtlpLogRecord>;

export function decodeExport(signal: Signal, encoding: Encoding, body: Buffer): AnyDecoded {
  if (encoding === 'protobuf') {
    return signal === 'traces' ? decodeTracesProto(body) : signal === 'metrics' ? decodeMetricsProto(body) : decodeLogsProto(body);
  }
  const text = body.toString('utf8');
  return signal === 'traces' ? decodeTracesJson(text) : signal === 'metrics' ? decodeMetricsJson(text) : decodeLogsJson(text);
}
