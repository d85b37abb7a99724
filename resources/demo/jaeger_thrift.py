"""Jaeger's Agent.emitBatch in thrift's binary protocol, by hand with the standard library: what
jaeger-client's UDP sender writes to the agent's binary port (6832), for the demo shop's Jaeger-traced
service on a Python without the `thrift` package. Only what the demo sends is encoded: a Process
(serviceName, tags) and Spans (ids, operationName, flags, startTime, duration, tags, logs), with the
field ids and types of jaeger-idl's thrift/jaeger.thrift and agent.thrift.
"""
import struct

# Thrift's wire types (binary protocol).
_STOP, _BOOL, _DOUBLE, _I32, _I64, _STRING, _STRUCT, _LIST = 0, 2, 4, 8, 10, 11, 12, 15
_ONEWAY = 4  # emitBatch is a oneway call
_VERSION_1 = 0x80010000
# jaeger.thrift's TagType.
_TAG_STRING, _TAG_DOUBLE, _TAG_BOOL, _TAG_LONG = 0, 1, 2, 3


def _field(type_, id_):
    return struct.pack(">bh", type_, id_)


def _string(s):
    b = s.encode()
    return struct.pack(">i", len(b)) + b


def _i64(v):
    # Jaeger's ids are unsigned 64-bit values carried in thrift's signed i64.
    return struct.pack(">q", v - (1 << 64) if v >= 1 << 63 else v)


def _list(items):
    return struct.pack(">bi", _STRUCT, len(items)) + b"".join(items)


def _tag(key, value):
    """A Tag struct; the value's Python type picks its TagType (bool before int: bool is an int)."""
    out = _field(_STRING, 1) + _string(key)
    if isinstance(value, bool):
        out += _field(_I32, 2) + struct.pack(">i", _TAG_BOOL) + _field(_BOOL, 5) + (b"\x01" if value else b"\x00")
    elif isinstance(value, int):
        out += _field(_I32, 2) + struct.pack(">i", _TAG_LONG) + _field(_I64, 6) + _i64(value)
    elif isinstance(value, float):
        out += _field(_I32, 2) + struct.pack(">i", _TAG_DOUBLE) + _field(_DOUBLE, 4) + struct.pack(">d", value)
    else:
        out += _field(_I32, 2) + struct.pack(">i", _TAG_STRING) + _field(_STRING, 3) + _string(str(value))
    return out + bytes([_STOP])


def _tags(tags):
    return _list([_tag(k, v) for k, v in tags.items()])


def _span(span):
    """span: trace_id (32 hex digits), span_id and parent_id (16, parent 0 for a root), name,
    start_us, duration_us, tags (dict), logs (list of (time_us, dict of fields)), flags (1 = sampled)."""
    trace = int(span["trace_id"], 16)
    out = _field(_I64, 1) + _i64(trace & (1 << 64) - 1)  # traceIdLow
    out += _field(_I64, 2) + _i64(trace >> 64)  # traceIdHigh
    out += _field(_I64, 3) + _i64(int(span["span_id"], 16))
    out += _field(_I64, 4) + _i64(int(span.get("parent_id") or "0", 16))
    out += _field(_STRING, 5) + _string(span["name"])
    out += _field(_I32, 7) + struct.pack(">i", span.get("flags", 1))
    out += _field(_I64, 8) + _i64(span["start_us"])
    out += _field(_I64, 9) + _i64(span["duration_us"])
    if span.get("tags"):
        out += _field(_LIST, 10) + _tags(span["tags"])
    if span.get("logs"):
        logs = [_field(_I64, 1) + _i64(t) + _field(_LIST, 2) + _tags(fields) + bytes([_STOP]) for t, fields in span["logs"]]
        out += _field(_LIST, 11) + _list(logs)
    return out + bytes([_STOP])


def emit_batch(service, process_tags, spans, seq_id=0):
    """One Agent.emitBatch message (a UDP datagram for the agent's binary port)."""
    process = _field(_STRING, 1) + _string(service) + _field(_LIST, 2) + _tags(process_tags) + bytes([_STOP])
    batch = _field(_STRUCT, 1) + process + _field(_LIST, 2) + _list([_span(s) for s in spans]) + bytes([_STOP])
    header = struct.pack(">I", _VERSION_1 | _ONEWAY) + _string("emitBatch") + struct.pack(">i", seq_id)
    # emitBatch's arguments struct: its field 1 is the batch.
    return header + _field(_STRUCT, 1) + batch + bytes([_STOP])
