"""Celery's side of the benchmark: the app the worker loads with `-A celery_bench`.

Broker on db 0 and the Redis result backend on db 1 (the harness polls DBSIZE there to
see completions); JSON serializer; everything else default. `noop` is W2's task,
`latency` W3's: it appends enqueue-to-start milliseconds to BENCH_LATENCY_FILE.
"""
import json
import os
import time

from celery import Celery
from celery.signals import worker_ready

redis_url = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379")
app = Celery("celery_bench", broker=f"{redis_url}/0", backend=f"{redis_url}/1")
app.conf.update(task_serializer="json", result_serializer="json", accept_content=["json"])


@app.task
def noop(payload):
    return {"ok": True}


@app.task
def latency(payload):
    started_ms = time.time() * 1000
    # One short O_APPEND write per line: lines from several pool processes never interleave.
    with open(os.environ["BENCH_LATENCY_FILE"], "a") as out:
        out.write(f"{started_ms - payload['ts']}\n")
    return {"ok": True}


@worker_ready.connect
def announce_ready(**_):
    # The worker redirects sys.stdout into its logger, so the report goes to fd 1 directly.
    os.write(1, (json.dumps({"event": "ready", "t": time.time() * 1000}) + "\n").encode())
