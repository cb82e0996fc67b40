"""The live preview (diglot.serve): what it serves and refuses, and that no rebuild error stops it.

A real server on 127.0.0.1 (port 0) in a thread, asked with raw sockets and http.client; the
watcher against a copy of the project; and ``build.py serve`` in a subprocess, recovering from a
broken template.
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
from contextlib import contextmanager
from pathlib import Path

import pytest

from diglot import serve
from diglot.config import load_config
from diglot.errors import DiglotError
from diglot.serve import EVENTS_PATH, make_server, watch_and_rebuild

REPO = Path(__file__).resolve().parents[1]
SLUG = "igf-2018-cybersecurity"
SECRET = b"SECRET-OUTSIDE-OUTPUT"
PAGE = b"<!DOCTYPE html>\n<html><head><title>t</title></head><body><p>page</p></body></html>\n"


# --- a server on a small output/ ---------------------------------------------------------------

@pytest.fixture
def output(tmp_path) -> Path:
    """output/ with pages, a stylesheet, a folder without index.html, Diglot's bookkeeping and, beside
    it, a secret file and folder that nothing may serve."""
    out = tmp_path / "output"
    (out / "en").mkdir(parents=True)
    (out / "empty").mkdir()
    (out / ".diglot").mkdir()
    (out / "index.html").write_bytes(PAGE)
    (out / "en" / "index.html").write_bytes(PAGE.replace(b"page", b"english"))
    (out / "en" / "site.css").write_bytes(b"body { color: black }\n")
    (out / ".diglot" / "manifest.json").write_bytes(b"{}")
    (tmp_path / "secret.txt").write_bytes(SECRET)
    (tmp_path / "secret").mkdir()
    (tmp_path / "secret" / "index.html").write_bytes(SECRET)
    return out


@contextmanager
def running(folder: Path):
    server, reloads = make_server(folder, "127.0.0.1", 0)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield server, reloads
    finally:
        server.shutdown()
        server.server_close()
        thread.join(10)


@pytest.fixture
def server(output):
    with running(output) as (server, reloads):
        yield server


def raw(server, request: bytes) -> bytes:
    """The whole response to ``request``, sent as is (the server closes after each response)."""
    with socket.create_connection(server.server_address, timeout=10) as sock:
        sock.sendall(request)
        data = b""
        while chunk := sock.recv(65536):
            data += chunk
    return data


def status(response: bytes) -> int:
    return int(response.split(b" ", 2)[1])


def get(server, path: str, host: str | None = None, extra: bytes = b"", method: str = "GET") -> bytes:
    host = host or f"127.0.0.1:{server.server_address[1]}"
    return raw(server, f"{method} {path} HTTP/1.1\r\nHost: {host}\r\n".encode() + extra + b"\r\n")


def body(response: bytes) -> bytes:
    return response.split(b"\r\n\r\n", 1)[1]


# --- what is served ------------------------------------------------------------------------------

def test_pages_get_the_reload_script_and_other_files_come_as_they_are(server, output):
    page = get(server, "/")
    assert status(page) == 200
    assert b"Content-Type: text/html; charset=utf-8" in page
    assert re.search(rb"<p>page</p><script>new EventSource\('/__diglot/events\?since=0'\).*</script></body>",
                     body(page))
    assert (output / "index.html").read_bytes() == PAGE  # the file stays script-free
    css = get(server, "/en/site.css")
    assert status(css) == 200 and body(css) == b"body { color: black }\n"
    assert b"Content-Type: text/css" in css and b"Cache-Control: no-store" in css
    head = get(server, "/en/", method="HEAD")
    assert status(head) == 200 and body(head) == b""
    length = int(re.search(rb"Content-Length: (\d+)", head).group(1))
    assert length == len(body(get(server, "/en/")))


def test_a_folder_is_its_index_page_or_nothing_never_a_listing(server):
    redirect = get(server, "//en")  # not to //en/, another host for a browser
    assert status(redirect) == 301 and b"\r\nLocation: /en/\r\n" in redirect
    assert b"english" in body(get(server, "/en/"))
    empty = get(server, "/empty/")
    assert status(empty) == 404 and b"index.html" not in body(empty)


@pytest.mark.parametrize("path", [
    "/../../etc/passwd", "/../secret.txt", "/en/../../secret.txt",
    "/%2e%2e/%2e%2e/etc/passwd", "/%2e%2e/secret.txt", "/%2E%2E/secret.txt",
    "/..%2f..%2fetc/passwd", "/..%2fsecret.txt", "/en%2f..%2f..%2fsecret.txt",
    "/..\\secret.txt", "/en/..%5c..%5csecret.txt", "/index.html%00.css", "/%00",
    "/.diglot/manifest.json", "/%2ediglot/manifest.json", "/../secret/", "//etc/passwd",
    "http://127.0.0.1/../secret.txt", "/%ff%fe",
])
def test_nothing_outside_output_is_served(server, path):
    response = get(server, path)
    assert status(response) in (403, 404), response[:200]
    assert SECRET not in response and b"root:" not in response


def test_symbolic_links_out_of_output_are_refused(server, output, tmp_path):
    (output / "leak.txt").symlink_to(tmp_path / "secret.txt")
    (output / "leak").symlink_to(tmp_path / "secret")
    (output / "en" / "page.html").symlink_to(tmp_path / "secret" / "index.html")
    (output / "inside.html").symlink_to(output / "index.html")  # a link within output/ is fine
    for path in ("/leak.txt", "/leak/", "/leak/index.html", "/en/page.html"):
        response = get(server, path)
        assert status(response) in (403, 404), path
        assert SECRET not in response
    assert status(get(server, "/leak")) == 404  # not even "it is a folder" (a redirect)
    assert status(get(server, "/inside.html")) == 200


def test_only_get_and_head(server):
    for method in ("POST", "PUT", "DELETE", "OPTIONS"):
        response = get(server, "/", method=method)
        assert status(response) == 405 and b"Allow: GET, HEAD" in response


def test_a_port_in_use_is_one_line(server, output):
    with pytest.raises(DiglotError, match=r"^cannot listen on 127\.0\.0\.1:\d+: Address already in use$"):
        make_server(output, "127.0.0.1", server.server_address[1])


# --- bounded requests ------------------------------------------------------------------------------

def test_a_request_with_a_body_is_refused(server):
    assert status(get(server, "/", extra=b"Content-Length: 5\r\n")) == 413
    assert status(get(server, "/", extra=b"Transfer-Encoding: chunked\r\n")) == 413
    assert status(get(server, "/", extra=b"Content-Length: x\r\n")) == 400
    assert status(get(server, "/", extra=b"Content-Length: 0\r\n")) == 200


def test_too_many_or_too_large_headers_are_refused(server):
    many = b"".join(b"X-Header-%d: value\r\n" % i for i in range(serve.MAX_HEADERS + 1))
    assert status(get(server, "/", extra=many)) == 431
    assert status(get(server, "/", extra=b"X-Large: " + b"a" * serve.MAX_HEADER_BYTES + b"\r\n")) == 431
    # Exactly what the server reads of an overlong request line: none left unread to reset the connection.
    assert status(raw(server, b"GET /" + b"a" * (65_537 - 5))) == 414


def test_a_slow_request_head_is_cut_off(output, monkeypatch):
    monkeypatch.setattr(serve, "HEAD_SECONDS", 1)
    with running(output) as (server, _), socket.create_connection(server.server_address, timeout=10) as sock:
        sock.sendall(b"GET / HTTP/1.1\r\n")
        started, closed = time.monotonic(), False
        # A header line every 0.5 s, each well within the socket's timeout, never too many lines.
        while time.monotonic() - started < 15:
            try:
                sock.sendall(b"X-Slow: y\r\n")
                time.sleep(0.5)
            except OSError:  # reset: the server closed
                closed = True
                break
            sock.setblocking(False)
            try:
                closed = sock.recv(1024) == b""
            except BlockingIOError:
                pass
            except OSError:
                closed = True
            sock.setblocking(True)
            if closed:
                break
        assert closed, "the server kept a connection whose head never ended"


# --- host and origin ---------------------------------------------------------------------------

def test_the_host_header_must_name_this_computer(server):
    port = server.server_address[1]
    for host in (f"evil.example:{port}", "evil.example", f"127.0.0.1.evil.example:{port}", f"10.0.0.1:{port}"):
        response = get(server, "/", host=host)
        assert status(response) == 403 and b"<p>page</p>" not in response, host
    for host in (f"localhost:{port}", f"127.0.0.1:{port}", "localhost", f"LOCALHOST.:{port}"):
        assert status(get(server, "/", host=host)) == 200, host
    assert status(raw(server, b"GET / HTTP/1.0\r\n\r\n")) == 200  # no Host at all: no browser page sent it
    assert status(get(server, "/", extra=b"Host: evil.example\r\n")) == 400  # two of them


def events_headers(server, origin: str | None, since: str = "") -> http.client.HTTPResponse:
    """The reload channel's status and headers only (the body is a stream)."""
    connection = http.client.HTTPConnection(*server.server_address, timeout=10)
    connection.request("GET", EVENTS_PATH + since, headers={"Origin": origin} if origin else {})
    response = connection.getresponse()
    connection.close()
    return response


def test_the_reload_channel_answers_only_its_own_pages(server):
    port = server.server_address[1]
    for origin in ("http://evil.example", f"http://evil.example:{port}", "null", f"https://127.0.0.1:{port}",
                   f"http://127.0.0.1:{port + 1}"):
        response = events_headers(server, origin)
        assert response.status == 403, origin
    for origin in (f"http://127.0.0.1:{port}", f"http://localhost:{port}", None):
        response = events_headers(server, origin)
        assert response.status == 200, origin
        assert response.getheader("Content-Type") == "text/event-stream"


def test_a_successful_rebuild_reaches_the_open_page(output):
    with running(output) as (server, reloads):
        with socket.create_connection(server.server_address, timeout=10) as sock:
            sock.sendall(f"GET {EVENTS_PATH}?since=0 HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".encode())
            received = sock.recv(4096)
            assert received.startswith(b"HTTP/1.0 200")
            reloads.bump()
            while b"event: reload" not in received:
                chunk = sock.recv(4096)
                assert chunk, "the stream ended without a reload"
                received += chunk
        # A page served before a rebuild whose channel opened after it still learns of it.
        with socket.create_connection(server.server_address, timeout=10) as sock:
            sock.sendall(f"GET {EVENTS_PATH}?since=0 HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".encode())
            received = b""
            while b"event: reload" not in received:
                chunk = sock.recv(4096)
                assert chunk, "the stream ended without a reload"
                received += chunk


def test_open_reload_channels_are_capped(output, monkeypatch):
    monkeypatch.setattr(serve, "MAX_STREAMS", 2)
    with running(output) as (server, _):
        streams = []
        try:
            for _ in range(2):
                sock = socket.create_connection(server.server_address, timeout=10)
                streams.append(sock)
                sock.sendall(f"GET {EVENTS_PATH} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".encode())
                assert sock.recv(4096).startswith(b"HTTP/1.0 200")
            assert events_headers(server, None).status == 503
            assert status(get(server, "/")) == 200  # pages are still served
        finally:
            for sock in streams:
                sock.close()


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


def _serve_web_pages(project: Path, port: int, log: Path) -> subprocess.Popen:
    """``build.py serve`` of the project's web pages on ``port``, its output into ``log``."""
    with log.open("w") as out:
        return subprocess.Popen([sys.executable, str(REPO / "build.py"), "-C", str(project), "serve",
                                 "--port", str(port), "--format", "html"],
                                cwd=project, stdout=out, stderr=subprocess.STDOUT,
                                env={**os.environ, "PYTHONPATH": str(REPO)})


def test_an_edit_made_while_the_first_build_runs_is_built(project_copy, tmp_path):
    """The preview watches before its first build: a template saved while that build runs (or
    the moment the first page is served) is built after it, never lost."""
    port = _free_port()
    template = project_copy / "templates" / "web" / "page.html.j2"
    original = template.read_text(encoding="utf-8")
    page = f"/en/{SLUG}.html"
    proc = _serve_web_pages(project_copy, port, tmp_path / "serve.log")
    try:
        deadline = time.monotonic() + 120
        _until("the first build", (project_copy / "output" / ".diglot" / "lock").exists, deadline, proc)
        template.write_text(original.replace("</main>", "<p>SAVED-WHILE-BUILDING</p></main>", 1), encoding="utf-8")
        _until("the edit", lambda: "SAVED-WHILE-BUILDING" in (_page(port, page) or ""), deadline, proc)
        assert proc.poll() is None
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    said = (tmp_path / "serve.log").read_text(encoding="utf-8")
    assert "ERROR" not in said and "Traceback" not in said, said  # (a rebuild beside the first: the lock refuses it)


def test_serve_rebuilds_what_was_fixed_after_an_internal_error(project_copy, tmp_path):
    port = _free_port()
    log = tmp_path / "serve.log"
    template = project_copy / "templates" / "web" / "page.html.j2"
    original = template.read_text(encoding="utf-8")
    assert "</main>" in original
    page = f"/en/{SLUG}.html"
    proc = _serve_web_pages(project_copy, port, log)
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
