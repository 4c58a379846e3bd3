"""Celery's chord and chain for W7 (bench/w7-others.ts): Redis broker (db 0) and Redis
result backend (db 1), JSON, the worker started by the harness with `-A celery_canvas`.
Run as a script, it sends one chord of N header tasks (or one chain of N steps) and waits:
    python3 celery_canvas.py chord 10000 | python3 celery_canvas.py chain 1000
and prints {"event": "done", "elapsedMs": ...} on stdout.
"""
import json
import os
import sys
import time

from celery import Celery, chain, chord

redis_url = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379")
app = Celery("celery_canvas", broker=f"{redis_url}/0", backend=f"{redis_url}/1")
app.conf.update(task_serializer="json", result_serializer="json", accept_content=["json"])


@app.task
def noop():
    return 1


@app.task
def total(values):
    return len(values)


@app.task
def hop(previous):
    return previous + 1


if __name__ == "__main__":
    kind, n = sys.argv[1], int(sys.argv[2])
    started = time.time()
    if kind == "chord":
        value = chord([noop.si() for _ in range(n)])(total.s()).get(timeout=900)
    else:
        value = chain(hop.si(0), *[hop.s() for _ in range(n - 1)]).apply_async().get(timeout=900)
    print(json.dumps({"event": "done", "value": value, "elapsedMs": (time.time() - started) * 1000}), flush=True)
