"""Lesson 1 in Django: the same registration two ways, in one file (settings, views, URLs).

    /usr/bin/python3 scripts/workshop/django/offload_site.py runserver 127.0.0.1:8001 --noreload

POST /register-blocking sends the welcome email inline (a 1 s sleep stands for SMTP) and
answers 201; POST /register sends the task send_registration_email to hardq's queue
"emails" through the shipped Python producer (clients/python/hardq_producer.py) and answers
202 with its id; GET /tasks/<id> reads its state. A hardq worker in TypeScript sends the
email: npm run hardq -- worker -A scripts/workshop/offload-app.ts. REDIS_URL (default
redis://127.0.0.1:6379) is the Redis both sides use.
"""
import json, os, sys, time
from pathlib import Path

# The Python producer ships as a file, not a package: import it from the repository.
sys.path.insert(0, str(Path(__file__).resolve().parents[3] / "clients" / "python"))

try:
    import django
except ImportError:
    print("the Django variant needs Django: sudo apt-get install -y python3-django "
          "(macOS: python3 -m pip install --user django)", file=sys.stderr)
    sys.exit(2)
import hardq_producer
from django.conf import settings
from django.http import JsonResponse
from django.urls import path

QUEUE = "emails"  # scripts/workshop/offload-app.ts's default queue
PREFIX = os.environ.get("HARDQ_PREFIX", "hardq")
EMAIL_SECONDS = 1.0  # the same ~1 s as offload-app.ts's emailMs

settings.configure(
    DEBUG=False,
    SECRET_KEY="workshop-only, never deployed",
    ROOT_URLCONF=__name__,
    ALLOWED_HOSTS=["127.0.0.1", "localhost"],
    # No CSRF or session middleware: the load script posts JSON without a form or a cookie.
    MIDDLEWARE=[],
    INSTALLED_APPS=[],
)
# runserver listens with socketserver's backlog of 5: 20 clients connecting at once would see
# dropped SYNs, retried after a second, which is no part of what the lesson measures.
from django.core.servers.basehttp import WSGIServer
WSGIServer.request_queue_size = 128

redis_client = hardq_producer.connect(os.environ.get("REDIS_URL", "redis://127.0.0.1:6379"))


def send_welcome_email(address):
    """Stands for the SMTP conversation: about a second."""
    time.sleep(EMAIL_SECONDS)


def email_of(request):
    """The body's "email", or a made-up address when there is no body; None when it is bad."""
    if not request.body.strip():
        return f"user-{os.urandom(4).hex()}@example.com"
    try:
        email = json.loads(request.body).get("email")
    except (ValueError, AttributeError):
        return None
    return email if isinstance(email, str) and "@" in email else None


def bad_request():
    return JsonResponse({"error": 'send {"email": "ada@example.com"} or nothing'}, status=400)


def register_blocking(request):
    email = email_of(request) if request.method == "POST" else None
    if email is None:
        return bad_request()
    # The user waits for the mail server: the response leaves only after the email.
    send_welcome_email(email)
    return JsonResponse({"registered": email, "emailSent": True}, status=201)


def register(request):
    email = email_of(request) if request.method == "POST" else None
    if email is None:
        return bad_request()
    # One LPUSH onto hardq's queue; the TypeScript worker sends the email after we answer.
    try:
        task_id = hardq_producer.send(redis_client, "send_registration_email", [email], queue=QUEUE, prefix=PREFIX)
    except hardq_producer.redis.exceptions.ConnectionError as error:
        return JsonResponse({"error": f"cannot reach Redis ({error}); is REDIS_URL right?"}, status=503)
    # If we crash here: the message is queued and the email goes out, but the client never
    # hears 202; if it registers again, that user gets two emails.
    return JsonResponse({"registered": email, "taskId": task_id, "status": f"/tasks/{task_id}"}, status=202)


def task_state(request, task_id):
    # The result key as hardq_producer.send_and_wait reads it (docs/PROTOCOL.md lists it).
    raw = redis_client.get(f"{PREFIX}:{{{QUEUE}}}:result:{task_id}")
    record = json.loads(raw) if raw else {"state": "PENDING"}
    body = {"taskId": task_id, "state": record["state"]}
    if record["state"] == "SUCCESS":
        body["result"] = record.get("value")
    return JsonResponse(body)


urlpatterns = [
    path("register-blocking", register_blocking),
    path("register", register),
    path("tasks/<str:task_id>", task_state),
]

if __name__ == "__main__":
    from django.core.management import execute_from_command_line
    execute_from_command_line(sys.argv)
