"""One log line per request, with a request id that every log line of the request and every
audit-history entry it writes carries.

The id comes from the reverse proxy's ``X-Request-ID`` when it sends a well-formed one (so the
proxy's log and the app's agree), else it is made here; the response returns it. A job
carries the id of the request that started it (``jobs``), so the history of a report
published by the worker leads back to the click.
"""

from __future__ import annotations

import contextlib
import contextvars
import logging
import re
import time
import uuid

logger = logging.getLogger("kim_admin.request")

NO_REQUEST = "-"
_current = contextvars.ContextVar("kim_request_id", default=NO_REQUEST)
_VALID = re.compile(r"^[A-Za-z0-9._:-]{1,64}$")
HEADER = "X-Request-ID"


def current_request_id() -> str:
    return _current.get()


def new_request_id() -> str:
    return uuid.uuid4().hex


@contextlib.contextmanager
def request_id(value: str | None):
    """Run a block under a request id (a job runs under the id of its request)."""
    token = _current.set(value if value and _VALID.match(value) else new_request_id())
    try:
        yield _current.get()
    finally:
        _current.reset(token)


class RequestIdFilter(logging.Filter):
    def filter(self, record):
        record.request_id = _current.get()
        return True


class RequestLogMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        incoming = request.headers.get(HEADER, "")
        with request_id(incoming if _VALID.match(incoming) else None) as rid:
            request.request_id = rid
            started = time.perf_counter()
            response = self.get_response(request)
            response[HEADER] = rid
            user = getattr(request, "user", None)
            name = user.get_username() if user is not None and user.is_authenticated else "-"
            logger.info(
                '%s "%s %s" %s %.0f ms user=%s',
                request.META.get("REMOTE_ADDR", "-"),
                request.method,
                request.get_full_path()[:300],
                response.status_code,
                (time.perf_counter() - started) * 1000,
                name,
            )
            return response
