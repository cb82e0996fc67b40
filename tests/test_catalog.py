"""diglot/catalog.py: extraction with source references, translation with fallbacks, strict PO reading."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog

from diglot.catalog import extract_document, read_catalog, translate, write_catalog
from diglot.errors import DiglotError
from diglot.source import read_document

REPO = Path(__file__).resolve().parents[1]

SOURCE = """\
---
title: 测试标题
lang: zh-Hans
---

# 第一节

第一段，
接着写。

- 重复的句子。
- 另一项。

重复的句子。

[^n]: 脚注。
"""

HEADER = (
    'msgid ""\n'
    'msgstr ""\n'
    '"Language: en\\n"\n'
    '"Plural-Forms: nplurals=2; plural=(n != 1);\\n"\n'
    '"MIME-Version: 1.0\\n"\n'
    '"Content-Type: text/plain; charset=UTF-8\\n"\n'
    '"Content-Transfer-Encoding: 8bit\\n"\n'
    "\n"
)


@pytest.fixture
def project(tmp_path) -> Path:
    (tmp_path / "source").mkdir()
    (tmp_path / "source" / "demo.md").write_text(SOURCE, encoding="utf-8")
    return tmp_path


@pytest.fixture
def doc(project):
    return read_document(project / "source" / "demo.md")


def write_po(tmp_path: Path, body: str, header: str = HEADER, name: str = "x.po") -> Path:
    path = tmp_path / name
    path.write_text(header + body, encoding="utf-8")
    return path


def line_of(text: str, needle: str, occurrence: int = 1) -> int:
    seen = 0
    for number, line in enumerate(text.split("\n"), start=1):
        if needle in line:
            seen += 1
            if seen == occurrence:
                return number
    raise AssertionError(f"{needle!r} not found")


# --- extraction -------------------------------------------------------------------------

def test_extract_gives_one_message_per_segment_with_its_source_line(project, doc):
    catalog = extract_document(doc, project)
    messages = {m.id: m.locations for m in catalog if m.id}
    # Identical segments share one message (gettext's rule), listing every place they occur.
    assert set(messages) == {s.text for s in doc.segments}
    for seg in doc.segments:
        assert ("source/demo.md", seg.line) in messages[seg.text]
    assert sorted(messages["重复的句子。"]) == [("source/demo.md", line_of(SOURCE, "重复的句子。", 1)),
                                            ("source/demo.md", line_of(SOURCE, "重复的句子。", 2))]


def test_written_catalogue_has_references_to_the_real_lines(project, doc, tmp_path):
    pot = tmp_path / "demo.pot"
    write_catalog(extract_document(doc, project), pot)
    text = pot.read_text(encoding="utf-8")
    for needle, msgid in [("# 第一节", "第一节"), ("第一段，", "第一段，接着写。"), ("[^n]:", "脚注。"),
                          ("title:", "测试标题")]:
        ref = f"#: source/demo.md:{line_of(SOURCE, needle)}"
        entry = re.search(rf"((?:#.*\n)+)msgid \"{re.escape(msgid)}\"", text)
        assert entry, f"no entry for {msgid!r}"
        assert ref in entry.group(1), f"{msgid!r} lacks {ref!r}: {entry.group(1)!r}"
    result = subprocess.run(["msgfmt", "-c", "-o", "/dev/null", str(pot)], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr


# --- translation ----------------------------------------------------------------------

def test_translate_uses_translations_and_falls_back_on_missing_and_fuzzy(doc):
    catalog = Catalog(locale="en")
    catalog.add("第一节", "Section One")
    catalog.add("第一段，接着写。", "First paragraph.", flags=["fuzzy"])
    catalog.add("另一项。", "")  # present but untranslated
    edition = translate(doc, catalog, "en")
    by_source = {s.msgid: s for s in edition.segments}
    assert edition.lang == "en"

    done = by_source["第一节"]
    assert (done.text, done.lang, done.fallback) == ("Section One", "en", False)
    for source in ("第一段，接着写。", "另一项。", "测试标题"):  # fuzzy, empty, absent
        seg = by_source[source]
        assert (seg.text, seg.lang, seg.fallback) == (source, "zh-Hans", True), source
    assert {s.msgid for s in edition.fallbacks()} == {s.text for s in doc.segments} - {"第一节"}
    # The structure is untouched: same segment ids, same lines.
    assert [(s.id, s.line) for s in edition.segments] == [(s.id, s.line) for s in doc.segments]


def test_translate_without_a_catalogue_falls_back_everywhere(doc):
    edition = translate(doc, None, "en")
    assert all(s.fallback and s.lang == "zh-Hans" and s.text == s.msgid for s in edition.segments)


# --- reading PO files strictly ------------------------------------------------------------

def test_valid_catalogue_is_read(tmp_path):
    path = write_po(tmp_path, 'msgid "你好"\nmsgstr "Hello"\n\n#, fuzzy\nmsgid "世界"\nmsgstr "World"\n')
    catalog = read_catalog(path, "en")
    assert [(m.id, m.string, m.fuzzy) for m in catalog if m.id] == [("你好", "Hello", False),
                                                                   ("世界", "World", True)]


def test_hygiene_applies_to_catalogues(tmp_path):
    path = write_po(tmp_path, 'msgid "你好"\nmsgstr "互联\u2f79"\n')
    assert read_catalog(path, "zh-Hant").get("你好").string == "互联网"


def assert_po_error(path: Path, line: int, *words: str) -> DiglotError:
    with pytest.raises(DiglotError) as info:
        read_catalog(path, "en")
    error = info.value
    assert (error.path, error.line) == (path, line), str(error)
    assert str(error).startswith(f"{path}:{line}: ")
    for word in words:
        assert word.lower() in error.message.lower(), error.message
    return error


def test_unterminated_string(tmp_path):
    body = 'msgid "你好"\nmsgstr "Hello\n'
    path = write_po(tmp_path, body)
    assert_po_error(path, line_of(HEADER + body, 'msgstr "Hello'), "unterminated")


def test_unterminated_continuation_line(tmp_path):
    body = 'msgid "你好"\nmsgstr ""\n"Hello\n"world"\n'
    path = write_po(tmp_path, body)
    assert_po_error(path, line_of(HEADER + body, '"Hello'), "unterminated")


def test_bad_escape(tmp_path):
    body = 'msgid "你好"\nmsgstr "Hel\\qlo"\n'
    path = write_po(tmp_path, body)
    assert_po_error(path, line_of(HEADER + body, "Hel\\q"), "\\q")


def test_keyword_without_a_quoted_string_is_an_error(tmp_path):
    """msgfmt rejects `msgid 你好`; silently dropping the message would publish a fallback."""
    body = 'msgid 你好\nmsgstr "Hello"\n\nmsgid "世界"\nmsgstr "World"\n'
    path = write_po(tmp_path, body)
    assert subprocess.run(["msgfmt", "-c", "-o", "/dev/null", str(path)], capture_output=True).returncode != 0
    with pytest.raises(DiglotError) as info:
        read_catalog(path, "en")
    assert (info.value.path, info.value.line) == (path, line_of(HEADER + body, "msgid 你好"))


def test_duplicate_msgid(tmp_path):
    body = 'msgid "你好"\nmsgstr "Hello"\n\nmsgid "世界"\nmsgstr "World"\n\nmsgid "你好"\nmsgstr "Hi"\n'
    path = write_po(tmp_path, body)
    assert_po_error(path, line_of(HEADER + body, 'msgid "你好"', 2), "duplicate")


def test_same_msgid_in_different_contexts_is_not_a_duplicate(tmp_path):
    body = 'msgctxt "a"\nmsgid "你好"\nmsgstr "Hello"\n\nmsgctxt "b"\nmsgid "你好"\nmsgstr "Hi"\n'
    catalog = read_catalog(write_po(tmp_path, body), "en")
    assert sorted(m.string for m in catalog if m.id) == ["Hello", "Hi"]


def test_non_utf8_bytes(tmp_path):
    path = tmp_path / "x.po"
    path.write_bytes((HEADER + 'msgid "a"\n').encode("utf-8") + b'msgstr "caf\xe9"\n')
    assert_po_error(path, line_of(HEADER + 'msgid "a"\nmsgstr "caf', 'msgstr "caf'), "UTF-8")


def test_declared_charset_other_than_utf8(tmp_path):
    header = HEADER.replace("charset=UTF-8", "charset=GBK")
    path = write_po(tmp_path, 'msgid "a"\nmsgstr "b"\n', header=header)
    assert_po_error(path, line_of(header, "charset=GBK"), "GBK", "UTF-8")


def test_byte_order_mark(tmp_path):
    path = tmp_path / "x.po"
    path.write_bytes(b"\xef\xbb\xbf" + (HEADER + 'msgid "a"\nmsgstr "b"\n').encode("utf-8"))
    assert_po_error(path, 1, "BOM")


def test_fuzzy_header(tmp_path):
    header = "#, fuzzy\n" + HEADER
    path = write_po(tmp_path, 'msgid "a"\nmsgstr "b"\n', header=header)
    assert_po_error(path, line_of(header, 'msgid ""'), "fuzzy")


def test_missing_plural_forms(tmp_path):
    header = HEADER.replace('"Plural-Forms: nplurals=2; plural=(n != 1);\\n"\n', "")
    path = write_po(tmp_path, 'msgid "a"\nmsgstr "b"\n', header=header)
    assert_po_error(path, line_of(header, 'msgid ""'), "Plural-Forms")


def test_unknown_keyword_line(tmp_path):
    body = 'msgid "你好"\nmsgstr "Hello"\nfoo bar\n'
    path = write_po(tmp_path, body)
    assert_po_error(path, line_of(HEADER + body, "foo bar"))


# --- the committed catalogues ---------------------------------------------------------

COMMITTED = sorted((REPO / "translations").rglob("*.po"))


def test_there_are_committed_catalogues():
    assert COMMITTED, "no .po file under translations/"


@pytest.mark.parametrize("path", COMMITTED, ids=lambda p: p.relative_to(REPO).as_posix())
def test_committed_catalogue_passes_msgfmt_check(path):
    result = subprocess.run(["msgfmt", "-c", "-o", "/dev/null", str(path)], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize("path", COMMITTED, ids=lambda p: p.relative_to(REPO).as_posix())
def test_committed_catalogue_is_read_by_diglot(path):
    lang = path.parent.parent.name.replace("_", "-")
    read_catalog(path, lang)


@pytest.mark.parametrize("escaped, text", [
    ("5\\\\*3", "5\\*3"),                 # a backslash, then a star: the pair is read first
    ("a \\\\\\\\ b", "a \\\\ b"),            # two escaped backslashes
    ("\\x41\\102C", "ABC"),                # hexadecimal and octal escapes are bytes for msgfmt
    ("\\xe4\\xb8\\x80\\344\\272\\214", "一二"),  # ... so a run of them is UTF-8
    ('say \\"hi\\"', 'say "hi"'),
])
def test_escapes_are_read_as_msgfmt_reads_them(tmp_path, escaped, text):
    po = tmp_path / "en.po"
    po.write_text(HEADER + f'msgid "m"\nmsgstr "{escaped}"\n', encoding="utf-8")
    assert read_catalog(po, "en").get("m").string == text
    gnu = subprocess.run(["msgunfmt", "-"], input=subprocess.run(["msgfmt", "-o", "-", str(po)], check=True,
                         capture_output=True).stdout, capture_output=True, check=True).stdout.decode("utf-8")
    assert "msgstr" in gnu  # msgfmt accepted it


@pytest.mark.parametrize("escaped", ["5\\*3", "\\<", "\\e", "\\u4e00"])
def test_escapes_msgfmt_refuses_are_errors_at_their_line(tmp_path, escaped):
    po = tmp_path / "en.po"
    po.write_text(HEADER + f'msgid "m"\nmsgstr "{escaped}"\n', encoding="utf-8")
    assert subprocess.run(["msgfmt", "-o", "/dev/null", str(po)], capture_output=True).returncode != 0
    with pytest.raises(DiglotError) as error:
        read_catalog(po, "en")
    assert error.value.line == HEADER.count("\n") + 2 and "escape" in error.value.message
