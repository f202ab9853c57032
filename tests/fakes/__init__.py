"""Local emulators of the platform APIs: real HTTP on 127.0.0.1, no internet, no real tokens.

`FakeApiServer` is a threaded `http.server` that hands each request to a handler
(`SeenRequest -> Reply`) and records every request it saw, so tests can assert how many calls
a client made and with which parameters. `Reply` can also be slow (beyond the client's read
timeout) or drop the connection without answering. `script()` queues one-off replies
(throttles, errors, drops) that pre-empt the handler for the next matching requests.

`FakeClock` gives clients an injectable `now`/`sleep` pair: sleeps are recorded and advance
the clock instead of waiting.

Platform emulators (tests/fakes/meta.py, ...) build on these. A new one needs a handler
function and a fixture: see meta.py.
"""

from __future__ import annotations

import datetime as dt
import json
import pkgutil
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, urlsplit

import pytest

# Emulator modules double as pytest plugins (`pytest_plugins = ["tests.fakes.meta"]`) and are
# also imported directly by tests; registering them here keeps pytest's assertion rewriting
# (and its "already imported" warning) happy.
pytest.register_assert_rewrite(*(f"{__name__}.{module.name}" for module in pkgutil.iter_modules(__path__)))


@dataclass(frozen=True)
class SeenRequest:
    """One request as the emulator received it."""

    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: bytes

    def param(self, name: str, default: str | None = None) -> str | None:
        return self.query.get(name, default)


@dataclass
class Reply:
    """What the emulator answers. `body` is sent as JSON unless it is bytes or str.

    `delay` sleeps before answering (a slow server); `drop` closes the connection without
    sending anything (a dropped connection).
    """

    status: int = 200
    body: object = None
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0
    drop: bool = False


Handler = Callable[[SeenRequest], Reply]
Matcher = Callable[[SeenRequest], bool]


class _ThreadingServer(ThreadingHTTPServer):
    # The standard library listens with a backlog of 5: with more connections arriving at once
    # than the accept loop takes in time (benchmarks/api_pull.py opens 36 at a time), the kernel
    # drops the surplus and the client retries its SYN after a full second, a stall no platform's
    # front end causes. 128 is Linux's former SOMAXCONN default.
    request_queue_size = 128
    daemon_threads = True


class FakeApiServer:
    """A threaded HTTP server on 127.0.0.1 (random free port) routing to `handler`."""

    def __init__(self, handler: Handler) -> None:
        self.handler = handler
        self.requests: list[SeenRequest] = []
        self._scripted: list[tuple[Matcher, Reply]] = []
        self._lock = threading.Lock()
        self._httpd: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        if self._httpd is None:
            raise RuntimeError("server not started")
        host, port = self._httpd.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> FakeApiServer:
        self._httpd = _ThreadingServer(("127.0.0.1", 0), _make_request_handler(self))
        self._thread = threading.Thread(target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05},
                                        daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
            self._httpd = None

    def __enter__(self) -> FakeApiServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def script(self, *replies: Reply, when: Matcher | str | None = None) -> None:
        """The next requests matching `when` (a path substring, a predicate, or any request)
        get `replies`, one each, in order; then the handler answers again."""
        if when is None:
            matcher: Matcher = lambda request: True  # noqa: E731
        elif isinstance(when, str):
            matcher = lambda request, part=when: part in request.path  # noqa: E731
        else:
            matcher = when
        with self._lock:
            self._scripted += [(matcher, reply) for reply in replies]

    def requests_to(self, path_part: str) -> list[SeenRequest]:
        """Recorded requests whose path contains `path_part`."""
        return [r for r in self.requests if path_part in r.path]

    def _reply_for(self, request: SeenRequest) -> Reply:
        with self._lock:
            self.requests.append(request)
            for i, (matcher, reply) in enumerate(self._scripted):
                if matcher(request):
                    del self._scripted[i]
                    return reply
        return self.handler(request)


def _make_request_handler(server: FakeApiServer) -> type[BaseHTTPRequestHandler]:
    class RequestHandler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.0"  # one request per connection: no pooled-socket surprises

        def _serve(self) -> None:
            parts = urlsplit(self.path)
            length = int(self.headers.get("Content-Length") or 0)
            request = SeenRequest(
                method=self.command, path=parts.path,
                query=dict(parse_qsl(parts.query, keep_blank_values=True)),
                headers={k: v for k, v in self.headers.items()},
                body=self.rfile.read(length) if length else b"")
            try:
                reply = server._reply_for(request)
            except Exception as exc:  # a bug in an emulator handler: make it visible
                reply = Reply(500, {"emulator_error": repr(exc)})
            if reply.delay:
                time.sleep(reply.delay)
            if reply.drop:
                self.close_connection = True
                return  # nothing written: the client sees the connection closed
            if isinstance(reply.body, bytes):
                payload = reply.body
            elif isinstance(reply.body, str):
                payload = reply.body.encode()
            else:
                payload = json.dumps(reply.body).encode()
            try:
                self.send_response(reply.status)
                headers = {"Content-Type": "application/json", **reply.headers}
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)
            except OSError:
                pass  # the client already gave up (read timeout)

        do_GET = do_POST = _serve

        def log_message(self, format: str, *args: object) -> None:
            pass  # keep test output clean

    return RequestHandler


class FakeClock:
    """Injectable `now`/`sleep`: sleeping records the wait and advances the clock instantly."""

    def __init__(self, start: dt.datetime) -> None:
        self.current = start
        self.sleeps: list[float] = []

    def now(self) -> dt.datetime:
        return self.current

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.current += dt.timedelta(seconds=seconds)


def running(server: FakeApiServer) -> Iterator[FakeApiServer]:
    """Generator for fixtures: start, yield, always stop."""
    with server:
        yield server
