"""Celery's producer for W1 and W3, the harness protocol in Python (see child-io.ts).

bulk and single are the same here: `apply_async` in a loop is Celery's fastest way to send
many (a `group` is slower, anchors.md section 0). Each call returns an AsyncResult, which
subscribes to the result channel as Celery's Redis backend does by default.
"""
import json
import resource
import sys
import time

spec = json.loads(sys.argv[1])
sys.path.insert(0, __file__.rsplit("/", 1)[0])
from celery_bench import app, latency, noop  # noqa: E402


def emit(event, **fields):
    sys.stdout.write(json.dumps({"event": event, "t": time.time() * 1000, **fields}) + "\n")
    sys.stdout.flush()


def cpu_us():
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return (usage.ru_utime + usage.ru_stime) * 1e6


def payload(i, ts):
    body = {"i": i, "ts": ts, "user": f"user-{i % 1000000:06d}", "op": "thumbnail.resize", "pad": ""}
    length = len(json.dumps(body, separators=(",", ":")))
    body["pad"] = "x" * max(0, 100 - length)
    return body


with app.connection_for_write() as connection:
    connection.ensure_connection()
app.backend.client.ping()
emit("connected")
cpu_before, started, sent = cpu_us(), time.time(), 0
if spec["role"] in ("bulk", "single"):
    for i in range(spec["n"]):
        noop.apply_async((payload(i, time.time() * 1000),))
        sent += 1
elif spec["role"] == "paced":
    interval, end = 1.0 / spec.get("ratePerS", 200), started + spec.get("durationMs", 10000) / 1000
    while started + sent * interval < end:
        wait = started + sent * interval - time.time()
        if wait > 0:
            time.sleep(wait)
        latency.apply_async((payload(sent, time.time() * 1000),))
        sent += 1
emit("done", sent=sent, elapsedMs=(time.time() - started) * 1000, cpuUs=cpu_us() - cpu_before)
