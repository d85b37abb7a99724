"""A small pretend shop that logs like a real one, for trying Loupe.

    python3 service.py FOLDER [--seconds N]

Writes into FOLDER (default ./demo-logs), with Python's standard library alone:
  web.jsonl       the web service (shop-web): JSON lines from logging, with the trace and span id
                  of the request that logged them, and tracebacks
  payments.jsonl  the payments service (shop-payments), the same way
  app.log         the background worker (shop-worker): logging's classic text, rotating
                  (RotatingFileHandler), with chained tracebacks
and, when they are installed:
  events.log      structlog JSON events (orders, carts), with trace ids
  scheduler.log   loguru's text format: a periodic job
It sends the traces of its requests (OTLP/JSON over HTTP, to $OTEL_EXPORTER_OTLP_ENDPOINT, default
http://127.0.0.1:4318), whose ids the JSON lines carry. The first requests show each case once (a
failed payment, a slow query, a failed job); random traffic follows. Runs until interrupted, or
for N seconds.
"""
import argparse
import contextvars
import datetime
import json
import logging
import logging.handlers
import os
import random
import signal
import sys
import threading
import time
import traceback
import urllib.request
import uuid

import ways_in

# Ctrl-C or SIGTERM ends the demo where it stands: no traceback, the last spans still sent.
stopping = threading.Event()
signal.signal(signal.SIGINT, lambda signum, frame: stopping.set())
signal.signal(signal.SIGTERM, lambda signum, frame: stopping.set())

parser = argparse.ArgumentParser(description="A pretend shop that logs and sends traces, for trying Loupe.")
parser.add_argument("folder", nargs="?", default="demo-logs")
parser.add_argument("--seconds", type=float, default=None, help="stop after this many seconds")
args = parser.parse_args()
folder = args.folder
os.makedirs(folder, exist_ok=True)

# ---- logging: the trace context of the request in progress goes into every JSON line ----

# (service, trace_id, span_id) of the span in progress, as OpenTelemetry's logging instrumentation
# would inject them.
current_span = contextvars.ContextVar("current_span", default=(None, None, None))


class JsonLines(logging.Formatter):
    """One JSON object a line: time, level, logger, message, service, trace and span ids, traceback."""

    def format(self, record):
        service, trace_id, span_id = current_span.get()
        line = {
            "timestamp": datetime.datetime.fromtimestamp(record.created, datetime.timezone.utc).isoformat(),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        if service:
            line.update(service=service, trace_id=trace_id, span_id=span_id)
        line.update(getattr(record, "fields", {}))
        if record.exc_info:
            line["exc_info"] = self.formatException(record.exc_info)
        return json.dumps(line)


def json_logger(name, filename):
    handler = logging.handlers.RotatingFileHandler(os.path.join(folder, filename), maxBytes=2_000_000, backupCount=3)
    handler.setFormatter(JsonLines())
    logger = logging.getLogger(name)
    logger.addHandler(handler)
    logger.propagate = False
    return logger


logging.getLogger().setLevel(logging.DEBUG)
json_logger("shop", "web.jsonl")
json_logger("payments", "payments.jsonl")
text = logging.handlers.RotatingFileHandler(os.path.join(folder, "app.log"), maxBytes=2_000_000, backupCount=3)
text.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
worker_log = logging.getLogger("worker")
worker_log.addHandler(text)
worker_log.propagate = False

http = logging.getLogger("shop.http")
db = logging.getLogger("shop.db")
pool = logging.getLogger("shop.db.pool")
payments = logging.getLogger("payments.charge")
receipts = logging.getLogger("worker.receipts")

extras = []
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
    extras.append("structlog (events.log)")
except ImportError:
    events = None

try:
    from loguru import logger as loguru_logger

    loguru_logger.remove()  # not to stderr: the demo's terminal is Loupe's
    loguru_logger.add(os.path.join(folder, "scheduler.log"), level="DEBUG", rotation="2 MB")
    scheduler = loguru_logger
    extras.append("loguru (scheduler.log)")
except ImportError:
    scheduler = None

ROUTES = ["/api/products", "/api/products/{id}", "/api/cart", "/api/checkout", "/health"]


# ---- traces: OTLP/JSON by hand (what an OpenTelemetry SDK would send), batched each second ----

OTLP_TRACES = os.environ.get("OTEL_EXPORTER_OTLP_ENDPOINT", "http://127.0.0.1:4318").rstrip("/") + "/v1/traces"
pending_spans = []
pending_lock = threading.Lock()
send_warned = False


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
        "kind": kind,  # 2 server, 3 client, 5 consumer
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
                {"key": "exception.stacktrace", "value": otlp_value("".join(traceback.format_exception(type(error), error, error.__traceback__)))},
            ],
        }]
    with pending_lock:
        pending_spans.append((service, span))


def send_spans():
    global send_warned
    with pending_lock:
        batch = pending_spans[:]
        pending_spans.clear()
    if not batch:
        return
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
        if not send_warned:
            print(f"demo: could not send traces to {OTLP_TRACES}: {err}", file=sys.stderr)
            send_warned = True


def send_spans_forever():
    while True:
        time.sleep(1)
        send_spans()


def new_span_id():
    return uuid.uuid4().hex[:16]


# ---- the shop ----

class CardDeclined(ValueError):
    pass


def charge(amount):
    if amount > 900:
        raise CardDeclined(f"amount {amount} over the card limit")
    return True


def send_receipt(order, fail):
    if fail:
        try:
            raise ConnectionRefusedError(111, "Connection refused")
        except ConnectionRefusedError as err:
            raise RuntimeError(f"could not send the receipt of order {order}: SMTP server unreachable") from err


def request(n, route, slow=False, declined=False, job_fails=False):
    trace_id = uuid.uuid4().hex
    root_id = new_span_id()
    ms = random.uniform(400, 900) if slow else random.expovariate(1 / 40)
    end_ns = time.time_ns()
    start_ns = end_ns - int(ms * 1e6)
    method = "POST" if route == "/api/checkout" else "GET"
    status = 200
    current_span.set(("shop-web", trace_id, root_id))
    # The database query takes the first part of the request.
    db_end = start_ns + int((end_ns - start_ns) * random.uniform(0.2, 0.6))
    add_span("shop-web", trace_id, new_span_id(), root_id, "SELECT products", 3, start_ns + 200_000, db_end,
             {"db.system": "postgresql", "db.query.text": "SELECT * FROM products WHERE id = $1"})
    if route == "/api/checkout":
        amount = random.randint(901, 1000) if declined else random.randint(1, 900)
        call_id = new_span_id()
        pay_id = new_span_id()
        current_span.set(("shop-payments", trace_id, pay_id))
        failure = None
        try:
            charge(amount)
            payments.info("charged %d EUR for order %d", amount, n, extra={"fields": {"order_id": n, "amount": amount}})
        except CardDeclined as err:
            failure = err
            try:
                raise RuntimeError(f"checkout of order {n} failed") from err
            except RuntimeError as reported:
                payments.exception("payment for order %d failed", n, extra={"fields": {"order_id": n, "amount": amount}})
                ways_in.on_exception(reported)
            status = 502
        # The web service calls the payments service: a client span, and the server span under it.
        add_span("shop-web", trace_id, call_id, root_id, "POST /charge", 3, db_end, end_ns - 100_000,
                 {"http.request.method": "POST", "server.address": "payments", "http.response.status_code": 500 if failure else 200},
                 failure)
        add_span("shop-payments", trace_id, pay_id, call_id, "POST /charge", 2, db_end + 300_000, end_ns - 300_000,
                 {"http.request.method": "POST", "http.route": "/charge", "http.response.status_code": 500 if failure else 200, "amount": amount},
                 failure)
        current_span.set(("shop-web", trace_id, root_id))
        if events is not None:
            events.info("order", order_id=n, amount=amount, paid=failure is None, trace_id=trace_id, span_id=root_id)
        if failure is None:
            receipt_job(n, trace_id, root_id, end_ns, job_fails)
    add_span("shop-web", trace_id, root_id, None, f"{method} {route}", 2, start_ns, end_ns,
             {"http.request.method": method, "http.route": route, "http.response.status_code": status},
             RuntimeError("payment failed") if status >= 500 else None)
    if ms > 150:
        db.warning("slow query: SELECT * FROM products WHERE id = %d took %.0fms", n % 97, ms, extra={"fields": {"duration_ms": round(ms, 1)}})
    pool.debug("connection %d returned to the pool", n % 8)
    http.info('"%s %s" %d %.1fms', method, route, status, ms, extra={"fields": {"http.route": route, "status": status, "duration_ms": round(ms, 1)}})
    if events is not None and route == "/api/cart":
        events.info("cart_updated", items=random.randint(1, 5), user_id=n % 50, trace_id=trace_id, span_id=root_id)
    ways_in.on_request(n, route, status, ms, trace_id)
    current_span.set((None, None, None))


def receipt_job(order, trace_id, parent_id, start_ns, fails):
    """The worker sends the receipt after the response: a consumer span in the same trace."""
    job_id = new_span_id()
    end_ns = start_ns + random.randint(5, 60) * 1_000_000
    error = None
    try:
        send_receipt(order, fails)
        receipts.info("receipt for order %d sent", order)
    except RuntimeError as err:
        error = err
        receipts.exception("job send_receipt(order=%d) failed, will retry in 60s", order)
    add_span("shop-worker", trace_id, job_id, parent_id, "send_receipt", 5, start_ns, end_ns, {"order_id": order}, error)


def scheduled(n):
    if scheduler is not None and n % 20 == 1:
        scheduler.info("cache warmed: {} products in {:.0f}ms", random.randint(800, 1200), random.uniform(20, 90))
    if scheduler is not None and n % 60 == 30:
        scheduler.warning("cleanup removed {} expired sessions", random.randint(50, 400))


# Each case once, first: what a visitor of the UI should see without waiting for chance.
OPENING = [
    dict(route="/api/products"),
    dict(route="/api/checkout", declined=True),
    dict(route="/api/products/{id}", slow=True),
    dict(route="/api/checkout", job_fails=True),
    dict(route="/api/cart"),
    dict(route="/api/checkout"),
]


def main():
    uses = ", ".join(extras) if extras else "no extras (pip install structlog loguru to add their logs)"
    print(f"demo: the shop logs into {folder} with the standard library (web.jsonl, payments.jsonl, app.log); also: {uses}", flush=True)
    ways = ways_in.setup()
    if ways:
        print(f"demo: the shop also sends to Loupe through {', '.join(ways)}", flush=True)
    threading.Thread(target=send_spans_forever, daemon=True).start()
    deadline = None if args.seconds is None else time.monotonic() + args.seconds
    n = 0
    while not stopping.is_set() and (deadline is None or time.monotonic() < deadline):
        n += 1
        if n <= len(OPENING):
            request(n, **OPENING[n - 1])
        else:
            request(n, random.choice(ROUTES), slow=random.random() < 0.05, declined=random.random() < 0.1, job_fails=random.random() < 0.1)
        scheduled(n)
        stopping.wait(random.uniform(0.02, 0.3))
    send_spans()  # what the last second made


main()
