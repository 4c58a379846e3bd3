"""Send one hardq task from Python and wait for its result; needs only redis-py.

    python3 hardq_producer.py add '[2, 3]'    # prints the task id, then the result record

REDIS_URL (default redis://127.0.0.1:6379), HARDQ_QUEUE (default "default") and
HARDQ_PREFIX (default "hardq") choose where it goes. Exit codes: 0 SUCCESS, 1 FAILURE or
REVOKED, 2 bad usage, no redis-py, or no result within 30 s.
"""
import json, os, sys, time, uuid


def fail(line):
    """One line on stderr and exit code 2, as the hardq command does."""
    print(line, file=sys.stderr)
    sys.exit(2)


try:
    import redis
except ImportError:
    fail("hardq_producer.py needs redis-py: pip install redis (or: sudo apt-get install python3-redis)")

FINAL_STATES = ("SUCCESS", "FAILURE", "REVOKED")


def send(r, task, args, queue="default", prefix="hardq"):
    """LPUSHes one message onto the queue's ready list; returns its id (a UUID: no commas)."""
    task_id = str(uuid.uuid4())
    message = {"v": 1, "id": task_id, "task": task, "args": args, "createdAt": int(time.time() * 1000)}
    r.lpush(f"{prefix}:{{{queue}}}:ready", json.dumps(message))
    return task_id


def main(argv):
    if len(argv) not in (2, 3) or argv[1] in ("-h", "--help"):
        fail("usage: python3 hardq_producer.py <task> ['<json array of args>']")
    task, args = argv[1], argv[2] if len(argv) > 2 else "[]"
    try:
        args = json.loads(args)
    except ValueError:
        args = None
    if not isinstance(args, list):
        fail(f"the args must be a JSON array, e.g. '[2, 3]', not {argv[2]}")
    url = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379")
    r = redis.Redis.from_url(url)
    queue = os.environ.get("HARDQ_QUEUE", "default")
    prefix = os.environ.get("HARDQ_PREFIX", "hardq")

    try:
        return send_and_wait(r, task, args, queue, prefix)
    except redis.exceptions.ConnectionError as error:
        fail(f"cannot reach Redis at {url} ({error})")


def send_and_wait(r, task, args, queue, prefix):
    """Sends, prints the id, waits up to 30 s and prints the result record; returns the exit code."""
    # Subscribe before sending, so the announcement of this task cannot go by unseen.
    announcements = r.pubsub(ignore_subscribe_messages=True)
    announcements.subscribe(f"{prefix}:{{{queue}}}:results")
    task_id = send(r, task, args, queue, prefix)
    print(task_id, flush=True)

    result_key = f"{prefix}:{{{queue}}}:result:{task_id}"
    deadline = time.monotonic() + 30
    while True:
        raw = r.get(result_key)
        state = None if raw is None else json.loads(raw)["state"]
        if state in FINAL_STATES:
            print(raw.decode())
            return 0 if state == "SUCCESS" else 1
        if time.monotonic() > deadline:
            fail(f"no result for {task_id} after 30 s; is a consumer running for {queue}?")
        announcements.get_message(timeout=1.0)  # wakes when a consumer announces a finished batch


if __name__ == "__main__":
    sys.exit(main(sys.argv))
