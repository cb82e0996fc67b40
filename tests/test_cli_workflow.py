"""What the translators' workflow means for the published editions, through the CLI.

A publisher changes or breaks a catalogue in a temporary copy of the project,
runs ``python build.py -C COPY …`` and looks at the outputs with independent
tools: an HTML5 parser (tinyhtml5), the EPUB's XHTML as XML (ElementTree),
and pdftotext for the PDF.
"""

from __future__ import annotations

import hashlib
import re
import subprocess
import sys
import xml.etree.ElementTree as ET
import zipfile
from pathlib import Path

import pytest

from conftest import copy_project
import tinyhtml5

REPO = Path(__file__).resolve().parents[1]
DOC = "igf-2018-cybersecurity"
SOURCE_REL = f"source/{DOC}.md"
POT_REL = f"translations/{DOC}.pot"
EN_REL = f"translations/en/LC_MESSAGES/{DOC}.po"
LANGS = ("zh-Hans", "zh-Hant", "en")
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"

HEADING = "总体信息"  # the first heading of the document
HEADING_EN = "Overarching Messages"  # its committed English translation
COMMANDS = ("build", "extract", "update", "init", "stats", "check")


# --- running Diglot as a user does -------------------------------------------------------




@pytest.fixture
def wf_cli_project(tmp_path) -> Path:
    """A fresh copy of the project's inputs that a test may change."""
    return copy_project(tmp_path / "project")


def diglot(project: Path | None, *args: str, timeout: float = 600) -> subprocess.CompletedProcess:
    where = ["-C", str(project)] if project is not None else []
    return subprocess.run([sys.executable, str(REPO / "build.py"), *where, *args],
                          cwd=project or REPO, capture_output=True, text=True, timeout=timeout)


def ok(result: subprocess.CompletedProcess) -> subprocess.CompletedProcess:
    assert result.returncode == 0, f"exit {result.returncode}\nstdout:\n{result.stdout}\nstderr:\n{result.stderr}"
    return result


def no_traceback(result: subprocess.CompletedProcess) -> None:
    assert "Traceback" not in result.stderr + result.stdout, result.stderr


def quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def edit_entry(po: Path, msgid: str, *, msgstr: str | None = None, fuzzy: bool = False) -> None:
    """Change one entry of an unwrapped PO file as a translator in Poedit would."""
    lines = po.read_text(encoding="utf-8").split("\n")
    index = lines.index(f"msgid {quote(msgid)}")
    assert lines[index + 1].startswith("msgstr ")
    if msgstr is not None:
        lines[index + 1] = f"msgstr {quote(msgstr)}"
    if fuzzy:
        lines.insert(index, "#, fuzzy")
    po.write_text("\n".join(lines), encoding="utf-8")


def output(project: Path, lang: str, fmt: str) -> Path:
    return project / "output" / lang / f"{DOC}.{fmt}"


# --- reading the outputs -----------------------------------------------------------------


def html_tree(path: Path):
    return tinyhtml5.parse(path.read_text(encoding="utf-8"))


def local(tag) -> str:
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def text_of(element) -> str:
    return "".join(element.itertext())


def effective_lang(element, parents: dict) -> str | None:
    """The language of an element: its own or its nearest ancestor's lang (xml:lang in XHTML)."""
    while element is not None:
        langs = {element.get("lang"), element.get(XML_LANG)} - {None}
        if langs:
            assert len(langs) == 1, f"lang and xml:lang disagree: {langs}"
            return langs.pop()
        element = parents.get(element)
    return None


def parent_map(root) -> dict:
    return {child: parent for parent in root.iter() for child in parent}


def innermost_with_text(root, text: str) -> list:
    """The deepest elements whose text content contains ``text``."""
    hits = [e for e in root.iter() if text in text_of(e)]
    return [e for e in hits if not any(text in text_of(c) for c in e)]


def body_of(root):
    return next(e for e in root.iter() if local(e.tag) == "body")


def epub_members(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as book:
        return {name: book.read(name) for name in book.namelist()}


def epub_xhtml(path: Path) -> dict[str, ET.Element]:
    return {name: ET.fromstring(data) for name, data in epub_members(path).items() if name.endswith(".xhtml")}


def epub_content(path: Path) -> dict[str, bytes]:
    """Members of an EPUB minus the build time stamp (dcterms:modified), which changes on every build."""
    members = epub_members(path)
    return {name: re.sub(rb'<meta property="dcterms:modified">[^<]*</meta>', b"", data)
            for name, data in members.items()}


def pdf_text(path: Path) -> str:
    result = subprocess.run(["pdftotext", "-enc", "UTF-8", str(path), "-"], capture_output=True, check=True)
    return " ".join(result.stdout.decode("utf-8").split())


def css_of(root) -> str:
    return "\n".join(text_of(e) for e in root.iter() if local(e.tag) == "style")


def rules_for(css: str, selector: str) -> list[str]:
    """Declaration blocks of the CSS rules whose selector list names ``selector`` exactly."""
    css = re.sub(r"/\*.*?\*/", "", css, flags=re.S)
    return [body for selectors, body in re.findall(r"([^{}]+)\{([^{}]*)\}", css)
            if selector in [s.strip() for s in selectors.split(",")]]


# --- help ----------------------------------------------------------------------------------


def test_help_lists_every_command():
    result = ok(diglot(None, "--help"))
    assert result.stdout.startswith("usage: diglot")
    for command in COMMANDS:
        assert re.search(rf"^\s+{command}\s+\S", result.stdout, re.M), f"{command} is not described:\n{result.stdout}"


@pytest.mark.parametrize("command,words", [
    ("build", ["output/", "--lang", "--format", "--strict", "--draft"]),
    ("extract", ["POT", "template"]),
    ("update", ["fuzzy", "obsolete"]),
    ("init", ["new language", "lang"]),
    ("stats", ["--json", "--min", "PERCENT"]),
    ("check", ["msgfmt", "--strict", "glossary"]),
])
def test_each_command_has_help(command, words):
    result = ok(diglot(None, command, "--help"))
    assert result.stdout.startswith(f"usage: diglot {command}")
    for word in words:
        assert word in result.stdout, f"'{command} --help' does not mention {word!r}:\n{result.stdout}"
    assert result.stderr == ""


# --- a translator's work is never lost -----------------------------------------------------


def po_hashes(project: Path) -> dict[str, str]:
    return {str(p.relative_to(project)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted((project / "translations").rglob("*.po"))}


@pytest.mark.parametrize("args", [("build", "--format", "html"), ("stats",), ("stats", "--json"), ("check",),
                                  ("extract",)], ids=" ".join)
def test_only_update_and_init_write_catalogues(wf_cli_project, args):
    """After a source change, with a fuzzy entry and a file saved wrapped (Poedit's default),
    build, stats, check and extract leave every .po byte for byte as the translator saved it."""
    project = wf_cli_project
    source = project / SOURCE_REL
    source.write_text(source.read_text(encoding="utf-8").replace("重要性和相关性", "重要性与相关性"), encoding="utf-8")
    en = project / EN_REL
    edit_entry(en, HEADING, fuzzy=True)
    subprocess.run(["msgcat", "-w", "79", "-o", str(en), str(en)], check=True)  # wrapped, as saved by Poedit
    assert max(len(line) for line in en.read_text(encoding="utf-8").split("\n")) <= 79
    pot_before = (project / POT_REL).read_bytes()
    before = po_hashes(project)
    assert len(before) >= 3

    result = diglot(project, *args)
    no_traceback(result)
    assert po_hashes(project) == before
    if args[0] == "extract":
        assert (project / POT_REL).read_bytes() != pot_before  # it did its own work
    if args[0] in ("build", "stats", "extract"):
        assert result.returncode == 0, result.stderr


# --- build semantics -----------------------------------------------------------------------


def test_a_changed_english_translation_changes_only_the_english_editions(built_copy):
    project = built_copy  # as a user has it after a build
    before = {(lang, fmt): output(project, lang, fmt).read_bytes() for lang in LANGS for fmt in ("html", "pdf", "epub")}
    text_before = {lang: pdf_text(output(project, lang, "pdf")) for lang in LANGS}
    epub_before = {lang: epub_content(output(project, lang, "epub")) for lang in LANGS}
    assert HEADING_EN in text_before["en"]

    edit_entry(project / EN_REL, HEADING, msgstr="General Observations")
    ok(diglot(project, "build"))

    # English: every format changed and shows the new wording, not the old
    for fmt in ("html", "pdf", "epub"):
        assert output(project, "en", fmt).read_bytes() != before[("en", fmt)], fmt
    headings = [e for e in html_tree(output(project, "en", "html")).iter() if local(e.tag) in ("h1", "h2", "h3")]
    assert "General Observations" in [text_of(h).strip() for h in headings]
    assert HEADING_EN not in output(project, "en", "html").read_text(encoding="utf-8")
    assert "General Observations" in pdf_text(output(project, "en", "pdf"))
    assert HEADING_EN not in pdf_text(output(project, "en", "pdf"))
    xhtml = b"".join(data for name, data in epub_members(output(project, "en", "epub")).items()
                     if name.endswith(".xhtml")).decode("utf-8")
    assert "General Observations" in xhtml and HEADING_EN not in xhtml
    assert epub_content(output(project, "en", "epub")) != epub_before["en"]

    # Chinese editions: the same content as before
    for lang in ("zh-Hans", "zh-Hant"):
        assert output(project, lang, "html").read_bytes() == before[(lang, "html")], lang
        assert pdf_text(output(project, lang, "pdf")) == text_before[lang], lang
        assert epub_content(output(project, lang, "epub")) == epub_before[lang], lang


@pytest.fixture
def wf_fuzzy_heading(wf_cli_project) -> Path:
    """A copy whose English translation of the first heading is marked fuzzy."""
    edit_entry(wf_cli_project / EN_REL, HEADING, fuzzy=True)
    return wf_cli_project


def test_a_fuzzy_message_is_published_in_chinese_marked_zh_hans(wf_fuzzy_heading):
    project = wf_fuzzy_heading
    result = ok(diglot(project, "build", "--lang", "en", "--format", "html", "--format", "epub"))
    assert re.search(r"^\W*en\b.*\b1 messages? fell back", result.stdout + result.stderr, re.M), result.stdout

    root = html_tree(output(project, "en", "html"))
    assert root.get("lang") == "en"
    parents = parent_map(root)
    body = body_of(root)
    hits = innermost_with_text(body, HEADING)
    assert hits, "the Chinese heading is not in the English page"
    assert {effective_lang(e, parents) for e in hits} == {"zh-Hans"}
    assert any(local(e.tag) == "h2" for e in hits)
    assert HEADING_EN not in text_of(body)  # a fuzzy translation is never published
    assert "fallback" in (next(e for e in hits if local(e.tag) == "h2").get("class") or "").split()

    chapters = epub_xhtml(output(project, "en", "epub"))
    found = 0
    for name, xroot in chapters.items():
        parents = parent_map(xroot)
        assert effective_lang(xroot, parents) == "en", name
        for element in innermost_with_text(body_of(xroot), HEADING):
            found += 1
            assert effective_lang(element, parents) == "zh-Hans", (name, ET.tostring(element, encoding="unicode"))
        assert HEADING_EN not in "".join(xroot.itertext()), name
    assert found >= 1


def test_strict_build_refuses_a_fallback(wf_fuzzy_heading):
    result = diglot(wf_fuzzy_heading, "build", "--strict", "--lang", "en", "--format", "html")
    assert result.returncode == 1
    no_traceback(result)
    assert re.search(r"\ben\b.*\b1 messages? untranslated or fuzzy", result.stderr), result.stderr
    assert not output(wf_fuzzy_heading, "en", "html").exists()


def test_strict_build_of_one_language_ignores_another_languages_fallback(wf_fuzzy_heading):
    """`--strict --lang zh-Hans` judges the editions it builds: the English fallback is not one of them."""
    result = diglot(wf_fuzzy_heading, "build", "--strict", "--lang", "zh-Hans", "--format", "html")
    assert result.returncode == 0, result.stderr
    assert output(wf_fuzzy_heading, "zh-Hans", "html").exists()
    assert not output(wf_fuzzy_heading, "en", "html").exists()


def test_draft_build_highlights_fallback_text(wf_fuzzy_heading):
    project = wf_fuzzy_heading
    ok(diglot(project, "build", "--lang", "en", "--format", "html"))
    normal = rules_for(css_of(html_tree(output(project, "en", "html"))), ".fallback")
    ok(diglot(project, "build", "--draft", "--lang", "en", "--format", "html"))
    root = html_tree(output(project, "en", "html"))
    draft = rules_for(css_of(root), ".fallback")
    added = [rule for rule in draft if rule not in normal]
    assert any(re.search(r"\b(background(-color)?|outline)\s*:", rule) for rule in added), (normal, draft)
    assert not any(re.search(r"\bbackground(-color)?\s*:", rule) for rule in normal)
    highlighted = [e for e in body_of(root).iter() if "fallback" in (e.get("class") or "").split()]
    assert any(HEADING in text_of(e) for e in highlighted)


def _set_min_translated(project: Path, value: int) -> None:
    pyproject = project / "pyproject.toml"
    text = pyproject.read_text(encoding="utf-8")
    assert "[tool.diglot]" in text and "min_translated" not in text
    pyproject.write_text(text.replace("[tool.diglot]\n", f"[tool.diglot]\nmin_translated = {value}\n"),
                         encoding="utf-8")


def _links(path: Path) -> list[str]:
    return [e.get("href") for e in html_tree(path).iter() if local(e.tag) == "a" and e.get("href")]


def test_an_edition_under_min_translated_is_not_published(wf_fuzzy_heading):
    project = wf_fuzzy_heading
    _set_min_translated(project, 100)
    result = ok(diglot(project, "build", "--format", "html"))
    said = result.stdout + result.stderr
    assert re.search(r"\ben\b.*not published", said), said
    assert "min_translated" in said
    assert not output(project, "en", "html").exists()
    for lang in ("zh-Hans", "zh-Hant"):
        assert output(project, lang, "html").exists(), lang
    # nothing links to the missing edition
    for page in (project / "output" / "index.html", output(project, "zh-Hans", "html")):
        assert not [href for href in _links(page) if f"en/{DOC}" in href], page


def test_an_edition_that_falls_under_min_translated_is_withdrawn(wf_cli_project):
    """The English edition was published; then a message became fuzzy under min_translated = 100."""
    project = wf_cli_project
    _set_min_translated(project, 100)
    ok(diglot(project, "build", "--format", "html"))
    assert output(project, "en", "html").exists()
    edit_entry(project / EN_REL, HEADING, fuzzy=True)
    result = ok(diglot(project, "build", "--format", "html"))
    assert "not published" in result.stdout + result.stderr
    assert not output(project, "en", "html").exists(), "the outdated English page is still in output/"
    assert not [href for href in _links(project / "output" / "index.html") if f"en/{DOC}" in href]


PAYLOADS = {
    "script": ("<script>alert(1)</script>", "script", "&lt;script&gt;alert(1)&lt;/script&gt;"),
    "img onerror": ("<img src=x onerror=alert(1)>", "img", "&lt;img src=x onerror=alert(1)&gt;"),
}


@pytest.mark.parametrize("name", list(PAYLOADS))
def test_html_in_a_translation_is_published_as_text(wf_cli_project, name):
    payload, tag, escaped = PAYLOADS[name]
    project = wf_cli_project
    translation = f"Overarching {payload} Messages"
    edit_entry(project / EN_REL, HEADING, msgstr=translation)
    ok(diglot(project, "build", "--lang", "en", "--format", "html", "--format", "epub"))

    page = output(project, "en", "html")
    assert escaped in page.read_text(encoding="utf-8")
    body = body_of(html_tree(page))
    assert not [e for e in body.iter() if local(e.tag) in ("script", tag)]
    assert not [(e.tag, a) for e in body.iter() for a in e.attrib if a.lower().startswith("on")]
    assert any(text_of(e).strip() == translation for e in body.iter() if local(e.tag) == "h2")

    chapters = epub_xhtml(output(project, "en", "epub"))
    shown = 0
    for xname, xroot in chapters.items():
        assert not [e for e in xroot.iter() if local(e.tag) in ("script", tag)], xname
        assert not [(e.tag, a) for e in xroot.iter() for a in e.attrib if a.lower().startswith("on")], xname
        shown += sum(1 for e in xroot.iter() if text_of(e).strip() == translation)
    assert shown >= 1, "the translation is not shown as text in the EPUB"
    raw = b"".join(data for n, data in epub_members(output(project, "en", "epub")).items() if n.endswith(".xhtml"))
    assert escaped.encode() in raw


def test_a_broken_catalogue_stops_the_build_with_path_and_line(wf_cli_project):
    project = wf_cli_project
    ok(diglot(project, "build", "--lang", "en", "--format", "html"))
    page_before = output(project, "en", "html").read_bytes()
    po = project / EN_REL
    lines = po.read_text(encoding="utf-8").split("\n")
    number = lines.index(f'msgstr "{HEADING_EN}"') + 1
    lines[number - 1] = f'msgstr "{HEADING_EN}'  # unterminated string
    po.write_text("\n".join(lines), encoding="utf-8")

    result = diglot(project, "build", "--lang", "en", "--format", "html")
    assert result.returncode == 1
    no_traceback(result)
    assert re.search(rf"{re.escape(EN_REL)}:{number}:", result.stderr), result.stderr
    assert output(project, "en", "html").read_bytes() == page_before
