// What the receiver answers: the Export*ServiceResponse (empty, or with partial_success when
// items were rejected) and, for failures, google.rpc.Status; each in protobuf or JSON, as the
// request came.
import type { Signal } from './model.js';

/** gRPC status codes (google.rpc.Code) the receiver uses. */
export const RPC_CODE = {
  INVALID_ARGUMENT: 3,
  RESOURCE_EXHAUSTED: 8,
  INTERNAL: 13,
  UNAVAILABLE: 14,
} as const;

const REJECTED_FIELD: Record<Signal, string> = {
  traces: 'rejectedSpans',
  metrics: 'rejectedDataPoints',
  logs: 'rejectedLogRecords',
};

export interface PartialSuccess {
  rejected: number;
  message: string;
}

/** ExportXServiceResponse { ExportXPartialSuccess partial_success = 1 { int64 rejected_* = 1; string error_message = 2 } } */
export function exportResponseProto(partial: PartialSuccess | undefined): Buffer {
  if (!partial) return Buffer.alloc(0);
  const inner = Buffer.concat([varintField(1, partial.rejected), bytesField(2, Buffer.from(partial.message))]);
  return bytesField(1, inner);
}

export function exportResponseJson(signal: Signal, partial: PartialSuccess | undefined): string {
  if (!partial) return '{}';
  // proto3's JSON mapping writes int64 as a string.
  return JSON.stringify({ partialSuccess: { [REJECTED_FIELD[signal]]: String(partial.rejected), errorMessage: partial.message } });
}

/** google.rpc.Status { int32 code = 1; string message = 2; } */
export function statusProto(code: number, message: string): Buffer {
  return Buffer.concat([varintField(1, code), bytesField(2, Buffer.from(message))]);
}

export function statusJson(code: number, message: string): string {
  return JSON.stringify({ code, message });
}

function varint(n: number): Buffer {
  const bytes: number[] = [];
  let v = n;
  while (v >= 0x80) {
    bytes.push((v % 0x80) | 0x80);
    v = Math.floor(v / 0x80);
  }
  bytes.push(v);
  return Buffer.from(bytes);
}

function varintField(field: number, value: number): Buffer {
  return Buffer.concat([varint(field << 3), varint(value)]);
}

function bytesField(field: number, value: Buffer): Buffer {
  return Buffer.concat([varint((field << 3) | 2), varint(value.length), value]);
}
