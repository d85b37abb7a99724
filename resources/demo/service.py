"""A small pretend web service that logs like a real one, for trying Loupe.

Writes to the folder given as argv[1] (default ./demo-logs):
  app.log     stdlib logging, rotating (RotatingFileHandler), with tracebacks
  events.log  structlog JSON lines, with request ids and trace ids
Runs until interrupted. Uses only the standard library, plus structlog when installed.
"""
import json
import logging
import logging.handlers
import os
import random
import sys
import time
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


def charge(amount):
    if amount > 900:
        raise ValueError(f"amount {amount} over the card limit")
    return True


def request(n):
    route = random.choice(ROUTES)
    trace_id = uuid.uuid4().hex
    ms = random.expovariate(1 / 40)
    status = 200
    if route == "/api/checkout":
        amount = random.randint(1, 1000)
        try:
            charge(amount)
            payments.info("charged %d EUR for order %d", amount, n)
        except ValueError as err:
            try:
                raise RuntimeError(f"checkout of order {n} failed") from err
            except RuntimeError:
                payments.exception("payment for order %d failed", n)
            status = 502
    if ms > 150:
        db.warning("slow query: SELECT * FROM products WHERE id = %d took %.0fms", n % 97, ms)
    pool.debug("connection %d returned to the pool", n % 8)
    http.info('"%s %s" %d %.1fms', "POST" if route == "/api/checkout" else "GET", route, status, ms)
    if events is not None:
        events.info("request", route=route, status=status, duration_ms=round(ms, 1), trace_id=trace_id, user_id=n % 50)


n = 0
while True:
    n += 1
    request(n)
    time.sleep(random.uniform(0.02, 0.3))
