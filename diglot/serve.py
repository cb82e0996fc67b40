"""Live preview: serve ``output/`` on localhost, rebuild on change, reload the open page.

The reload script is injected into served HTML responses only; the files in
``output/`` stay self-contained and script-free.
"""

from __future__ import annotations

import logging
import threading
import time
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from .errors import DiglotError

log = logging.getLogger("diglot.serve")

EVENTS_PATH = "/__diglot/events"
RELOAD_SCRIPT = (
    "<script>new EventSource('" + EVENTS_PATH + "').addEventListener('reload', function () {"
    " location.reload(); });</script>"
).encode()


class _Reloads:
    """A generation counter; each waiting browser connection is told when it moves."""

    def __init__(self):
        self.generation = 0
        self._changed = threading.Condition()

    def bump(self) -> None:
        with self._changed:
            self.generation += 1
            self._changed.notify_all()

    def wait_past(self, generation: int, timeout: float) -> int:
        with self._changed:
            self._changed.wait_for(lambda: self.generation != generation, timeout=timeout)
            return self.generation


class _Handler(SimpleHTTPRequestHandler):
    reloads: _Reloads

    def log_message(self, fmt, *args) -> None:
        log.debug("%s - %s", self.address_string(), fmt % args)

    def do_GET(self) -> None:
        if self.path == EVENTS_PATH:
            self._events()
            return
        path = Path(self.translate_path(self.path))
        if path.is_dir():
            path = path / "index.html"
        if path.suffix == ".html" and path.is_file():
            self._html(path)
            return
        super().do_GET()

    def _html(self, path: Path) -> None:
        body = path.read_bytes()
        marker = body.rfind(b"</body>")
        body = body[:marker] + RELOAD_SCRIPT + body[marker:] if marker >= 0 else body + RELOAD_SCRIPT
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        self.wfile.write(body)

    def _events(self) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        generation = self.reloads.generation
        try:
            while True:
                new = self.reloads.wait_past(generation, timeout=15)
                message = b"event: reload\ndata: now\n\n" if new != generation else b": keep-alive\n\n"
                generation = new
                self.wfile.write(message)
                self.wfile.flush()
        except (BrokenPipeError, ConnectionResetError):
            return


def make_server(output_dir: Path, host: str, port: int) -> tuple[ThreadingHTTPServer, _Reloads]:
    reloads = _Reloads()
    handler = type("DiglotHandler", (_Handler,), {"reloads": reloads})
    try:
        server = ThreadingHTTPServer((host, port), partial(handler, directory=str(output_dir)))
    except OSError as exc:
        raise DiglotError(f"cannot listen on {host}:{port}: {exc.strerror}") from None
    server.daemon_threads = True
    return server, reloads


def watch_and_rebuild(config, rebuild, reloads: _Reloads, stop: threading.Event) -> None:
    """Rebuild when a source, catalogue, template or the configuration changes.

    No rebuild error ends the watching: each is said in one line and the next change is built
    again; only a build that succeeded reloads the open pages."""
    from watchfiles import watch

    paths = [p for p in (config.source_dir, config.templates_dir, config.translations_dir,
                         config.root / "pyproject.toml") if p.exists()]
    try:
        for changes in watch(*paths, stop_event=stop):
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
