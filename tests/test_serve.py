"""The live preview (diglot.serve): no rebuild error stops it.

The watcher against a copy of the project, and ``build.py serve`` in a subprocess, recovering
from a broken template and configuration.
"""

from __future__ import annotations

import http.client
import logging
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

from diglot import serve
from diglot.config import load_config
from diglot.errors import DiglotError
from diglot.serve import EVENTS_PATH, watch_and_rebuild

REPO = Path(__file__).resolve().parents[1]
SLUG = "igf-2018-cybersecurity"


# --- the watcher ---------------------------------------------------------------------------------

def test_no_rebuild_error_stops_the_watcher(project_copy, caplog):
    caplog.set_level(logging.DEBUG, logger="diglot.serve")
    config = load_config(project_copy)
    source = config.source_dir / f"{SLUG}.md"
    calls = []

    def rebuild():
        calls.append(time.monotonic())
        if len(calls) == 1:
            raise DiglotError("the first rebuild fails", source, 3)
        if len(calls) == 2:
            raise RuntimeError("the second rebuild\nhas a bug")

    reloads = serve._Reloads()
    stop = threading.Event()
    watcher = threading.Thread(target=watch_and_rebuild, args=(config, rebuild, reloads, stop), daemon=True)
    watcher.start()
    try:
        for expected in (1, 2, 3):
            deadline = time.monotonic() + 60
            while len(calls) < expected:  # until the watcher (watching once it has started) sees an edit
                assert time.monotonic() < deadline, f"no rebuild {expected} after editing {source.name}"
                source.write_text(source.read_text(encoding="utf-8") + "\n", encoding="utf-8")
                waited = time.monotonic() + 5
                while len(calls) < expected and time.monotonic() < waited:
                    time.sleep(0.05)
            assert watcher.is_alive()
        while reloads.generation == 0:  # the third rebuild succeeds: open pages are told
            assert time.monotonic() < deadline, "no reload after the successful rebuild"
            time.sleep(0.05)
        assert reloads.generation == 1  # and only it: the failed ones reloaded nothing
        said = [r for r in caplog.records if r.name == "diglot.serve"]
        errors = [r for r in said if r.levelno == logging.ERROR]
        assert str(source) + ":3: the first rebuild fails" in errors[0].getMessage()
        internal = errors[1].getMessage()
        assert "internal error" in internal and "RuntimeError: the second rebuild has a bug" in internal
        assert "\n" not in internal and errors[1].exc_info is None  # one line; the traceback is at debug level
        assert any(r.levelno == logging.DEBUG and r.exc_info for r in said)
    finally:
        stop.set()
        watcher.join(15)
    assert not watcher.is_alive()
    assert len(calls) == 3


# --- build.py serve ------------------------------------------------------------------------------

def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _page(port: int, path: str) -> str | None:
    try:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        connection.request("GET", path)
        response = connection.getresponse()
        text = response.read().decode("utf-8")
        connection.close()
        return text if response.status == 200 else None
    except OSError:
        return None


def _until(what: str, check, deadline: float, proc):
    """check() until it is true; a hang guard, not a timing assertion."""
    while True:
        result = check()
        if result:
            return result
        assert proc.poll() is None, f"serve exited (code {proc.returncode}) before {what}"
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.25)


def test_serve_rebuilds_what_was_fixed_after_an_internal_error(project_copy, tmp_path):
    port = _free_port()
    log = tmp_path / "serve.log"
    template = project_copy / "templates" / "web" / "page.html.j2"
    original = template.read_text(encoding="utf-8")
    assert "</main>" in original
    page = f"/en/{SLUG}.html"
    with log.open("w") as out:
        proc = subprocess.Popen([sys.executable, str(REPO / "build.py"), "-C", str(project_copy), "serve",
                                 "--port", str(port), "--format", "html"],
                                cwd=project_copy, stdout=out, stderr=subprocess.STDOUT,
                                env={**os.environ, "PYTHONPATH": str(REPO)})
    try:
        deadline = time.monotonic() + 120
        first = _until("the first page", lambda: _page(port, page), deadline, proc)
        assert "__diglot/events" in first
        # A template that raises what Diglot does not expect: an internal error, not a DiglotError.
        template.write_text(original.replace("</main>", "{{ 1 // (lang|length - lang|length) }}</main>", 1),
                            encoding="utf-8")
        _until("the rebuild's error", lambda: "internal error while rebuilding: ZeroDivisionError"
               in log.read_text(encoding="utf-8"), deadline, proc)
        with socket.create_connection(("127.0.0.1", port), timeout=30) as stream:
            stream.sendall(f"GET {EVENTS_PATH} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
                           f"Origin: http://127.0.0.1:{port}\r\n\r\n".encode())
            template.write_text(original.replace("</main>", "<p>FIXED-AFTER-ERROR</p></main>", 1),
                                encoding="utf-8")
            fixed = _until("the fixed page", lambda: (text := _page(port, page)) and "FIXED-AFTER-ERROR" in text
                           and text, deadline, proc)
            assert "__diglot/events" in fixed
            received = b""
            while b"event: reload" not in received:  # the open page is told
                chunk = stream.recv(4096)
                assert chunk, "the reload channel closed without a reload"
                received += chunk
        # The configuration is read again for each rebuild: broken, then changed, as pyproject.toml is now.
        pyproject = project_copy / "pyproject.toml"
        settings = pyproject.read_text(encoding="utf-8")
        assert settings.rstrip().endswith('formats = ["html", "pdf", "epub"]')  # [tool.diglot] is the last table
        pyproject.write_text(settings + "toc_depth = [\n", encoding="utf-8")
        _until("the configuration's error", lambda: re.search(r"pyproject\.toml(:\d+)?: invalid TOML",
                                                              log.read_text(encoding="utf-8")), deadline, proc)
        pyproject.write_text(settings + 'base_url = "https://example.org/preview/"\n', encoding="utf-8")
        _until("the new base_url", lambda: 'href="https://example.org/preview/' in (_page(port, page) or ""),
               deadline, proc)
        assert proc.poll() is None
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(10)
    said = log.read_text(encoding="utf-8")
    assert "Traceback" not in said, said
    assert re.search(r"^ERROR: internal error while rebuilding: ZeroDivisionError: .*still watching$", said, re.M)
