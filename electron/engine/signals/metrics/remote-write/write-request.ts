// Prometheus remote_write 1.0's request body, encoded by hand (four messages, no schema runtime):
// prompb.WriteRequest { repeated TimeSeries timeseries = 1 }, TimeSeries { repeated Label labels = 1;
// repeated Sample samples = 2 }, Label { string name = 1; string value = 2 }, Sample { double value
// = 1; int64 timestamp = 2 (ms) }; then snappy's block format (not its framed format), as the
// protocol says. Labels go sorted by name: receivers expect them so (Prometheus's TSDB relies on it).
import snappy from 'snappyjs';
import type { Labels } from '../promql/index.js';

/** One series to send: samples in time order (the values' NaN payloads, staleness markers, are kept). */
export interface WriteSeries {
  labels: Labels;
  timestamps: ArrayLike<number>;
  values: Float64Array;
}

const WIRE_VARINT = 0;
const WIRE_FIXED64 = 1;
const WIRE_LEN = 2;

/** A growable buffer of protobuf fields. */
class ProtoWriter {
  private buf = new Uint8Array(256);
  private view = new DataView(this.buf.buffer);
  length = 0;

  private ensure(extra: number): void {
    if (this.length + extra <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.length + extra) size *= 2;
    const grown = new Uint8Array(size);
    grown.set(this.buf.subarray(0, this.length));
    this.buf = grown;
    this.view = new DataView(grown.buffer);
  }

  /** A non-negative integer up to 2^53 (timestamps in ms, lengths). */
  varint(n: number): void {
    this.ensure(10);
    while (n >= 0x80) {
      this.buf[this.length++] = (n % 0x80) | 0x80;
      n = Math.floor(n / 0x80);
    }
    this.buf[this.length++] = n;
  }

  tag(field: number, wire: number): void {
    this.varint(field * 8 + wire);
  }

  bytes(field: number, bytes: Uint8Array): void {
    this.tag(field, WIRE_LEN);
    this.varint(bytes.length);
    this.ensure(bytes.length);
    this.buf.set(bytes, this.length);
    this.length += bytes.length;
  }

  string(field: number, text: string): void {
    this.bytes(field, Buffer.from(text, 'utf8'));
  }

  /** Little-endian, through a DataView: the bits (a staleness marker's NaN payload) as they are. */
  double(field: number, value: number): void {
    this.tag(field, WIRE_FIXED64);
    this.ensure(8);
    this.view.setFloat64(this.length, value, true);
    this.length += 8;
  }

  int64(field: number, n: number): void {
    this.tag(field, WIRE_VARINT);
    this.varint(n);
  }

  finish(): Uint8Array {
    return this.buf.subarray(0, this.length);
  }
}

/** The WriteRequest protobuf of the series (not compressed). */
export function encodeWriteRequest(series: readonly WriteSeries[]): Uint8Array {
  const request = new ProtoWriter();
  for (const s of series) {
    const ts = new ProtoWriter();
    for (const name of Object.keys(s.labels).sort()) {
      const label = new ProtoWriter();
      label.string(1, name);
      label.string(2, s.labels[name]!);
      ts.bytes(1, label.finish());
    }
    for (let i = 0; i < s.values.length; i++) {
      const sample = new ProtoWriter();
      sample.double(1, s.values[i]!);
      sample.int64(2, s.timestamps[i]!);
      ts.bytes(2, sample.finish());
    }
    request.bytes(1, ts.finish());
  }
  return request.finish();
}

/** The body remote_write POSTs: the WriteRequest, snappy block-compressed. */
export function writeRequestBody(series: readonly WriteSeries[]): Uint8Array {
  return snappy.compress(encodeWriteRequest(series));
}
