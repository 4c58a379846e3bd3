"""The workshop's four tasks written the Celery way: decorated functions, with the policies
(rate limit, time limits, retries with backoff) as task options, as in hardq.

    cd frameworks/celery
    REDIS_URL=redis://127.0.0.1:6379 /usr/bin/python3 -m celery -A tasks worker -l INFO -c 4
"""
import hashlib
import os
import random
import time

from celery import Celery
from celery.exceptions import SoftTimeLimitExceeded

redis_url = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379")
app = Celery("workshop", broker=f"{redis_url}/0", backend=f"{redis_url}/1")


@app.task
def add(a, b):
    return a + b


# Celery's rate limit holds per worker process, not across workers (its docs say so).
@app.task(rate_limit="20/s")
def send_registration_email(address):
    time.sleep(0.15 + random.random() * 0.1)
    return {"sentTo": address}


# Time limits need the prefork pool: the soft one raises inside the task, the hard one
# kills the pool process and starts another.
@app.task(soft_time_limit=1, time_limit=2)
def resize_image(width, height):
    digest, rounds, until = f"{width}x{height}".encode(), 0, time.monotonic() + 0.005
    try:
        while time.monotonic() < until:
            digest = hashlib.sha256(digest).hexdigest().encode()
            rounds += 1
    except SoftTimeLimitExceeded:
        pass
    return {"width": round(width / 2), "height": round(height / 2), "rounds": rounds}


class FlakyError(Exception):
    pass


@app.task(autoretry_for=(FlakyError,), max_retries=2, retry_backoff=0.2, retry_jitter=True)
def flaky(n):
    if random.random() < 1 / 3:
        raise FlakyError(f"flaky failed on {n} (it does, one time in three)")
    return n
