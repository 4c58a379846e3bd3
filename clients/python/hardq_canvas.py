"""Build and send hardq canvases (chain, group, chord) from Python; needs only redis-py.

The signatures are the JSON of docs/PROTOCOL.md ("Canvas"), the same objects the
TypeScript producer builds, with every id and queue fixed here:

    from hardq_canvas import signature, chain, group, chord, send_canvas
    add, total = signature("add", [2, 2]), signature("sum", [])
    ids = send_canvas(r, chord([add, signature("add", [3, 3])], total))
    # ids["result"] is the body's task id; its result key is <prefix>:{<queue>}:result:<id>

A chain goes out as its first message with the rest in its "chain" field; a group as one
LPUSH per queue; a chord (or a chain that starts with a group) as one message of the
built-in task hardq.start, whose worker creates the chord's bookkeeping and sends its
header in the same atomic step that acknowledges it, so Python needs no Lua.

With HARDQ_SIGNING_KEY_ID and HARDQ_SIGNING_KEY set (or signing=(key id, secret) given to
send_canvas), every message sent is signed as hardq_producer.py signs one, over the whole
envelope, its "chain" and callbacks included, so workers with `require` run it. The steps
after it are built and signed by the worker that acknowledges each one (it holds the keys).
"""
import json, os, time, uuid

START_TASK = "hardq.start"


def signature(task, args, queue="default", immutable=False, kwargs=None, countdown_ms=None, link=None, link_error=None):
    """A task signature: add.s(2, 2) in TypeScript. immutable=True is add.si(...)."""
    sig = {"type": "task", "task": task, "args": list(args), "options": {"queue": queue, "taskId": str(uuid.uuid4())}}
    if kwargs is not None:
        sig["kwargs"] = kwargs
    if countdown_ms:
        sig["options"]["countdownMs"] = countdown_ms
    if immutable:
        sig["immutable"] = True
    if link:
        sig["link"] = list(link)
    if link_error:
        sig["linkError"] = list(link_error)
    return sig


def _as_chain(node):
    """(first step, rest) of a node: a chain flattens; a group followed by a step is a chord."""
    steps = node["steps"] if node.get("type") == "chain" else [node]
    out = []
    for i, step in enumerate(steps):
        if step.get("type") == "group" and i + 1 < len(steps):
            out.append(chord(step["members"], {"type": "chain", "steps": steps[i + 1:]}))
            break
        out.append(_step(step))
    return out[0], out[1:]


def _step(node):
    if node["type"] == "task" or node["type"] == "chord":
        return node
    if node["type"] == "group":
        return {"type": "group", "id": node["id"], "members": [m if "first" in m else _member(m) for m in node["members"]]}
    raise ValueError("a chain inside a chain step: flatten it")


def _member(node):
    first, rest = _as_chain(node)
    return {"first": first, "chain": rest} if rest else {"first": first}


def chain(*steps):
    return {"type": "chain", "steps": list(steps)}


def group(members):
    return {"type": "group", "id": str(uuid.uuid4()), "members": [_member(m) if "first" not in m else m for m in members]}


def chord(header, body, allow_failures=False):
    """A group and a body: the body gets the list of header results first."""
    members = header["members"] if isinstance(header, dict) else [_member(m) for m in header]
    first, rest = _as_chain(body)
    if first["type"] != "task":
        raise ValueError("a chord body must start with a task")
    node = {"type": "chord", "id": str(uuid.uuid4()), "header": [m if "first" in m else _member(m) for m in members], "body": first}
    if rest:
        node["bodyChain"] = rest
    if allow_failures:
        node["allowFailures"] = True
    return node


def _message(sig, rest):
    message = {"v": 2 if rest or sig.get("link") or sig.get("linkError") else 1, "id": sig["options"]["taskId"], "task": sig["task"],
               "args": sig["args"], "queue": sig["options"]["queue"], "createdAt": int(time.time() * 1000)}
    for field, key in (("kwargs", "kwargs"), ("link", "link"), ("linkError", "linkError")):
        if sig.get(key):
            message[field] = sig[key]
    if rest:
        message["chain"] = rest
    return message


def _last_id(step):
    """The task id whose result is the canvas's result."""
    if step["type"] == "task":
        return step["options"]["taskId"]
    if step["type"] == "chord":
        return _last_id((step.get("bodyChain") or [step["body"]])[-1])
    return step["id"]


def _signed(message, signing):
    """The message signed with (key id, secret), else with the environment's key, else as it is."""
    kid, secret = signing or (os.environ.get("HARDQ_SIGNING_KEY_ID"), os.environ.get("HARDQ_SIGNING_KEY"))
    if not (kid and secret):
        return message
    from hardq_producer import sign  # the one signing code of the Python client
    return sign(message, kid, secret)


def send_canvas(r, node, prefix="hardq", signing=None):
    """Sends a canvas; returns {"result": the id of its result (a group's id for a group)}."""
    first, rest = _as_chain(node)
    last = (rest or [first])[-1]
    if first["type"] == "task":
        messages = [(first["options"]["queue"], _message(first, rest))]
    elif first["type"] == "group" and not rest:
        messages = []
        for member in first["members"]:
            head = member["first"]
            if head["type"] != "task":
                return send_canvas(r, {"type": "chain", "steps": [signature(START_TASK, [], immutable=True), first]}, prefix, signing)
            messages.append((head["options"]["queue"], _message(head, member.get("chain", []))))
    else:
        start = signature(START_TASK, [], queue=first["body"]["options"]["queue"], immutable=True)
        messages = [(start["options"]["queue"], _message(start, [first] + rest))]
    by_queue = {}
    for queue, message in messages:
        by_queue.setdefault(queue, []).append(json.dumps(_signed(message, signing)))
    for queue, raws in by_queue.items():
        r.lpush(f"{prefix}:{{{queue}}}:ready", *raws)
    return {"result": _last_id(last)}
