"""Live preview: serve ``output/`` on this computer, rebuild on change, reload the open page.

The reload script is injected into served HTML responses only; the files in
``output/`` stay self-contained and script-free.

The server answers GET and HEAD of files whose real path is inside ``output/``: no ``..`` (plain
or percent-encoded), no backslash or NUL, no hidden file (``output/.diglot/``), nothing a symbolic
link leads to outside the folder, a folder's ``index.html`` and never a listing. A request with a
body, more than MAX_HEADERS header lines or MAX_HEADER_BYTES of them, or a head not sent within
HEAD_SECONDS is refused. Bound to a loopback address (the default), it answers only requests
that name a loopback host (a DNS rebinding page names its own), and the reload channel only
pages of its own origin, at most MAX_STREAMS at a time.
"""

from __future__ import annotations

import ipaddress
import logging
import mimetypes
import os
import socket
import stat
import threading
import time
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import quote, unquote_to_bytes

from .errors import DiglotError

log = logging.getLogger("diglot.serve")

EVENTS_PATH = "/__diglot/events"

#: Bounds on a request (README, "Everyday commands"): what a client may send before it is answered.
MAX_HEADERS = 64
MAX_HEADER_BYTES = 32 * 1024
#: Seconds a client has to send its request line and headers, all of them: one byte every few
#: seconds (slowloris) does not keep a thread.
HEAD_SECONDS = 10
#: Seconds each write of a response may wait for the client to read.
SEND_SECONDS = 30
#: Open reload channels (one per open page) and connections in all, each a thread.
MAX_STREAMS = 32
MAX_CONNECTIONS = 96
#: A reload channel says something this often, so a closed page's thread learns it is gone.
KEEP_ALIVE_SECONDS = 15

LOOPBACK_NAMES = ("localhost", "127.0.0.1", "[::1]")

_TYPES = {".html": "text/html; charset=utf-8", ".css": "text/css; charset=utf-8", ".xml": "application/xml",
          ".pdf": "application/pdf", ".epub": "application/epub+zip", ".png": "image/png",
          ".svg": "image/svg+xml", ".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".gif": "image/gif",
          ".webp": "image/webp", ".txt": "text/plain; charset=utf-8", ".json": "application/json",
          ".xlf": "application/xml", ".po": "text/plain; charset=utf-8"}


def reload_script(generation: int) -> bytes:
    """What a served page runs: reload when a build after ``generation`` (the page's) succeeded."""
    return ("<script>new EventSource('" + EVENTS_PATH + "?since=" + str(generation) + "')"
            ".addEventListener('reload', function () { location.reload(); });</script>").encode()


class _Reloads:
    """A generation counter; each waiting browser connection is told when it moves."""

    def __init__(self, max_streams: int = MAX_STREAMS):
        self.generation = 0
        self.closed = False
        self._changed = threading.Condition()
        self._streams = threading.BoundedSemaphore(max_streams)

    def bump(self) -> None:
        with self._changed:
            self.generation += 1
            self._changed.notify_all()

    def close(self) -> None:
        """End every reload channel (the server stops)."""
        with self._changed:
            self.closed = True
            self._changed.notify_all()

    def wait_past(self, generation: int, timeout: float) -> int | None:
        """The generation once it is not ``generation`` or ``timeout`` passed; None once closed."""
        with self._changed:
            self._changed.wait_for(lambda: self.closed or self.generation != generation, timeout=timeout)
            return None if self.closed else self.generation

    def open_stream(self) -> bool:
        return self._streams.acquire(blocking=False)

    def close_stream(self) -> None:
        self._streams.release()


class _HeadReader:
    """The connection's input, with one deadline for a request's line and headers together: the
    socket's timeout alone restarts with every byte that arrives."""

    def __init__(self, rfile, sock: socket.socket):
        self._rfile, self._sock = rfile, sock
        self._deadline = time.monotonic() + HEAD_SECONDS

    def start(self, seconds: float) -> None:
        self._deadline = time.monotonic() + seconds

    def readline(self, limit: int = -1) -> bytes:
        line = bytearray()
        while limit < 0 or len(line) < limit:
            remaining = self._deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError(f"the request's head was not sent within {HEAD_SECONDS} s")
            self._sock.settimeout(remaining)
            chunk = self._rfile.peek(1)  # what is buffered, or one read of the socket
            if not chunk:
                break
            take = len(chunk) if limit < 0 else min(len(chunk), limit - len(line))
            end = chunk.find(b"\n", 0, take)
            if end >= 0:
                take = end + 1
            line += self._rfile.read(take)
            if end >= 0:
                break
        return bytes(line)

    def __getattr__(self, name):
        return getattr(self._rfile, name)


class _Handler(BaseHTTPRequestHandler):
    """GET and HEAD of output/, one request per connection (HTTP/1.0)."""

    server_version = "Diglot"
    sys_version = ""
    timeout = SEND_SECONDS
    reloads: _Reloads
    root: str  # the output folder's real path
    hosts: frozenset[str] | None  # the Host names answered; None: any (bound beyond loopback)

    def setup(self) -> None:
        super().setup()
        self.rfile = _HeadReader(self.rfile, self.connection)

    def handle_one_request(self) -> None:
        self.rfile.start(HEAD_SECONDS)
        try:
            super().handle_one_request()
        except OSError as exc:  # the client went away (a reset, a timeout while writing)
            log.debug("%s: %s", self.address_string(), exc)
            self.close_connection = True

    def log_message(self, fmt, *args) -> None:
        log.debug("%s - %s", self.address_string(), fmt % args)

    def parse_request(self) -> bool:
        if not super().parse_request():
            return False
        self.connection.settimeout(self.timeout)  # the head is in: the deadline was for it
        self.close_connection = True
        refused = self._refusal()
        if refused is not None:
            self.send_error(*refused)
            return False
        return True

    def _refusal(self) -> tuple[int, str] | None:
        """Why the request is not answered, or None."""
        headers = self.headers
        if len(headers) > MAX_HEADERS or sum(len(k) + len(v) + 4 for k, v in headers.items()) > MAX_HEADER_BYTES:
            return HTTPStatus.REQUEST_HEADER_FIELDS_TOO_LARGE, "Too many or too large headers"
        lengths = headers.get_all("Content-Length") or []
        if "Transfer-Encoding" in headers or any(v.strip() not in ("", "0") for v in lengths):
            if not all(v.strip().isdigit() for v in lengths):
                return HTTPStatus.BAD_REQUEST, "Bad Content-Length"
            return HTTPStatus.REQUEST_ENTITY_TOO_LARGE, "No request body is accepted"
        hosts = headers.get_all("Host") or []
        if len(hosts) > 1:
            return HTTPStatus.BAD_REQUEST, "More than one Host header"
        if hosts and self.hosts is not None and _host_name(hosts[0]) not in self.hosts:
            return HTTPStatus.FORBIDDEN, "Not a name of this computer"  # DNS rebinding
        return None

    def do_GET(self) -> None:
        self._answer(body=True)

    def do_HEAD(self) -> None:
        self._answer(body=False)

    def _refuse_method(self) -> None:
        self.send_response(HTTPStatus.METHOD_NOT_ALLOWED)
        self.send_header("Allow", "GET, HEAD")
        self.send_header("Content-Length", "0")
        self.send_header("Connection", "close")
        self.end_headers()

    do_POST = do_PUT = do_DELETE = do_PATCH = do_OPTIONS = do_CONNECT = do_TRACE = _refuse_method

    def _answer(self, body: bool) -> None:
        target = self.path.split("#", 1)[0]
        path, _, query = target.partition("?")
        if path == EVENTS_PATH:
            self._events(query, body)
            return
        found = self._file(path)
        if found is None:
            self.send_error(HTTPStatus.NOT_FOUND)
            return
        if isinstance(found, str):
            self.send_response(HTTPStatus.MOVED_PERMANENTLY)
            self.send_header("Location", found)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        handle, real = found
        with handle:
            self._send_file(handle, real, body)

    def _file(self, path: str):
        """(open binary file, its real path) for the file ``path`` names inside output/; a
        folder's address with its final slash (str) to redirect to; or None: nothing to serve."""
        if not path.startswith("/"):
            return None  # absolute-form (a proxy's request) or garbage
        try:
            text = unquote_to_bytes(path).decode("utf-8")
        except UnicodeDecodeError:
            return None
        if "\x00" in text or "\\" in text:
            return None
        parts = [part for part in text.split("/") if part]
        if any(part.startswith(".") for part in parts):  # "..", ".", output/.diglot/, temporary files
            return None
        try:
            real = os.path.realpath(os.path.join(self.root, *parts))
            if real != self.root and not real.startswith(self.root + os.sep):  # a link out of output/
                return None
            if os.path.isdir(real):
                if not text.endswith("/"):
                    return "/" + "".join(quote(part) + "/" for part in parts)
                real = os.path.realpath(os.path.join(real, "index.html"))  # no listing: index.html or nothing
                if not real.startswith(self.root + os.sep):
                    return None
            elif text.endswith("/"):
                return None
            fd = os.open(real, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC)
        except OSError:
            return None
        handle = os.fdopen(fd, "rb")
        if not stat.S_ISREG(os.fstat(fd).st_mode):  # a folder, a FIFO, a device
            handle.close()
            return None
        return handle, real

    def _send_file(self, handle, real: str, body: bool) -> None:
        suffix = os.path.splitext(real)[1].lower()
        content_type = _TYPES.get(suffix) or mimetypes.guess_type(real)[0] or "application/octet-stream"
        size = os.fstat(handle.fileno()).st_size
        data = None
        if suffix == ".html":
            data = handle.read()
            marker = data.rfind(b"</body>")
            script = reload_script(self.reloads.generation)
            data = data[:marker] + script + data[marker:] if marker >= 0 else data + script
            size = len(data)
        self.send_response(HTTPStatus.OK)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(size))
        self.send_header("Cache-Control", "no-store")
        self.send_header("X-Content-Type-Options", "nosniff")
        self.end_headers()
        if not body:
            return
        if data is not None:
            self.wfile.write(data)
            return
        while chunk := handle.read(1 << 16):
            self.wfile.write(chunk)

    def _events(self, query: str, body: bool) -> None:
        origin = self.headers.get("Origin")
        if origin is not None and not self._own_origin(origin):
            self.send_error(HTTPStatus.FORBIDDEN, "Not a page of this server")
            return
        if not self.reloads.open_stream():
            self.send_error(HTTPStatus.SERVICE_UNAVAILABLE, f"More than {MAX_STREAMS} pages open")
            return
        try:
            self.send_response(HTTPStatus.OK)
            self.send_header("Content-Type", "text/event-stream")
            self.send_header("Cache-Control", "no-store")
            self.end_headers()
            self.wfile.flush()
            if not body:
                return
            since = query.removeprefix("since=")
            generation = int(since) if since.isdigit() and len(since) < 12 else self.reloads.generation
            while True:
                new = self.reloads.wait_past(generation, timeout=KEEP_ALIVE_SECONDS)
                if new is None:
                    return
                message = b"event: reload\ndata: now\n\n" if new != generation else b": keep-alive\n\n"
                generation = new
                self.wfile.write(message)
                self.wfile.flush()
        except OSError:  # the page was closed or reloaded
            return
        finally:
            self.reloads.close_stream()

    def _own_origin(self, origin: str) -> bool:
        """Whether ``origin`` is this server's: the Host the request names (already checked), or a
        loopback name with the port it listens on."""
        origin = origin.strip().lower()
        host = self.headers.get("Host")
        if host is not None and origin == f"http://{host.strip().lower()}":
            return True
        port = self.server.server_address[1]
        names = self.hosts if self.hosts is not None else LOOPBACK_NAMES
        return any(origin in (f"http://{name}:{port}", f"http://{name}" if port == 80 else None) for name in names)


def _host_name(host: str) -> str:
    """The name part of a Host header (no port), lower case, without a final dot."""
    host = host.strip().lower()
    if host.startswith("["):
        name = host.split("]", 1)[0] + "]"
    else:
        name = host.rsplit(":", 1)[0] if host.count(":") == 1 else host
    return name.rstrip(".")


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False  # stopping waits for no page
    reloads: _Reloads

    def __init__(self, address, handler, reloads: _Reloads, max_connections: int = MAX_CONNECTIONS):
        self.reloads = reloads  # before binding: a port in use closes the server at once
        self._slots = threading.BoundedSemaphore(max_connections)
        super().__init__(address, handler)

    def process_request(self, request, client_address) -> None:
        if not self._slots.acquire(blocking=False):  # every thread is taken: drop, do not queue
            self.shutdown_request(request)
            return
        try:
            super().process_request(request, client_address)
        except BaseException:
            self._slots.release()
            raise

    def process_request_thread(self, request, client_address) -> None:
        try:
            super().process_request_thread(request, client_address)
        finally:
            self._slots.release()

    def handle_error(self, request, client_address) -> None:
        log.debug("request from %s failed", client_address, exc_info=True)

    def server_close(self) -> None:
        self.reloads.close()
        super().server_close()


class _Server6(_Server):
    address_family = socket.AF_INET6


def is_private(server: ThreadingHTTPServer) -> bool:
    """Whether ``server`` listens on a loopback address only (this computer)."""
    try:
        return ipaddress.ip_address(server.server_address[0]).is_loopback
    except ValueError:
        return False


def make_server(output_dir: Path, host: str, port: int) -> tuple[ThreadingHTTPServer, _Reloads]:
    reloads = _Reloads(MAX_STREAMS)
    root = os.path.realpath(output_dir)
    attrs = {"reloads": reloads, "root": root, "hosts": None}
    handler = type("DiglotHandler", (_Handler,), attrs)
    server_class = _Server6 if ":" in host else _Server
    try:
        server = server_class((host, port), handler, reloads, MAX_CONNECTIONS)
    except OSError as exc:
        raise DiglotError(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from None
    if is_private(server):  # names a browser may give this computer; a rebinding page gives its own
        bound = (host.lower(), server.server_address[0])
        handler.hosts = frozenset({*LOOPBACK_NAMES, *(f"[{name}]" if ":" in name else name for name in bound)})
    return server, reloads


#: How often (ms) the watcher wakes with nothing changed: the first wake says it is watching.
WATCH_WAKE_MS = 100


def watch_and_rebuild(config, rebuild, reloads: _Reloads, stop: threading.Event,
                      watching: threading.Event | None = None, built: threading.Event | None = None) -> None:
    """Rebuild when a source, catalogue, template or the configuration changes.

    ``watching`` is set once changes are being seen; a change seen before ``built`` is set (the
    preview's first build, started once watching, so that no edit made meanwhile is lost) is built
    after it. No rebuild error ends the watching: each is said in one line and the next change is
    built again; only a build that succeeded reloads the open pages."""
    from watchfiles import watch

    paths = [p for p in (config.source_dir, config.templates_dir, config.translations_dir,
                         config.root / "pyproject.toml") if p.exists()]
    try:
        for changes in watch(*paths, stop_event=stop, yield_on_timeout=True, rust_timeout=WATCH_WAKE_MS):
            if watching is not None:
                watching.set()
            if not changes:
                continue
            if built is not None:
                built.wait()
            log.info("changed: %s", ", ".join(sorted({Path(p).name for _, p in changes})))
            started = time.perf_counter()
            if _rebuilt(rebuild):
                reloads.bump()
                log.info("rebuilt in %.1f s; open pages reload", time.perf_counter() - started)
    except Exception as exc:  # noqa: BLE001 - the watching itself failed (a watched folder removed …)
        log.error("no longer watching for changes (%s: %s); restart the preview", type(exc).__name__, exc)
        log.debug("the watcher's traceback", exc_info=True)


def _rebuilt(rebuild) -> bool:
    """Run ``rebuild``; say why it failed, if it did, in one line (the traceback only with -v)."""
    try:
        rebuild()
    except DiglotError as exc:
        log.error("%s", exc)
    except OSError as exc:  # a full disk, a read-only folder: what was refused, and where
        path = exc.filename2 if exc.filename2 is not None else exc.filename
        reason = exc.strerror or str(exc)
        log.error("%s", reason if path is None else f"{path}: {reason}")
    except Exception as exc:  # noqa: BLE001 - a bug must not stop the preview
        log.error("internal error while rebuilding: %s: %s (a bug in Diglot, please report it; run with "
                  "--verbose for the traceback); still watching", type(exc).__name__, " ".join(str(exc).split()))
        log.debug("the rebuild's traceback", exc_info=True)
    else:
        return True
    return False
