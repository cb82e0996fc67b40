"""CommonMark backslash escapes and entities survive source → POT → PO → every output.

Pandoc writes `5\\*3`, `\\.`, `\\<` and `--\\>` in ordinary documents; GNU gettext reads a
PO string's escapes pair by pair (``\\\\*`` is a backslash and a star), and so must Diglot.
The judges: msgfmt for the catalogues, html.parser, pdftotext and the EPUB's XHTML for the text.
"""

from __future__ import annotations

import re
import subprocess
import zipfile
from html.parser import HTMLParser
from pathlib import Path

import pytest

from conftest import copy_project, run_cli

SOURCE = """---
title: 转义字符
lang: zh-Hans
---

# 记号

五乘三写作 5\\*3，反斜杠写作 \\\\，小于号写作 \\<b\\>，注释结束写作 --\\>，和号写作 &amp;，句点写作 1\\. 号。
"""
#: The paragraph's English msgstr as a translator types it in Poedit (PO escapes: '\\\\' is one backslash).
ENGLISH = ('Five times three is 5\\\\*3, a backslash is \\\\\\\\, a tag is \\\\<b\\\\>, a comment ends '
           'with --\\\\>, an ampersand is &amp;, a full stop 1\\\\. here.')
#: What a reader sees of that paragraph, in every format.
SEEN = {"zh-Hans": ["5*3", "\\", "<b>", "-->", "&", "1."],
        "en": ["5*3", "\\", "<b>", "-->", "&", "1."]}


class _Text(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []

    def handle_data(self, data):
        self.parts.append(data)


def html_text(markup: str) -> str:
    parser = _Text()
    parser.feed(markup)
    return "".join(parser.parts)


@pytest.fixture(scope="module")
def escapes_project(tmp_path_factory) -> Path:
    root = copy_project(tmp_path_factory.mktemp("escapes") / "project")
    (root / "source" / "escapes.md").write_text(SOURCE, encoding="utf-8")
    code, out, err = run_cli(root, "extract")
    assert code == 0, err
    pot = root / "translations" / "escapes.pot"
    po = root / "translations" / "en" / "LC_MESSAGES" / "escapes.po"
    subprocess.run(["msginit", "--no-translator", "--no-wrap", "-l", "en", "-i", str(pot), "-o", str(po)],
                   check=True, capture_output=True)
    translations = {"转义字符": "Escapes", "记号": "Notation", "五乘三": ENGLISH}
    text = po.read_text(encoding="utf-8")
    for start, english in translations.items():
        text, replaced = re.subn(rf'(msgid "{start}[^\n]*"\n)msgstr "[^\n]*"', lambda m: m.group(1) + f'msgstr "{english}"',
                                 text)
        assert replaced == 1, text
    po.write_text(text, encoding="utf-8")
    code, out, err = run_cli(root, "-q", "build")
    assert code == 0, out + err
    return root


def test_the_pot_holds_each_escape_as_msgfmt_reads_it(escapes_project):
    pot = escapes_project / "translations" / "escapes.pot"
    assert '5\\\\*3' in pot.read_text(encoding="utf-8")  # the source's '\*', escaped once for PO
    result = subprocess.run(["msgcat", "--no-wrap", str(pot)], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr


def test_check_accepts_catalogues_with_escaped_markdown(escapes_project):
    po = escapes_project / "translations" / "en" / "LC_MESSAGES" / "escapes.po"
    gnu = subprocess.run(["msgfmt", "-c", "-o", "/dev/null", str(po)], capture_output=True, text=True)
    assert gnu.returncode == 0, gnu.stderr
    code, out, err = run_cli(escapes_project, "check")
    assert not [line for line in out.splitlines() if "escapes" in line and "error" in line], out
    code, out, err = run_cli(escapes_project, "stats", "--json")
    assert code == 0, err
    row = next(r for r in __import__("json").loads(out) if r["document"] == "escapes" and r["language"] == "en")
    assert row["translated"] == row["total"] == 3


@pytest.mark.parametrize("lang", ["zh-Hans", "en"])
def test_the_web_page_shows_the_escaped_characters(escapes_project, lang):
    page = (escapes_project / "output" / lang / "escapes.html").read_text(encoding="utf-8")
    text = html_text(page)
    for seen in SEEN[lang]:
        assert seen in text, (seen, text[-400:])
    assert "\\*" not in text and "&amp;" not in text


@pytest.mark.parametrize("lang", ["zh-Hans", "en"])
def test_the_pdf_shows_the_escaped_characters(escapes_project, lang):
    pdf = escapes_project / "output" / lang / "escapes.pdf"
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    flat = re.sub(r"\s+", "", text)  # -layout keeps a hyphen at a line end ("--" | ">")
    for seen in SEEN[lang]:
        assert seen in flat, (seen, text)


@pytest.mark.parametrize("lang", ["zh-Hans", "en"])
def test_the_epub_shows_the_escaped_characters(escapes_project, lang):
    with zipfile.ZipFile(escapes_project / "output" / lang / "escapes.epub") as book:
        chapters = [book.read(n).decode("utf-8") for n in book.namelist() if re.fullmatch(r"EPUB/text/ch\d+\.xhtml", n)]
    text = html_text("".join(chapters))
    for seen in SEEN[lang]:
        assert seen in text, (seen, text[-400:])
