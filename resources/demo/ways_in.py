"""The demo shop's other ways into Loupe, with Python's standard library alone: so that every kind
of source has live data, the shop also sends

  its notifier's log records through logging's SocketHandler, DatagramHandler and HTTPHandler,
  and SysLogHandler                                   (LOUPE_DEMO_PYTHON_LOGGING, _HTTP_LOGGING, _SYSLOG)
  request counters and timings as StatsD datagrams     (LOUPE_DEMO_STATSD)
  a Prometheus /metrics page for Loupe to scrape       (LOUPE_DEMO_METRICS_PORT)
  its mailer's spans as Zipkin JSON v2                 (LOUPE_DEMO_ZIPKIN)
  its inventory's spans as Jaeger thrift, over UDP     (LOUPE_DEMO_JAEGER: the agent's binary port)
  failed payments as Sentry envelopes                  (LOUPE_DEMO_SENTRY_DSN)

each when `npm run demo` says where (the variables above); none of it when they are not set.
Sending never stops the shop: a failure is dropped.
"""
import http.server
import json
import logging
import logging.handlers
import os
import random
import socket
import threading
import time
import traceback
import urllib.parse
import urllib.request
import uuid

import jaeger_thrift

env = os.environ
notifier = logging.getLogger("shop.notifier")
notifier.propagate = False
notifier.setLevel(logging.INFO)
# Without a way in set, its records go nowhere (not to logging's last-resort stderr handler).
notifier.addHandler(logging.NullHandler())
statsd = None
jaeger = None
requests_total = {}
requests_lock = threading.Lock()
kinds = []


def _port(name):
    value = env.get(name)
    return int(value) if value and value.isdigit() else None


def setup():
    """Attach what the environment names; returns the kinds of source it feeds."""
    global statsd, jaeger
    py = env.get("LOUPE_DEMO_PYTHON_LOGGING", "")
    if "," in py:
        tcp, udp = (int(p) for p in py.split(","))
        notifier.addHandler(logging.handlers.SocketHandler("127.0.0.1", tcp))
        notifier.addHandler(logging.handlers.DatagramHandler("127.0.0.1", udp))
        kinds.append("SocketHandler + DatagramHandler")
    if env.get("LOUPE_DEMO_HTTP_LOGGING"):
        url = urllib.parse.urlsplit(env["LOUPE_DEMO_HTTP_LOGGING"])
        notifier.addHandler(logging.handlers.HTTPHandler(url.netloc, f"{url.path}?{url.query}", method="POST"))
        kinds.append("HTTPHandler")
    if _port("LOUPE_DEMO_SYSLOG"):
        handler = logging.handlers.SysLogHandler(address=("127.0.0.1", _port("LOUPE_DEMO_SYSLOG")), facility="local3")
        handler.ident = "shop-notifier: "
        notifier.addHandler(handler)
        kinds.append("syslog")
    if _port("LOUPE_DEMO_STATSD"):
        statsd = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        kinds.append("StatsD")
    if _port("LOUPE_DEMO_METRICS_PORT"):
        server = http.server.ThreadingHTTPServer(("127.0.0.1", _port("LOUPE_DEMO_METRICS_PORT")), Metrics)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        kinds.append("/metrics for the scrape")
    if env.get("LOUPE_DEMO_ZIPKIN"):
        kinds.append("Zipkin spans")
    if _port("LOUPE_DEMO_JAEGER"):
        jaeger = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        kinds.append("Jaeger spans")
    if env.get("LOUPE_DEMO_SENTRY_DSN"):
        kinds.append("Sentry events")
    return kinds


class Metrics(http.server.BaseHTTPRequestHandler):
    """prometheus_client's text format, by hand: a counter of requests by route and status."""

    def do_GET(self):
        with requests_lock:
            lines = ["# HELP shop_requests_total Requests served.", "# TYPE shop_requests_total counter"]
            lines += [f'shop_requests_total{{route="{r}",status="{s}"}} {n}' for (r, s), n in sorted(requests_total.items())]
        body = ("\n".join(lines) + "\n").encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/plain; version=0.0.4")
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass  # the scrape's requests are not the shop's log


def _post(url, body, content_type):
    try:
        urllib.request.urlopen(urllib.request.Request(url, body, {"Content-Type": content_type}), timeout=2).read()
    except Exception:
        pass  # Loupe stopped first, or is busy: a demo drops it


def on_request(n, route, status, ms, trace_id):
    """What every request of the shop sends besides its logs and OTLP spans."""
    with requests_lock:
        requests_total[(route, status)] = requests_total.get((route, status), 0) + 1
    if statsd is not None:
        packet = f"shop.requests:1|c|#route:{route}\nshop.request_duration:{ms:.1f}|ms"
        try:
            statsd.sendto(packet.encode(), ("127.0.0.1", _port("LOUPE_DEMO_STATSD")))
        except OSError:
            pass
    if route == "/api/checkout" and status == 200:
        notifier.info("order %d: confirmation queued for customer %d", n, n % 50, extra={"order_id": n})
        if env.get("LOUPE_DEMO_ZIPKIN"):
            mail(n, trace_id)
        if jaeger is not None:
            reserve_stock(n, trace_id)
    elif status >= 500:
        notifier.warning("order %d: customer %d told the payment failed", n, n % 50, extra={"order_id": n})


def mail(n, trace_id):
    """The mailer (a service traced with a Zipkin tracer): a server span and its SMTP client span."""
    now_us = time.time_ns() // 1000
    root, child = uuid.uuid4().hex[:16], uuid.uuid4().hex[:16]
    took = random.randint(5, 40) * 1000
    spans = [
        {"traceId": trace_id, "id": root, "name": "send confirmation", "kind": "SERVER", "timestamp": now_us, "duration": took,
         "localEndpoint": {"serviceName": "shop-mailer"}, "tags": {"order_id": str(n)}},
        {"traceId": trace_id, "parentId": root, "id": child, "name": "smtp send", "kind": "CLIENT", "timestamp": now_us + 1000,
         "duration": took - 2000, "localEndpoint": {"serviceName": "shop-mailer"}, "remoteEndpoint": {"serviceName": "smtp", "port": 25}},
    ]
    _post(env["LOUPE_DEMO_ZIPKIN"], json.dumps(spans).encode(), "application/json")


def reserve_stock(n, trace_id):
    """The inventory (a service traced with jaeger-client): a server span and its database call,
    in the request's trace, sent as one emitBatch datagram to the Jaeger agent's binary port."""
    now_us = time.time_ns() // 1000
    root, child = uuid.uuid4().hex[:16], uuid.uuid4().hex[:16]
    took = random.randint(3, 20) * 1000
    items = random.randint(1, 5)
    spans = [
        {"trace_id": trace_id, "span_id": root, "name": "reserve stock", "start_us": now_us, "duration_us": took,
         "tags": {"span.kind": "server", "order_id": n, "items": items},
         "logs": [(now_us + took // 2, {"event": "stock reserved", "items": items})]},
        {"trace_id": trace_id, "span_id": child, "parent_id": root, "name": "UPDATE stock", "start_us": now_us + 500,
         "duration_us": took - 1000, "tags": {"span.kind": "client", "db.system": "sqlite", "peer.service": "stock-db"}},
    ]
    datagram = jaeger_thrift.emit_batch("shop-inventory", {"hostname": socket.gethostname(), "jaeger.version": "Python-4.8.0"}, spans)
    try:
        jaeger.sendto(datagram, ("127.0.0.1", _port("LOUPE_DEMO_JAEGER")))
    except OSError:
        pass  # Loupe stopped first: a demo drops it


def on_exception(err):
    """A failed payment as the Sentry SDK reports it: an envelope with the exception and its frames."""
    dsn = env.get("LOUPE_DEMO_SENTRY_DSN")
    if not dsn:
        return
    parts = urllib.parse.urlsplit(dsn)
    url = f"{parts.scheme}://{parts.hostname}:{parts.port}/api{parts.path}/envelope/?sentry_key={urllib.parse.quote(parts.username or '')}"
    frames = [{"filename": f.filename, "function": f.name, "lineno": f.lineno, "context_line": f.line}
              for f in traceback.extract_tb(err.__traceback__)]
    event_id = uuid.uuid4().hex
    event = {"event_id": event_id, "timestamp": time.time(), "platform": "python", "level": "error", "logger": "payments.charge",
             "server_name": "shop-payments", "tags": {"service": "shop-payments"},
             "exception": {"values": [{"type": type(err).__name__, "value": str(err), "stacktrace": {"frames": frames}}]}}
    body = "\n".join([json.dumps({"event_id": event_id}), json.dumps({"type": "event"}), json.dumps(event)]) + "\n"
    _post(url, body.encode(), "application/x-sentry-envelope")
