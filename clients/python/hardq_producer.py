"""Send one hardq task from Python and wait for its result; needs only redis-py.

    python3 hardq_producer.py add '[2, 3]'    # prints the task id, then the result record

REDIS_URL (default redis://127.0.0.1:6379; a Redis Cluster as
redis-cluster://host:port,host:port), HARDQ_QUEUE (default "default") and
HARDQ_PREFIX (default "hardq") choose where it goes. With HARDQ_SIGNING_KEY_ID and
HARDQ_SIGNING_KEY (the secret) set, the message is signed as docs/PROTOCOL.md says. Exit codes: 0 SUCCESS, 1 FAILURE or
REVOKED, 2 bad usage, no redis-py, or no result within 30 s.
"""
import base64, hashlib, hmac, json, math, os, re, sys, time, uuid


def fail(line):
    """One line on stderr and exit code 2, as the hardq command does."""
    print(line, file=sys.stderr)
    sys.exit(2)


try:
    import redis
except ImportError:
    fail("hardq_producer.py needs redis-py: pip install redis (or: sudo apt-get install python3-redis)")

FINAL_STATES = ("SUCCESS", "FAILURE", "REVOKED")


def redacted(url):
    """The URL with its password shown as ***: passwords are never printed."""
    return re.sub(r"//([^:/@]*):[^@/]*@", r"//\1:***@", url)


def canonical_number(x):
    """A number as JavaScript's Number::toString writes it (RFC 8785 section 3.2.2.3)."""
    x = float(x)
    if not math.isfinite(x):
        raise ValueError(f"{x} has no JSON form")
    if x == 0:
        return "0"
    mantissa, _, exponent = repr(abs(x)).partition("e")  # repr: the shortest round-trip digits
    whole, _, fraction = mantissa.partition(".")
    digits = (whole + fraction).lstrip("0")
    # The value is 0.<digits> times 10 ** point.
    point = int(exponent or 0) + len(whole) - len(whole + fraction) + len(digits)
    digits = digits.rstrip("0")
    k = len(digits)
    sign = "-" if x < 0 else ""
    if k <= point <= 21:
        return sign + digits + "0" * (point - k)
    if 0 < point <= 21:
        return sign + digits[:point] + "." + digits[point:]
    if -6 < point <= 0:
        return sign + "0." + "0" * -point + digits
    e = point - 1
    e = f"e{'+' if e >= 0 else '-'}{abs(e)}"
    return sign + digits[0] + ("." + digits[1:] if k > 1 else "") + e


def canonical(value):
    """The RFC 8785 (JCS) text of a JSON value: members sorted by UTF-16 code units."""
    if value is None or isinstance(value, bool):
        return json.dumps(value)
    if isinstance(value, (int, float)):
        return canonical_number(value)
    if isinstance(value, str):
        value.encode("utf-8")  # raises on a lone surrogate, which JCS rejects
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, (list, tuple)):
        return "[" + ",".join(canonical(item) for item in value) + "]"
    if isinstance(value, dict):
        names = sorted(value, key=lambda name: name.encode("utf-16-be"))
        return "{" + ",".join(canonical(name) + ":" + canonical(value[name]) for name in names) + "}"
    raise TypeError(f"{type(value).__name__} has no JSON form")


def sign(message, kid, secret):
    """Adds kid, signedAt and sig: an HMAC-SHA256 over the label and the canonical message."""
    message = {**message, "kid": kid, "signedAt": int(time.time() * 1000)}
    covered = {name: value for name, value in message.items() if name not in ("sig", "deliveries", "parentResults", "failure")}
    text = "hardq.message.v1\n" + canonical(covered)
    digest = hmac.new(secret.encode("utf-8"), text.encode("utf-8"), hashlib.sha256).digest()
    message["sig"] = base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")
    return message


def send(r, task, args, queue="default", prefix="hardq", kwargs=None):
    """LPUSHes one message onto the queue's ready list; returns its id (a UUID: no commas)."""
    task_id = str(uuid.uuid4())
    message = {"v": 1, "id": task_id, "task": task, "args": args, "createdAt": int(time.time() * 1000)}
    if kwargs is not None:
        message["kwargs"] = kwargs
    kid, secret = os.environ.get("HARDQ_SIGNING_KEY_ID"), os.environ.get("HARDQ_SIGNING_KEY")
    if kid and secret:
        # A signed message names its queue: the worker refuses it on any other queue's list.
        message = sign({**message, "queue": queue}, kid, secret)
    r.lpush(f"{prefix}:{{{queue}}}:ready", json.dumps(message))
    return task_id


def connect(url):
    """A client for REDIS_URL: redis.Redis, or redis.cluster.RedisCluster for the cluster URL form."""
    match = re.match(r"^(rediss?)-cluster://(?:([^:@/]*)(?::([^@/]*))?@)?([^/]+?)/?$", url)
    if match is None:
        return redis.Redis.from_url(url)
    from redis.cluster import ClusterNode, RedisCluster
    from urllib.parse import unquote
    scheme, user, password, hosts = match.groups()
    nodes = []
    for node in hosts.split(","):
        host, _, port = node.strip().rpartition(":")
        if not host or not port.isdigit():
            fail(f"REDIS_URL {redacted(url)} has {node!r} where a host:port goes")
        nodes.append(ClusterNode(host.strip("[]"), int(port)))
    return RedisCluster(startup_nodes=nodes, username=unquote(user) if user else None,
                        password=unquote(password) if password else None, ssl=scheme == "rediss")


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
    queue = os.environ.get("HARDQ_QUEUE", "default")
    prefix = os.environ.get("HARDQ_PREFIX", "hardq")

    try:
        r = connect(url)
        return send_and_wait(r, task, args, queue, prefix)
    except (redis.exceptions.ConnectionError, redis.exceptions.RedisClusterException) as error:
        fail(f"cannot reach Redis at {redacted(url)} ({error})")


def send_and_wait(r, task, args, queue, prefix):
    """Sends, prints the id, waits up to 30 s and prints the result record; returns the exit code.

    Workers announce results with SPUBLISH (sharded pub/sub), which redis-py 4.3 (Debian 12)
    cannot subscribe to, so this polls the result key: every 20 ms at first, doubling to 500 ms.
    """
    task_id = send(r, task, args, queue, prefix)
    print(task_id, flush=True)

    result_key = f"{prefix}:{{{queue}}}:result:{task_id}"
    deadline, pause = time.monotonic() + 30, 0.02
    while True:
        raw = r.get(result_key)
        state = None if raw is None else json.loads(raw)["state"]
        if state in FINAL_STATES:
            print(raw.decode())
            return 0 if state == "SUCCESS" else 1
        if time.monotonic() > deadline:
            fail(f"no result for {task_id} after 30 s; is a consumer running for {queue}?")
        time.sleep(pause)
        pause = min(pause * 2, 0.5)


if __name__ == "__main__":
    sys.exit(main(sys.argv))
