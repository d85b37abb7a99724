"""A small pretend web service that logs like a real one, for trying Loupe.

Writes to the folder given as argv[1] (default ./demo-logs):
  app.log     stdlib logging, rotating (RotatingFileHandler), with tracebacks
  events.log  structlog JSON lines, with request ids and trace ids
and sends the traces of its requests (OTLP/JSON over HTTP, to $OTEL_EXPORTER_OTLP_ENDPOINT,
default http://127.0.0.1:4318), whose ids the events carry.
Runs until interrupted. Uses only the standard library, plus structlog when installed.
"""
import json
import logging
import logging.handlers
import os
import random
import sys
import threading
import time
import urllib.request
import uuid

folder = sys.argv[1] if len(sys.argv) > 1 else "demo-logs"
os.makedirs(folder, exist_ok=True)

handler = logging.handlers.RotatingFileHandler(os.path.join(folder, "app.log"), maxBytes=2_000_000, backupCount=3)
handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
root = logging.getLogger()
root.addHandler(handler)
root.setLevel(logging.DEBUG)

http = logging.getLogger("shop.http")
db = logging.getLogger("shop.db")
pool = logging.getLogger("shop.db.pool")
payments = logging.getLogger("shop.payments")

try:
    import structlog

    events_file = open(os.path.join(folder, "events.log"), "a", buffering=1)
    structlog.configure(
        processors=[
            structlog.processors.add_log_level,
            structlog.processors.TimeStamper(fmt="iso"),
            structlog.processors.format_exc_info,
            structlog.processors.JSONRenderer(),
        ],
        logger_factory=structlog.WriteLoggerFactory(file=events_file),
    )
    events = structlog.get_logger()
except ImportError:  # structlog is optional: the demo still writes app.log
    events = None

ROUTES = ["/api/products", "/api/products/{id}", "/api/cart", "/api/checkout", "/health"]


# ---- traces: OTLP/JSON by hand (what an OpenTelemetry SDK would send), batched each second ----

OTLP_TRACES = os.environ.get("OTEL_EXPORTER_OTLP_ENDPOINT", "http://127.0.0.1:4318").rstrip("/") + "/v1/traces"
pending_spans = []
pending_lock = threading.Lock()


def otlp_value(v):
    if isinstance(v, bool):
        return {"boolValue": v}
    if isinstance(v, int):
        return {"intValue": str(v)}
    return {"stringValue": str(v)}


def add_span(service, trace_id, span_id, parent_id, name, kind, start_ns, end_ns, attrs, error=None):
    span = {
        "traceId": trace_id,
        "spanId": span_id,
        "name": name,
        "kind": kind,  # 2 server, 3 client
        "startTimeUnixNano": str(start_ns),
        "endTimeUnixNano": str(end_ns),
        "attributes": [{"key": k, "value": otlp_value(v)} for k, v in attrs.items()],
        "status": {"code": 2, "message": str(error)} if error else {},
    }
    if parent_id:
        span["parentSpanId"] = parent_id
    if error:
        span["events"] = [{
            "name": "exception",
            "timeUnixNano": str(end_ns),
            "attributes": [
                {"key": "exception.type", "value": otlp_value(type(error).__name__)},
                {"key": "exception.message", "value": otlp_value(str(error))},
            ],
        }]
    with pending_lock:
        pending_spans.append((service, span))


def send_spans_forever():
    warned = False
    while True:
        time.sleep(1)
        with pending_lock:
            batch = pending_spans[:]
            pending_spans.clear()
        if not batch:
            continue
        by_service = {}
        for service, span in batch:
            by_service.setdefault(service, []).append(span)
        body = {"resourceSpans": [
            {
                "resource": {"attributes": [{"key": "service.name", "value": otlp_value(service)}]},
                "scopeSpans": [{"scope": {"name": "demo"}, "spans": spans}],
            }
            for service, spans in by_service.items()
        ]}
        req = urllib.request.Request(OTLP_TRACES, data=json.dumps(body).encode(), headers={"Content-Type": "application/json"})
        try:
            urllib.request.urlopen(req, timeout=5).read()
        except OSError as err:
            if not warned:
                print(f"demo: could not send traces to {OTLP_TRACES}: {err}", file=sys.stderr)
                warned = True


threading.Thread(target=send_spans_forever, daemon=True).start()


def new_span_id():
    return uuid.uuid4().hex[:16]


def charge(amount):
    if amount > 900:
        raise ValueError(f"amount {amount} over the card limit")
    return True


def request(n):
    route = random.choice(ROUTES)
    trace_id = uuid.uuid4().hex
    root_id = new_span_id()
    ms = random.expovariate(1 / 40)
    end_ns = time.time_ns()
    start_ns = end_ns - int(ms * 1e6)
    method = "POST" if route == "/api/checkout" else "GET"
    status = 200
    # The database query takes the first part of the request.
    db_end = start_ns + int((end_ns - start_ns) * random.uniform(0.2, 0.6))
    add_span("shop-web", trace_id, new_span_id(), root_id, "SELECT products", 3, start_ns + 200_000, db_end,
             {"db.system": "postgresql", "db.query.text": "SELECT * FROM products WHERE id = $1"})
    if route == "/api/checkout":
        amount = random.randint(1, 1000)
        failure = None
        try:
            charge(amount)
            payments.info("charged %d EUR for order %d", amount, n)
        except ValueError as err:
            failure = err
            try:
                raise RuntimeError(f"checkout of order {n} failed") from err
            except RuntimeError:
                payments.exception("payment for order %d failed", n)
            status = 502
        # The web service calls the payments service: a client span, and the server span under it.
        call_id = new_span_id()
        add_span("shop-web", trace_id, call_id, root_id, "POST /charge", 3, db_end, end_ns - 100_000,
                 {"http.request.method": "POST", "server.address": "payments", "http.response.status_code": 500 if failure else 200},
                 failure)
        add_span("shop-payments", trace_id, new_span_id(), call_id, "POST /charge", 2, db_end + 300_000, end_ns - 300_000,
                 {"http.request.method": "POST", "http.route": "/charge", "http.response.status_code": 500 if failure else 200, "amount": amount},
                 failure)
    add_span("shop-web", trace_id, root_id, None, f"{method} {route}", 2, start_ns, end_ns,
             {"http.request.method": method, "http.route": route, "http.response.status_code": status},
             RuntimeError("payment failed") if status >= 500 else None)
    if ms > 150:
        db.warning("slow query: SELECT * FROM products WHERE id = %d took %.0fms", n % 97, ms)
    pool.debug("connection %d returned to the pool", n % 8)
    http.info('"%s %s" %d %.1fms', method, route, status, ms)
    if events is not None:
        events.info("request", route=route, status=status, duration_ms=round(ms, 1), trace_id=trace_id, span_id=root_id, user_id=n % 50)


n = 0
while True:
    n += 1
    request(n)
    time.sleep(random.uniform(0.02, 0.3))
