"""The site and the EPUBs' content documents in the system's Chromium (Playwright), judged by axe-core.

Chromium: /usr/bin/chromium or $DIGLOT_CHROMIUM, never downloaded; axe-core: tests/node_modules (npm ci).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import threading
import zipfile
from contextlib import contextmanager
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from conftest import copy_project

REPO = Path(__file__).resolve().parents[1]
TESTS = Path(__file__).resolve().parent
AXE = TESTS / "node_modules" / "axe-core" / "axe.min.js"
CHROMIUM = Path(os.environ.get("DIGLOT_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]
SLUG = "igf-2018-cybersecurity"
LANGS = ("zh-Hans", "zh-Hant", "en")
PAGES = ["index.html", *(f"{lang}/{SLUG}.html" for lang in LANGS)]
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"]
NARROW = 360


# --- fixtures -----------------------------------------------------------------------



@pytest.fixture(scope="module")
def browser_site(tmp_path_factory) -> Path:
    """output/ of a fresh build of a copy of the project."""
    root = copy_project(tmp_path_factory.mktemp("browser") / "project")
    proc = subprocess.run([sys.executable, str(REPO / "build.py"), "-C", str(root), "-q", "build"],
                          capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr
    return root / "output"


@pytest.fixture(scope="module")
def screenshots(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("screenshots")


@pytest.fixture(scope="module")
def axe_source() -> str:
    if not AXE.is_file():
        npm = shutil.which("npm")
        if npm is None:
            pytest.fail("axe-core is not installed and npm is missing: apt-get install npm; npm ci --prefix tests")
        proc = subprocess.run([npm, "ci", "--prefix", str(TESTS), "--no-audit", "--no-fund"],
                              capture_output=True, text=True, timeout=600)
        assert proc.returncode == 0 and AXE.is_file(), f"npm ci --prefix tests failed:\n{proc.stderr}"
    return AXE.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def chromium():
    from playwright.sync_api import sync_playwright

    if not CHROMIUM.is_file():
        pytest.fail(f"{CHROMIUM} is missing: apt-get install chromium (scripts/system-packages.sh test)")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@contextmanager
def serve(folder: Path):
    """``folder`` behind a local web server; yields its URL, http://127.0.0.1:<port>/."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), partial(_QuietHandler, directory=str(folder)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture(scope="module")
def http_site(browser_site):
    """The same output/ behind a local web server."""
    with serve(browser_site) as url:
        yield url


class _QuietHandler(SimpleHTTPRequestHandler):
    extensions_map = {**SimpleHTTPRequestHandler.extensions_map, ".epub": "application/epub+zip",
                      ".xhtml": "application/xhtml+xml", ".svg": "image/svg+xml"}

    def log_message(self, format, *args):  # keep pytest's output for findings
        pass


class Visit:
    """One page in a fresh browser context, with what went wrong while loading it."""

    def __init__(self, browser, url: str, width: int = NARROW, allowed_origin: str = "file://"):
        self.context = browser.new_context(viewport={"width": width, "height": 800})
        self.page = self.context.new_page()
        self.problems: list[str] = []
        self.page.on("console", self._console)
        self.page.on("pageerror", lambda e: self.problems.append(f"page error: {e}"))
        self.page.on("requestfailed", lambda r: self.problems.append(f"failed: {r.url}"))
        self.page.on("request", lambda r: r.url.startswith(allowed_origin) or r.url.startswith("data:")
                     or self.problems.append(f"outside request: {r.url}"))
        self.page.on("response", self._response)
        self.page.goto(url)

    def _response(self, response) -> None:
        # Chromium asks a web server for /favicon.ico by itself; the site has none and needs none.
        if response.status >= 400 and not response.url.endswith("/favicon.ico"):
            self.problems.append(f"HTTP {response.status}: {response.url}")

    def _console(self, message) -> None:
        if message.type == "error" and "favicon.ico" not in (message.location or {}).get("url", ""):
            self.problems.append(f"console: {message.text}")

    def close(self) -> None:
        self.context.close()

    def __enter__(self) -> "Visit":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def axe_findings(page, axe_source: str, impacts=("serious", "critical")) -> list[str]:
    page.add_script_tag(content=axe_source)
    result = page.evaluate("tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})", AXE_TAGS)
    return [f"{v['impact']} {v['id']}: {v['help']} — {[n['target'] for n in v['nodes']][:3]}"
            for v in result["violations"] if v["impact"] in impacts]


# --- the site over file:// ----------------------------------------------------------

@pytest.mark.parametrize("rel", PAGES)
def test_page_loads_cleanly_and_fits_360px(chromium, browser_site, screenshots, rel):
    with Visit(chromium, (browser_site / rel).as_uri()) as visit:
        assert not visit.problems, visit.problems
        width = visit.page.evaluate("document.documentElement.scrollWidth")
        shot = screenshots / f"{rel.replace('/', '_')}-{NARROW}.png"
        visit.page.screenshot(path=str(shot), full_page=True)
        assert width <= NARROW, f"{rel} is {width}px wide at {NARROW}px (see {shot})"
    with Visit(chromium, (browser_site / rel).as_uri(), width=1280) as wide:
        wide.page.screenshot(path=str(screenshots / f"{rel.replace('/', '_')}-1280.png"))
        assert not wide.problems, wide.problems


@pytest.mark.parametrize("rel", PAGES)
def test_axe_finds_no_serious_or_critical_violation(chromium, browser_site, axe_source, rel):
    with Visit(chromium, (browser_site / rel).as_uri(), width=1280) as visit:
        findings = axe_findings(visit.page, axe_source)
    assert not findings, "\n".join(findings)


def test_index_then_language_switcher(chromium, browser_site):
    """From the index to the zh-Hans page, then through the switcher to zh-Hant, en and back."""
    with Visit(chromium, (browser_site / "index.html").as_uri()) as visit:
        page = visit.page
        page.click(f'a[href="zh-Hans/{SLUG}.html"]')
        assert page.evaluate("document.documentElement.lang") == "zh-Hans"
        for lang in ("zh-Hant", "en", "zh-Hans"):
            page.click(f'.language-switcher a[hreflang="{lang}"]')
            assert page.url.endswith(f"/{lang}/{SLUG}.html"), page.url
            assert page.evaluate("document.documentElement.lang") == lang
            current = page.locator('.language-switcher [aria-current="page"]')
            assert current.get_attribute("lang") == lang
        # "All editions" leads to this language's index, in this language; from there, to every language's
        page.click('.site-footer a[href="index.html"]')
        assert page.url.endswith("/zh-Hans/index.html"), page.url
        assert page.evaluate("document.documentElement.lang") == "zh-Hans"
        page.click('a[href="../index.html"]')
        assert page.url.endswith("/index.html") and "/zh-Hans/" not in page.url
        assert not visit.problems, visit.problems


def test_skip_link_is_first_and_moves_focus_to_main(chromium, browser_site):
    with Visit(chromium, (browser_site / "en" / f"{SLUG}.html").as_uri()) as visit:
        page = visit.page
        page.keyboard.press("Tab")
        assert page.evaluate("document.activeElement.className") == "skip-link"
        box = page.locator(".skip-link").bounding_box()
        assert box and box["x"] >= 0, "the focused skip link is on screen"
        page.keyboard.press("Enter")
        assert page.evaluate("document.activeElement.id") == "main"


def test_print_stylesheet_hides_site_navigation(chromium, browser_site):
    with Visit(chromium, (browser_site / "zh-Hans" / f"{SLUG}.html").as_uri()) as visit:
        visit.page.emulate_media(media="print")
        shown = visit.page.evaluate("""() => ['.language-switcher', '.site-footer', '.downloads', '.skip-link', 'main p']
            .map(s => document.querySelector(s).getClientRects().length > 0)""")
        assert shown == [False, False, False, False, True]


# --- the same site behind a web server -----------------------------------------------

def test_site_works_from_a_web_server(chromium, http_site):
    with Visit(chromium, http_site + "index.html", allowed_origin=http_site) as visit:
        page = visit.page
        for lang in LANGS:
            page.goto(http_site + "index.html")
            page.click(f'a[href="{lang}/{SLUG}.html"]')
            assert page.evaluate("document.documentElement.lang") == lang
            others = page.locator(".language-switcher a").count()
            assert others == len(LANGS) - 1
        assert not visit.problems, visit.problems


# --- the e-book's content documents ----------------------------------------------------

def _epub_documents(browser_site: Path, tmp: Path) -> list[Path]:
    from diglot import publish
    from diglot.editions import prepare
    from diglot.config import load_config

    config = load_config(browser_site.parent)
    hant = next(e for e in prepare(config, ("zh-Hant",)))
    books = {lang: browser_site / lang / f"{SLUG}.epub" for lang in LANGS}
    books["zh-Hant.vertical"] = tmp / "vertical.epub"
    books["zh-Hant.vertical"].write_bytes(publish.render_vertical_epub(hant, config))
    documents = []
    for name, book in books.items():
        folder = tmp / name
        with zipfile.ZipFile(book) as z:
            z.extractall(folder)
        documents += sorted(folder.rglob("*.xhtml"))
    return documents


def test_epub_content_documents_pass_axe(chromium, browser_site, axe_source, screenshots, tmp_path):
    """What DAISY Ace runs on each content document (axe-core), for every EPUB. Served over
    HTTP because axe reads the stylesheets, which a file:// page may not fetch."""
    findings = []
    documents = _epub_documents(browser_site, tmp_path)
    with serve(tmp_path) as base:
        for document in documents:
            rel = document.relative_to(tmp_path).as_posix()
            with Visit(chromium, base + rel, width=600, allowed_origin=base) as visit:
                if document.name in ("cover.xhtml", "ch003.xhtml"):
                    visit.page.screenshot(path=str(screenshots / f"epub-{rel.split('/')[0]}-{document.name}.png"))
                findings += [f"{rel}: {f}" for f in axe_findings(visit.page, axe_source) + visit.problems]
    assert not findings, "\n".join(findings)
