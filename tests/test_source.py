"""diglot/source.py: front matter, segments with their real source lines, structure, errors at path:line."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from diglot.errors import DiglotError
from diglot.source import read_document

DOC = """\
---
title: 测试标题[^t]
description: 一份说明。
lang: zh-Hans
date: 2018-11-14
publisher: Internet Governance Forum
---

<!-- 编辑注释：不发布 -->

# 第一节

这是第一行
接着第二行。

Latin words
continue here.

- 项目一
- 项目二

  第二段

## 小节

1. 甲
2. 乙

> 引文

```
代码 不翻译
```

---

<div>raw html</div>

[^t]: 脚注文字
"""


def write(tmp_path: Path, text: str, name: str = "doc.md") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def line_of(text: str, needle: str) -> int:
    """1-based line of the first line of ``text`` that contains ``needle``."""
    for number, line in enumerate(text.split("\n"), start=1):
        if needle in line:
            return number
    raise AssertionError(f"{needle!r} not in the test document")


@pytest.fixture
def doc(tmp_path):
    return read_document(write(tmp_path, DOC))


def test_front_matter_fields(doc):
    assert doc.slug == "doc"
    assert doc.lang == "zh-Hans"
    assert doc.title.text == "测试标题[^t]"
    assert doc.description.text == "一份说明。"
    assert doc.meta.date == date(2018, 11, 14) and doc.meta.date_text == "2018-11-14"
    assert doc.field_text("publisher") == "Internet Governance Forum"
    assert doc.field("publisher").kind == "publisher"  # a message to translate, like the title
    assert doc.meta.identifier  # a default identifier when the front matter has none


@pytest.mark.parametrize("written, expected", [("2018", date(2018, 1, 1)), ("2018-11", date(2018, 11, 1))])
def test_partial_dates_keep_their_precision(tmp_path, written, expected):
    doc = read_document(write(tmp_path, f"---\ntitle: 标题\nlang: zh-Hans\ndate: {written}\n---\n\n正文\n"))
    assert doc.meta.date == expected and doc.meta.date_text == written


def test_segment_lines_are_where_the_text_is(doc):
    """Each segment's 1-based line is the line of the file where its text starts."""
    expected = {
        "测试标题[^t]": line_of(DOC, "title:"),
        "一份说明。": line_of(DOC, "description:"),
        "Internet Governance Forum": line_of(DOC, "publisher:"),
        "第一节": line_of(DOC, "# 第一节"),
        "这是第一行接着第二行。": line_of(DOC, "这是第一行"),
        "Latin words continue here.": line_of(DOC, "Latin words"),
        "项目一": line_of(DOC, "- 项目一"),
        "项目二": line_of(DOC, "- 项目二"),
        "第二段": line_of(DOC, "  第二段"),
        "小节": line_of(DOC, "## 小节"),
        "甲": line_of(DOC, "1. 甲"),
        "乙": line_of(DOC, "2. 乙"),
        "引文": line_of(DOC, "> 引文"),
        "<div>raw html</div>": line_of(DOC, "<div>"),
        "脚注文字": line_of(DOC, "[^t]: 脚注文字"),
    }
    got = {seg.text: seg.line for seg in doc.segments}
    assert got == expected


def test_segment_kinds_and_order(doc):
    assert [(s.kind, s.text) for s in doc.segments] == [
        ("title", "测试标题[^t]"), ("description", "一份说明。"), ("publisher", "Internet Governance Forum"),
        ("heading", "第一节"), ("paragraph", "这是第一行接着第二行。"), ("paragraph", "Latin words continue here."),
        ("paragraph", "项目一"), ("paragraph", "项目二"), ("paragraph", "第二段"),
        ("heading", "小节"), ("paragraph", "甲"), ("paragraph", "乙"), ("paragraph", "引文"),
        ("paragraph", "<div>raw html</div>"), ("footnote", "脚注文字"),
    ]
    assert len({s.id for s in doc.segments}) == len(doc.segments), "segment ids must be unique"


def test_block_structure(doc):
    text = {s.id: s.text for s in doc.segments}
    kinds = [n.kind for n in doc.body]
    assert kinds == ["heading", "paragraph", "paragraph", "list", "heading", "list", "quote", "code", "rule",
                     "paragraph"]
    h1, _p1, _p2, bullets, h2, numbered, quote, code, _rule, _raw = doc.body
    assert (h1.level, text[h1.segment]) == (1, "第一节")
    assert (h2.level, text[h2.segment]) == (2, "小节")
    assert not bullets.ordered and numbered.ordered and numbered.start == 1
    items = [[text[c.segment] for c in item.children] for item in bullets.children]
    assert items == [["项目一"], ["项目二", "第二段"]]
    assert [text[item.children[0].segment] for item in numbered.children] == ["甲", "乙"]
    assert [text[c.segment] for c in quote.children] == ["引文"]
    # Code is kept literally and is not a translatable segment.
    assert code.literal == "代码 不翻译\n" and code.segment is None
    assert all("代码" not in s.text for s in doc.segments)
    # Footnote definitions are kept apart from the body, with their label.
    assert [(n.kind, n.label) for n in doc.footnotes] == [("footnote", "t")]
    assert [text[c.segment] for c in doc.footnotes[0].children] == ["脚注文字"]


def test_wrapped_lines_join_without_space_between_han_and_with_one_between_words(tmp_path):
    doc = read_document(write(tmp_path, "---\ntitle: 标题\nlang: zh-Hans\n---\n\n"
                                        "网络安全和隐私往往是相互\n交织的。\n\n"
                                        "Only a safe\nand secure cyberspace\n   can generate trust.\n"))
    paragraphs = [s.text for s in doc.segments if s.kind == "paragraph"]
    assert paragraphs == ["网络安全和隐私往往是相互交织的。", "Only a safe and secure cyberspace can generate trust."]


def test_html_comments_are_dropped(doc, tmp_path):
    assert all("编辑注释" not in s.text for s in doc.segments)
    multi = read_document(write(tmp_path, "---\ntitle: 标题\nlang: zh-Hans\n---\n\n<!--\n多行\n注释\n-->\n\n正文\n",
                                "multi.md"))
    assert [s.text for s in multi.segments] == ["标题", "正文"]


def test_inline_html_comment_is_dropped(tmp_path):
    """An editor's note inside a paragraph is not published (nor sent to translators)."""
    doc = read_document(write(tmp_path, "---\ntitle: 标题\nlang: zh-Hans\n---\n\n第一段<!-- 编辑注释 -->继续。\n"))
    paragraph = [s.text for s in doc.segments if s.kind == "paragraph"]
    assert paragraph == ["第一段继续。"]


def test_raw_html_is_kept_as_text(doc):
    raw = [s for s in doc.segments if "<div>" in s.text]
    assert [s.text for s in raw] == ["<div>raw html</div>"]


def test_hygiene_applies_to_sources(tmp_path):
    doc = read_document(write(tmp_path, "---\ntitle: \u2f79络\nlang: zh-Hans\n---\n\n\u2f08们\n"))
    assert [s.text for s in doc.segments] == ["网络", "人们"]


def test_byte_order_mark_and_crlf_are_accepted(tmp_path):
    path = tmp_path / "doc.md"
    path.write_bytes(b"\xef\xbb\xbf---\r\ntitle: T\r\nlang: zh-Hans\r\n---\r\n\r\ntext\r\n")
    doc = read_document(path)
    assert [(s.text, s.line) for s in doc.segments] == [("T", 2), ("text", 6)]


# --- errors: path:line and a message ---------------------------------------------------

def error_of(path: Path) -> DiglotError:
    with pytest.raises(DiglotError) as info:
        read_document(path)
    return info.value


def lines_of(error: DiglotError) -> list[tuple[Path | None, int | None]]:
    errors = getattr(error, "errors", None) or [error]
    return [(e.path, e.line) for e in errors]


@pytest.mark.parametrize("front, bad_line, words", [
    ("title: 标题: 副标题\nlang: zh-Hans\n", 2, "malformed"),  # mapping values are not allowed here
    ("title: 标题\n\tlang: zh-Hans\n", 3, "malformed"),  # a tab cannot start a token
    ("title: 标题\nlang: zh-Hans\n  extra: 1\n", 4, "malformed"),
])
def test_malformed_yaml_is_reported_at_its_line(tmp_path, front, bad_line, words):
    path = write(tmp_path, f"---\n{front}---\n\n正文\n")
    error = error_of(path)
    assert (error.path, error.line) == (path, bad_line)
    assert words in error.message
    assert str(error).startswith(f"{path}:{bad_line}: ")


def test_unknown_key_is_reported_at_its_line(tmp_path):
    text = "---\ntitle: 标题\nlang: zh-Hans\ncolour: red\n---\n\n正文\n"
    error = error_of(write(tmp_path, text))
    assert error.line == line_of(text, "colour:")
    assert "colour" in error.message and "title" in error.message  # names the key and the allowed ones


@pytest.mark.parametrize("key", ["title", "lang"])
def test_missing_required_key(tmp_path, key):
    fields = {"title": "title: 标题", "lang": "lang: zh-Hans"}
    del fields[key]
    path = write(tmp_path, "---\n" + "\n".join(fields.values()) + "\n---\n\n正文\n")
    error = error_of(path)
    assert error.path == path and error.line is not None and 1 <= error.line <= 3
    assert f"'{key}'" in error.message


@pytest.mark.parametrize("lang", ["en", "zh-Hant", "zh-CN", "zh-HK", "fr", "ja"])
def test_any_source_language_is_read_as_its_bcp47_tag(tmp_path, lang):
    path = write(tmp_path, f"---\ntitle: Title\nlang: {lang}\n---\n\nText\n")
    doc = read_document(path)
    assert doc.lang == doc.meta.lang == lang
    assert {seg.lang for seg in doc.segments} == {doc.lang}


@pytest.mark.parametrize("lang", ["english", "xx-Foo", "zh_INVALID_ñ", "42", "[en, fr]"])
def test_a_source_language_that_is_no_language_is_refused_at_its_line(tmp_path, lang):
    text = f"---\ntitle: 标题\nlang: {lang}\n---\n\n正文\n"
    path = write(tmp_path, text)
    error = error_of(path)
    assert (error.path, error.line) == (path, line_of(text, "lang:"))
    assert "lang" in error.message and "BCP 47" in error.message


def test_invalid_utf8_is_reported_at_the_line_of_the_bad_byte(tmp_path):
    path = tmp_path / "doc.md"
    path.write_bytes("---\ntitle: 标题\nlang: zh-Hans\n---\n\n第一行\n".encode("utf-8") + b"caf\xe9 au lait\n")
    error = error_of(path)
    assert (error.path, error.line) == (path, 7)
    assert "UTF-8" in error.message


def test_no_front_matter(tmp_path):
    path = write(tmp_path, "# 标题\n\n正文\n")
    error = error_of(path)
    assert (error.path, error.line) == (path, 1)
    assert "front matter" in error.message


def test_unclosed_front_matter(tmp_path):
    path = write(tmp_path, "---\ntitle: 标题\nlang: zh-Hans\n\n正文\n")
    error = error_of(path)
    assert error.path == path and error.line is not None
    assert "not closed" in error.message


@pytest.mark.parametrize("written", ["2018-13", "November 2018", "2018-02-30", "2018-11-31"])
def test_bad_date_is_reported_at_its_line(tmp_path, written):
    text = f"---\ntitle: 标题\nlang: zh-Hans\ndate: {written}\n---\n\n正文\n"
    path = write(tmp_path, text)
    error = error_of(path)
    assert (error.path, error.line) == (path, line_of(text, "date:"))
    assert written in error.message


def test_several_front_matter_problems_are_reported_together(tmp_path):
    text = "---\ntitle: 标题\ncolour: red\nsize: 3\n---\n\n正文\n"
    path = write(tmp_path, text)
    found = lines_of(error_of(path))
    assert (path, line_of(text, "colour:")) in found
    assert (path, line_of(text, "size:")) in found


# --- figures, notes and comments: every problem of a document at once, each at its line ------

def test_every_bad_figure_is_refused_at_its_line_in_one_run(tmp_path):
    import os

    (tmp_path / "images").mkdir()
    from PIL import Image

    Image.new("RGB", (4, 4)).save(tmp_path / "images" / "fake.png", format="GIF")  # a GIF named .png
    (tmp_path / "images" / "broken.jpg").write_bytes(b"\xff\xd8\xff not a JPEG")
    (tmp_path / "images" / "page.html").write_text("<p>not an image</p>", encoding="utf-8")
    outside = tmp_path.parent / f"{tmp_path.name}-outside.png"
    outside.write_bytes(b"\x89PNG\r\n\x1a\n")
    os.symlink(outside, tmp_path / "images" / "link.png")
    text = ("---\ntitle: 图\nlang: zh-Hans\n---\n\n"
            "![远程](https://example.com/a.png)\n\n"      # line 6
            "![外面](../outside.png)\n\n"                  # 8
            "![链接](images/link.png)\n\n"                 # 10
            "![假的](images/fake.png)\n\n"                 # 12
            "![网页](images/page.html)\n\n"                # 14
            "![没有](images/missing.png)\n\n"              # 16
            "文字里的 ![图](images/fake.png) 不行。\n\n"      # 18
            "![](images/missing.png)\n\n"                 # 20
            "![坏的](images/broken.jpg)\n")                # 22
    path = write(tmp_path, text)
    with pytest.raises(DiglotError) as caught:
        read_document(path)
    errors = getattr(caught.value, "errors", [caught.value])
    by_line: dict[int, str] = {}
    for e in errors:
        by_line[e.line] = by_line.get(e.line, "") + e.message + "\n"
    assert set(by_line) == {6, 8, 10, 12, 14, 16, 18, 20, 22}, by_line
    assert "network" in by_line[6] and "outside" in by_line[8] and "symbolic link" in by_line[10]
    assert "GIF" in by_line[12] and "not an image" in by_line[14] and "no such file" in by_line[16]
    assert "running text" in by_line[18] and "text alternative" in by_line[20] and "damaged" in by_line[22]
    assert str(tmp_path) not in "".join(by_line.values())  # the message names the source's path, not the disk's
    assert all(e.path == path for e in errors)


@pytest.mark.parametrize("body, line, words", [
    ("正文[^a]。\n\n[^a]: 一。\n\n[^a]: 二。\n", 10, "defined twice"),
    ("正文[^a]。\n\n[^a]: 注里又有注[^b]。\n\n[^b]: 二。\n", 8, "inside a footnote"),
    ("正文[^a]。\n\n[^a]: 注里叫自己[^a]。\n", 8, "inside a footnote"),  # pandoc never ends such a note
    ("正文。\n\n<!-- 没有关上的注释\n\n后面的文字\n", 8, "never closed"),
    ("## 一 {#same}\n\n## 二 {#same}\n", 8, "used twice"),
])
def test_notes_anchors_and_comments_a_reader_would_lose_are_errors(tmp_path, body, line, words):
    path = write(tmp_path, f"---\ntitle: 标题\nlang: zh-Hans\n---\n\n{body}")
    error = error_of(path)
    assert (error.line, words in error.message) == (line, True), (error.line, error.message)


def test_a_note_never_called_is_a_warning_naming_its_line(tmp_path):
    doc = read_document(write(tmp_path, "---\ntitle: 标题\nlang: zh-Hans\n---\n\n正文。\n\n[^x]: 没人叫我。\n"))
    assert len(doc.warnings) == 1 and doc.warnings[0].endswith("footnote [^x] is defined but never called; it is "
                                                               "not published") and ":8:" in doc.warnings[0]


def test_headings_keep_an_outline_without_gaps_whatever_levels_they_are_written_at(tmp_path):
    doc = read_document(write(tmp_path, "---\ntitle: 标题\nlang: zh-Hans\n---\n\n## 一\n\n#### 一之一\n\n### 一之二\n\n"
                                       "## 二 {#two}\n\n## 二\n"))
    headings = [(n.level, n.anchor) for n in doc.body if n.kind == "heading"]
    assert headings == [(1, "一"), (2, "一之一"), (2, "一之二"), (1, "two"), (1, "二")]


def test_a_bare_pipe_in_a_table_cell_is_refused_where_its_text_would_be_lost(tmp_path):
    """GFM splits a row at every unescaped |, code spans too, and drops cells past the header's:
    a silent loss of text, so an error at the row's line; an escaped \\| is one cell."""
    text = ("---\ntitle: t\nlang: en\n---\n\n| command | meaning |\n|---|---|\n"
            "| `a \\| b` | pipe, escaped |\n| `gpg --clearsign file|mail x@example.org` | send it signed |\n")
    error = error_of(write(tmp_path, text))
    assert lines_of(error) == [(tmp_path / "doc.md", line_of(text, "gpg --clearsign"))]
    assert "3 cells" in error.message and "\\|" in error.message


# --- Markdown within bounds: refused at its line before any parser reads it ------------------------

HEAD = "---\ntitle: 标题\nlang: zh-Hans\n---\n\n"  # the body starts on line 6


@pytest.mark.parametrize("body, line, words", [
    ("文字" + "`" * 6_000 + "文字", 8, "6,000 '`'"),
    ("文字" + "*" * 100_000 + "文字", 8, "100,000 '*'"),
    ("- 项目\n\n  文字" + "_" * 101, 10, "101 '_'"),
    ("# 标题" + "[" * 500, 8, "500 '['"),
    ("| a | b |\n|---|---|\n| 甲 | " + "~" * 200 + " |", 10, "200 '~'"),
    ("*a_" * 20_000, 8, "emphasis marks"),  # pandoc: 2 s at 10,000, 40 s at 50,000 (quadratic)
    ("[a](https://example.org/) " * 101, 8, "101 '['"),  # pandoc: 8,000 links took 49 s
    ("文[^1]" * 12_500 + "\n\n[^1]: 注。", 8, "'['"),  # markdown-it: 25,000 '[^' took 15 s
])
def test_markdown_beyond_its_bounds_is_refused_at_its_line_before_it_is_parsed(tmp_path, body, line, words):
    import time

    started = time.process_time()
    error = error_of(write(tmp_path, HEAD + "正文。\n\n" + body + "\n"))
    assert time.process_time() - started < 0.5
    assert error.line == line and words in error.message, (error.line, error.message)


def test_markdown_bounds_name_the_line_inside_a_block(tmp_path):
    text = HEAD + "第一行，\n第二行，\n第三行" + "*" * 150 + "。\n"
    assert error_of(write(tmp_path, text)).line == 8


def test_long_runs_that_documents_hold_are_read(tmp_path):
    """Rules, table rows, long fences, fill-in blanks, escaped or coded runs: no limit is met."""
    from diglot.limits import MAX_BRACKETS, MAX_EMPHASIS

    text = HEAD + "\n\n".join([
        "正文。",
        "-" * 80,  # a thematic break
        "| 名称 | 说明 |\n|" + "-" * 120 + "|:" + "-" * 120 + ":|\n| 甲 | 乙 |",  # a table's separator row
        "``````\n```\n" + "*" * 300 + "\n```\n``````",  # a fence holding a fence, and a long line of code
        "姓名：" + "\\_" * 150 + "，日期：" + "_" * 40,  # fill-in blanks, escaped or not
        "代码 ``" + "*" * 150 + " ` " + "[" * 300 + "`` 结束。",  # inside code, markup is text
        "链接" + "[甲](https://example.org/) " * MAX_BRACKETS,
        "强调" + "a*b " * (MAX_EMPHASIS // 2) + "a_b " * (MAX_EMPHASIS // 2),
        "===",
    ]) + "\n"
    doc = read_document(write(tmp_path, text))
    assert any("*" * 150 in seg.text for seg in doc.segments)


def test_a_source_within_the_markup_limits_as_a_whole_has_no_block_beyond_them():
    """The blocks' markup limits (safety.check_markup) are read block by block only when the
    whole source is beyond them: whenever the whole text passes, no block of it fails (checked
    on texts of brackets, emphasis, code, escapes and containers, with limits made small)."""
    from hypothesis import given, settings
    from hypothesis import strategies as st

    import diglot.safety
    from diglot.safety import within_markup_limits
    from diglot.source import _block_markup_limits

    pieces = st.sampled_from(["[", "]", "*", "**", "_", "`", "``", "\\", "\\*", "\\[", " ", "\n", "\n\n", "> ", "- ",
                              "1. ", "    ", "| a | b |\n|---|---|\n", "# ", "~", "^", "<", ":", "$", "{", "文"])

    @settings(max_examples=400, deadline=None, derandomize=True, database=None)
    @given(st.lists(pieces, max_size=80).map("".join))
    def check(text: str) -> None:
        if within_markup_limits(text):
            assert _block_markup_limits(text, Path("x.md")) == []

    with pytest.MonkeyPatch.context() as patch:
        for name, value in (("MAX_BRACKETS", 4), ("MAX_DELIMITER_RUN", 3), ("MAX_EMPHASIS", 6)):
            patch.setattr(diglot.safety, name, value)
        check()
        for over in ("[a[b[c[d[e", "a****b", "*a*b*c*d*e*f*"):  # five brackets, a run of four, seven marks
            assert not within_markup_limits(over) and _block_markup_limits(over, Path("x.md"))
        assert within_markup_limits("[a](b) *c*")
