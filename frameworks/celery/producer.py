"""The producer: sends one task and waits for its result (the Redis result backend
SUBSCRIBEs to the task's channel for that).

    cd frameworks/celery && REDIS_URL=... /usr/bin/python3 producer.py add '[2, 3]'
"""
import json
import sys

from tasks import app

task = sys.argv[1] if len(sys.argv) > 1 else "add"
args = json.loads(sys.argv[2]) if len(sys.argv) > 2 else [2, 3]
result = app.send_task(f"tasks.{task}", args=args)
print(f"sent {task} as {result.id}")
try:
    print("result:", result.get(timeout=30))
except Exception as error:  # the task's own exception, re-raised here by Celery
    print(f"failed: {type(error).__name__}: {error}")
    sys.exit(1)
