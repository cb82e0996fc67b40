"""Tests for diglot.importer: PDF-extracted text and DOCX to Diglot's source format."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml
from markdown_it import MarkdownIt
from mdit_py_plugins.footnote import footnote_plugin
from mdit_py_plugins.front_matter import front_matter_plugin

from conftest import seed_path
from diglot.errors import DiglotError
from diglot.hygiene import count_radicals
from diglot.importer import (
    Guess, ImportResult, format_report, import_docx, import_file, import_text, read_input, slugify,
)

ROOT = Path(__file__).resolve().parents[1]
SEED_NAME = "000_d8035beedef94756.txt"
COMMITTED = ROOT / "source" / "igf-2018-cybersecurity.md"
HAN_SPACE_HAN = re.compile(r"[\u4e00-\u9fff][ \t\u3000]+[\u4e00-\u9fff]")


@pytest.fixture(scope="module")
def seed() -> Path:
    return seed_path()


@pytest.fixture(scope="module")
def seed_result(seed: Path) -> ImportResult:
    return import_text(read_input(seed))


# ---------------------------------------------------------------- Markdown structure


def _parser() -> MarkdownIt:
    md = MarkdownIt("commonmark").use(front_matter_plugin).use(footnote_plugin)
    md.disable("footnote_tail")  # keep definitions referenced only from the title
    return md


def structure(markdown: str) -> dict:
    """Front matter, then per heading: list items and paragraphs; footnote definitions."""
    tokens = _parser().parse(markdown)
    front = yaml.safe_load(next(t.content for t in tokens if t.type == "front_matter"))
    sections: list[dict] = [{"heading": None, "items": 0, "paragraphs": 0, "texts": []}]
    footnotes, in_footnote = [], 0
    for index, tok in enumerate(tokens):
        if tok.type == "footnote_reference_open":
            in_footnote += 1
            footnotes.append(tok.meta["label"])
        elif tok.type == "footnote_reference_close":
            in_footnote -= 1
        elif in_footnote:
            continue
        elif tok.type == "heading_open":
            sections.append({"heading": tokens[index + 1].content, "items": 0, "paragraphs": 0, "texts": []})
        elif tok.type == "list_item_open":
            sections[-1]["items"] += 1
        elif tok.type == "paragraph_open":
            sections[-1]["paragraphs"] += tok.level == 0
            sections[-1]["texts"].append(tokens[index + 1].content)
    return {"front": front, "sections": sections, "footnotes": footnotes, "tokens": tokens}


def body_of(markdown: str) -> str:
    return markdown.split("\n---\n", 1)[1]


def kinds(result: ImportResult) -> list[str]:
    return [g.kind for g in result.guesses]


def texts(markdown: str) -> list[str]:
    return [t for section in structure(markdown)["sections"] for t in section["texts"]]


# ---------------------------------------------------------------- the seed


def test_seed_has_the_committed_structure(seed_result: ImportResult):
    if not COMMITTED.is_file():
        pytest.skip(f"{COMMITTED} is absent")
    ours, theirs = structure(seed_result.markdown), structure(COMMITTED.read_text(encoding="utf-8"))
    headings = [s["heading"] for s in ours["sections"][1:]]
    assert headings == [s["heading"] for s in theirs["sections"][1:]]
    assert len(headings) == 9
    assert [s["items"] for s in ours["sections"]] == [s["items"] for s in theirs["sections"]]
    assert [s["paragraphs"] for s in ours["sections"]] == [s["paragraphs"] for s in theirs["sections"]]
    assert len(ours["footnotes"]) == len(theirs["footnotes"]) == 2


def test_seed_title_and_title_footnote(seed_result: ImportResult):
    result = structure(seed_result.markdown)
    assert result["front"] == {"title": "IGF 2018 关键信息——网络安全，信任和隐私[^1]", "lang": "zh-Hans"}
    assert "1" in result["footnotes"]
    assert seed_result.markdown.rstrip().endswith("[^1]: 这是向社区投入开放的IGF消息的初稿。如需提供信息反馈，请写信至igf@un.org")
    assert "[^2]: <https://cyberstability.org/research/call-to-protect/>" in seed_result.markdown


def test_seed_text_is_clean(seed_result: ImportResult):
    markdown = seed_result.markdown
    assert count_radicals(markdown) == 0
    assert "\n\n\n" not in markdown
    assert not HAN_SPACE_HAN.search(body_of(markdown))
    assert "然而，通常情况下，终端用户被视为风险" in markdown  # joined across the page gap
    for text in texts(markdown):  # no paragraph cut at a page break
        assert text[-1] in "。！？”" or text.endswith("[^2]"), text


def test_seed_report_line_numbers(seed: Path, seed_result: ImportResult):
    lines = seed.read_text(encoding="utf-8").split("\n")
    headings = {g.line: g.message for g in seed_result.guesses if g.kind == "heading"}
    assert sorted(headings) == [6, 13, 35, 56, 86, 92, 99, 109, 125]
    assert lines[6 - 1].strip() == "总体信息"
    assert headings[6] == 'heading "总体信息" (short line, no sentence punctuation, stands alone)'
    assert "follows a sentence end" in headings[35]  # 网络外交 right after a bullet's 。
    joins = [g for g in seed_result.guesses if g.kind == "join-across-gap"]
    assert [g.line for g in joins] == [29, 102, 136]
    assert "line 33" in joins[0].message
    report = format_report(seed, seed_result).split("\n")
    assert f"{seed}:6: heading: " + headings[6] in report
    assert any(line.startswith(f"{seed}:67: footnote: ") for line in report)
    assert any(line.startswith(f"{seed}:159: title-note: ") for line in report)


def test_seed_output_reads_as_a_diglot_source(seed_result: ImportResult, tmp_path: Path):
    source = pytest.importorskip("diglot.source", reason="diglot.source is not importable")
    path = tmp_path / "igf.md"
    path.write_text(seed_result.markdown, encoding="utf-8")
    document = source.read_document(path)
    assert document.lang == "zh-Hans"
    assert len(document.footnotes) == 2


# ---------------------------------------------------------------- rules on small inputs


def test_hygiene_maps_radicals_and_keeps_fullwidth_punctuation():
    result = import_text("标题\n\n⽹络安全，信任（和隐私）！\n")
    assert "网络安全，信任（和隐私）！" in result.markdown
    assert count_radicals(result.markdown) == 0


def test_rejoins_han_without_space():
    result = import_text("标题\n\n网络安全和隐私往往是相互交\n织的，“互相\n依存”。\n")
    assert texts(result.markdown) == ["网络安全和隐私往往是相互交织的，“互相依存”。"]


def test_rejoins_latin_with_one_space_and_han_latin_without():
    result = import_text("Title\n\nThe Internet Governance\nForum met in Paris,\nFrance.\n\n开放的\nIGF消息。\n")
    assert texts(result.markdown) == ["The Internet Governance Forum met in Paris, France.", "开放的IGF消息。"]


def test_hyphenated_word_rejoined_unless_next_part_is_capitalised():
    result = import_text("Title\n\nWe need inter-\nnational help and Franco-\nGerman talks on COVID-\n19.\n")
    assert texts(result.markdown) == ["We need international help and Franco-German talks on COVID-19."]


def test_page_gap_inside_a_sentence_is_joined_and_reported():
    result = import_text("标题\n\n这是第一页的文字，\n\n\n\n第二页继续。\n")
    assert texts(result.markdown) == ["这是第一页的文字，第二页继续。"]
    join = next(g for g in result.guesses if g.kind == "join-across-gap")
    assert join.line == 3 and "line 7" in join.message


def test_page_gap_after_a_sentence_end_is_a_paragraph_break():
    result = import_text("标题\n\n第一段结束。\n\n\n第二段。\n")
    assert texts(result.markdown) == ["第一段结束。", "第二段。"]
    assert "join-across-gap" not in kinds(result)


def test_form_feed_is_a_page_gap():
    result = import_text("标题\n\n第一页的文字没有\n\f结束，在这里结束。\n")
    assert texts(result.markdown) == ["第一页的文字没有结束，在这里结束。"]
    assert "join-across-gap" in kinds(result)


def test_page_numbers_and_running_header_removed_and_reported():
    text = (
        "IGF 报告\n报告标题\n\n第一页的文字，没有\n\n- 1 -\n"
        "\fIGF 报告\n结束的句子继续写。第二段\n\n2\n"
        "\fIGF 报告\n第三页开始的内容。\n\n第 3 页\n"
    )
    result = import_text(text)
    assert structure(result.markdown)["front"]["title"] == "报告标题"
    assert texts(result.markdown) == ["第一页的文字，没有结束的句子继续写。第二段第三页开始的内容。"]
    numbers = [g.line for g in result.guesses if g.kind == "page-number"]
    assert numbers == [6, 10, 14]
    header = next(g for g in result.guesses if g.kind == "header-removed")
    assert header.line == 1 and "lines 1, 7, 11" in header.message
    assert kinds(result).count("join-across-gap") == 2


def test_pdftotext_output_paragraphs_headers_and_page_numbers():
    # pdftotext of a 3-page A6 PDF: no blank lines between paragraphs, a running
    # header, "-2-" page numbers (one right under the text) and form feeds.
    path = Path(__file__).parent / "data" / "import" / "pdftotext-sample.txt"
    result = import_text(read_input(path))
    parsed = structure(result.markdown)
    assert parsed["front"]["title"] == "测试文档标题"
    assert [s["heading"] for s in parsed["sections"][1:]] == ["第1节 标题", "第2节 标题", "第3节 标题"]
    assert [(s["paragraphs"], s["items"]) for s in parsed["sections"][1:]] == [(3, 2)] * 3
    assert "关键信息（草稿）" not in result.markdown and "-2-" not in result.markdown
    assert "对数字空间的信任" in parsed["sections"][3]["texts"][0]  # joined over page 2's foot
    assert [g.line for g in result.guesses if g.kind == "page-number"] == [22, 47, 66]
    assert next(g for g in result.guesses if g.kind == "header-removed").line == 1
    assert [g.line for g in result.guesses if g.kind == "join-across-gap"] == [46]
    assert kinds(result).count("paragraph") == 6


def test_headings_detected_and_one_rejected_for_its_full_stop():
    text = (
        "标题\n\n概述\n\n正文第一句。\n\n这是一句。\n\n更多正文在这里。\n"
        "小标题\n\n正文。\n\n另一标题\n这是正文的第一行，比标题长得多的一行文字，\n结束。\n"
    )
    result = import_text(text)
    sections = structure(result.markdown)["sections"]
    assert [s["heading"] for s in sections[1:]] == ["概述", "小标题", "另一标题"]
    assert sections[1]["texts"] == ["正文第一句。", "这是一句。", "更多正文在这里。"]
    messages = {g.line: g.message for g in result.guesses if g.kind == "heading"}
    assert set(messages) == {3, 10, 14}
    assert "follows a sentence end" in messages[10]
    assert "followed by a longer line" in messages[14]


def test_short_last_line_is_not_a_heading():
    result = import_text("标题\n\n正文。\n\n落款单位\n")
    assert "heading" not in kinds(result)
    assert texts(result.markdown)[-1] == "落款单位"


@pytest.mark.parametrize("line, markdown", [
    ("•   第一项。", "- 第一项。"),
    ("· 第一项。", "- 第一项。"),
    ("- 第一项。", "- 第一项。"),
    ("● 第一项。", "- 第一项。"),
    ("▪第一项。", "- 第一项。"),
    ("1. 第一项。", "1. 第一项。"),
    ("3) 第一项。", "3. 第一项。"),
    ("一、第一项。", "- 一、第一项。"),
    ("（一）第一项。", "- （一）第一项。"),
])
def test_bullet_forms(line: str, markdown: str):
    result = import_text(f"标题\n\n{line}\n{line}\n")
    assert body_of(result.markdown).strip() == f"{markdown}\n\n{markdown}"
    assert structure(result.markdown)["sections"][0]["items"] == 2
    assert "list" in kinds(result)


def test_bullet_continues_until_blank_line_or_next_bullet():
    text = "标题\n\n• 第一项的文字\n继续。\n• 第二项。\n\n之后的段落。\n"
    result = import_text(text)
    assert body_of(result.markdown).strip() == "- 第一项的文字继续。\n\n- 第二项。\n\n之后的段落。"


def test_decimal_number_is_not_a_list_item():
    result = import_text("标题\n\n1.5 倍的增长。\n")
    assert texts(result.markdown) == ["1.5 倍的增长。"]


def test_url_line_becomes_footnote_on_preceding_sentence():
    result = import_text("标题\n\n第一段，有两句。第二句。\n\nhttps://example.org/a_b\n\n第二段。\n")
    assert texts(result.markdown) == ["第一段，有两句。第二句。[^1]", "第二段。"]
    assert "[^1]: <https://example.org/a_b>" in result.markdown
    note = next(g for g in result.guesses if g.kind == "footnote")
    assert note.line == 5 and "line 3" in note.message and "move it" in note.message


def test_url_line_joined_paragraph_attaches_before_the_gap():
    text = "标题\n\n第一句。第二句还没有\n\n\nhttps://example.org/\n\n\n结束。\n"
    result = import_text(text)
    assert texts(result.markdown) == ["第一句。[^1]第二句还没有结束。"]


@pytest.mark.parametrize("call, label", [("1", "1"), ("¹", "¹")])
def test_url_line_with_number_goes_to_the_matching_marker(call: str, label: str):
    text = f"标题\n\n对保护互联网公共核心的承诺{call}，都有助于稳定。\n\n其他段落。\n\n{label} https://cyberstability.org/\n"
    result = import_text(text)
    assert texts(result.markdown) == ["对保护互联网公共核心的承诺[^1]，都有助于稳定。", "其他段落。"]
    note = next(g for g in result.guesses if g.kind == "footnote")
    assert f'marker "{label}" in line 3' in note.message


def test_two_numbered_url_lines_find_their_own_markers():
    text = (
        "标题\n\n甲方的承诺1，乙方的声明2。\n\n1 https://a.example/\n2 https://b.example/\n"
    )
    result = import_text(text)
    assert texts(result.markdown) == ["甲方的承诺[^1]，乙方的声明[^2]。"]
    assert "[^1]: <https://a.example/>\n\n[^2]: <https://b.example/>" in result.markdown


def test_asterisk_closing_note_becomes_title_footnote_numbered_first():
    text = "我的标题\n\n正文一。\n\nhttps://example.org/\n\n＊这是初稿，\n请反馈。\n"
    result = import_text(text)
    parsed = structure(result.markdown)
    assert parsed["front"]["title"] == "我的标题[^1]"
    assert parsed["footnotes"] == ["2", "1"]  # definitions in input order, labels by first call
    assert result.markdown.rstrip().endswith("[^1]: 这是初稿，请反馈。")
    assert texts(result.markdown)[0] == "正文一。[^2]"
    assert next(g for g in result.guesses if g.kind == "title-note").line == 7


def test_asterisk_items_are_a_list_not_a_note():
    result = import_text("标题\n\n正文。\n\n* 第一项\n* 第二项\n")
    assert structure(result.markdown)["front"]["title"] == "标题"
    assert "title-note" not in kinds(result)
    assert structure(result.markdown)["sections"][0]["items"] == 2


def test_title_option_replaces_first_line():
    result = import_text("原标题\n\n正文。\n", title="新: 标题 #1")
    front = structure(result.markdown)["front"]
    assert front["title"] == "新: 标题 #1"
    assert "原标题" not in body_of(result.markdown)
    assert next(g for g in result.guesses if g.kind == "title").line == 1


@pytest.mark.parametrize("line", [
    "# 不是标题，*也不是强调* [链接] <b>。", "> 也不是引用。", "2018. 不是列表。", "1)", "+",
    "--- 不是分隔线 ---", "~~~ 不是代码。", "snake_case 和 _下划线_ 与 a\\b 与 `反引号` 与 &amp;。",
])
def test_markup_characters_are_escaped(line: str):
    tokens = _parser().parse(import_text(f"标题\n\n{line}\n").markdown)
    body = [t.type for t in tokens if t.type not in ("front_matter", "inline")]
    assert body == ["paragraph_open", "paragraph_close"]
    inline = next(t for t in tokens if t.type == "inline")
    assert [c.type for c in inline.children] == ["text"]
    assert inline.children[0].content == line


def test_decimal_and_year_keep_their_text():
    assert texts(import_text("标题\n\n2018年的1.5倍。\n").markdown) == ["2018年的1.5倍。"]


def test_english_text_gets_lang_en_and_a_report():
    result = import_text("Key Messages\n\nCybersecurity matters to everyone.\n")
    assert structure(result.markdown)["front"]["lang"] == "en"
    assert "lang" in kinds(result)


def test_bom_stripped(tmp_path: Path):
    path = tmp_path / "bom.txt"
    path.write_bytes("\ufeff标题\n\n正文。\n".encode("utf-8"))
    assert read_input(path) == "标题\n\n正文。\n"
    assert structure(import_text("\ufeff标题\n\n正文。\n").markdown)["front"]["title"] == "标题"


def test_utf16_with_bom(tmp_path: Path):
    path = tmp_path / "u16.txt"
    path.write_bytes("标题\n\n正文。\n".encode("utf-16"))
    assert read_input(path) == "标题\n\n正文。\n"


CHINESE = "网络安全和隐私是互联网治理的核心问题。\n\n我们需要更多的合作和信任。\n"
TRADITIONAL = "網絡安全和隱私是互聯網治理的核心問題。\n\n我們需要更多的合作和信任。\n"


def test_gbk_bytes_decoded_and_reported(tmp_path: Path):
    path = tmp_path / "gbk.txt"
    path.write_bytes(CHINESE.encode("gbk"))
    assert read_input(path) == CHINESE
    target, result = import_file(path, tmp_path / "source")
    assert result.guesses[0] == Guess(1, "encoding", result.guesses[0].message)
    assert "GB18030" in result.guesses[0].message
    assert "我们需要更多的合作和信任。" in target.read_text(encoding="utf-8")


def test_big5_bytes_decoded(tmp_path: Path):
    path = tmp_path / "big5.txt"
    path.write_bytes(TRADITIONAL.encode("big5"))
    assert read_input(path) == TRADITIONAL
    _, result = import_file(path, tmp_path / "source")
    assert "Big5" in result.guesses[0].message
    assert structure(result.markdown)["front"]["lang"] == "zh-Hant"


def test_too_short_to_tell_asks_for_encoding(tmp_path: Path):
    path = tmp_path / "short.txt"
    path.write_bytes("中文".encode("gbk"))
    with pytest.raises(DiglotError, match="--encoding") as error:
        read_input(path)
    assert error.value.path == path and error.value.line == 1
    assert read_input(path, encoding="gbk") == "中文"


def test_bytes_chinese_in_both_encodings_ask_which(tmp_path: Path, monkeypatch):
    import diglot.importer as importer

    path = tmp_path / "both.txt"
    path.write_bytes("你好世界中文".encode("gbk"))  # valid Big5 too: 斕疑岍賜笢恅
    monkeypatch.setattr(importer, "_looks_chinese", lambda text: True)
    with pytest.raises(DiglotError, match="--encoding gbk or --encoding big5"):
        read_input(path)


def test_wrong_explicit_encoding_names_the_line(tmp_path: Path):
    path = tmp_path / "bad.txt"
    path.write_bytes("标题\n\n正文。\n".encode("utf-8"))
    with pytest.raises(DiglotError, match="not valid ascii") as error:
        read_input(path, encoding="ascii")
    assert error.value.line == 1


@pytest.mark.parametrize("data, message", [
    (b"\x00\x01\x02\x03binary\x00", "binary"),
    (bytes(range(1, 9)) * 100, "binary"),
    (b"%PDF-1.7\n...", "pdftotext"),
    (b"", "empty"),
    (b"  \n\n\t \r\n", "empty"),
    ("\ufeff\u3000\n".encode("utf-8"), "empty"),
])
def test_bad_input_raises_and_writes_nothing(tmp_path: Path, data: bytes, message: str):
    path = tmp_path / "input.txt"
    path.write_bytes(data)
    source_dir = tmp_path / "source"
    source_dir.mkdir()
    with pytest.raises(DiglotError, match=message) as error:
        import_file(path, source_dir)
    assert error.value.path == path
    assert list(source_dir.iterdir()) == []


def test_missing_file(tmp_path: Path):
    with pytest.raises(DiglotError, match="no such file"):
        import_file(tmp_path / "nope.txt", tmp_path)


# ---------------------------------------------------------------- import_file


def test_import_file_writes_slug_from_chinese_file_name(tmp_path: Path):
    path = tmp_path / "网络 安全 报告.txt"
    path.write_text("标题\n\n正文。\n", encoding="utf-8")
    target, result = import_file(path, tmp_path / "source")
    assert target == tmp_path / "source" / "网络-安全-报告.md"
    assert target.read_text(encoding="utf-8") == result.markdown
    assert [p.name for p in target.parent.iterdir()] == [target.name]  # no temp file left


def test_slugify():
    assert slugify("IGF 2018 Key Messages") == "igf-2018-key-messages"
    assert slugify("关键信息（草稿）v2") == "关键信息-草稿-v2"
    assert slugify("a..b") == "a-b"


@pytest.mark.parametrize("slug", ["../evil", "a/b", "..", ""])
def test_bad_slug_refused(tmp_path: Path, slug: str):
    path = tmp_path / "in.txt"
    path.write_text("标题\n\n正文。\n", encoding="utf-8")
    with pytest.raises(DiglotError, match="slug"):
        import_file(path, tmp_path / "source", slug=slug)
    assert not (tmp_path / "source").exists()


def test_refuses_to_overwrite_without_force(tmp_path: Path):
    path = tmp_path / "in.txt"
    path.write_text("标题\n\n新的正文。\n", encoding="utf-8")
    source_dir = tmp_path / "source"
    source_dir.mkdir()
    existing = source_dir / "report.md"
    existing.write_text("old", encoding="utf-8")
    with pytest.raises(DiglotError, match="--force"):
        import_file(path, source_dir, slug="report")
    assert existing.read_text(encoding="utf-8") == "old"
    target, _ = import_file(path, source_dir, slug="report", force=True)
    assert target == existing and "新的正文。" in existing.read_text(encoding="utf-8")
    assert sorted(p.name for p in source_dir.iterdir()) == ["report.md"]


def test_format_report():
    result = ImportResult("", (Guess(6, "heading", 'heading "总体信息"'), Guess(29, "join-across-gap", "joined")))
    assert format_report(Path("in.txt"), result).split("\n") == [
        'in.txt:6: heading: heading "总体信息"', "in.txt:29: join-across-gap: joined",
    ]


# ---------------------------------------------------------------- DOCX


def _docx(tmp_path: Path, markdown: str) -> Path:
    pypandoc = pytest.importorskip("pypandoc")
    out = tmp_path / "x.docx"
    pypandoc.convert_text(markdown, "docx", format="markdown", outputfile=str(out), extra_args=["--sandbox"])
    return out


DOCX_BODY = """# 第一节

这是*强调*的文字，还有一个[链接](https://example.org/a_b)。这里有脚注[^n]。

- 第一项
- 第二项

[^n]: 脚注内容。
"""


def _assert_docx_features(markdown: str) -> None:
    parsed = structure(markdown)
    inline = [child for tok in parsed["tokens"] if tok.type == "inline" for child in tok.children or []]
    assert [s["heading"] for s in parsed["sections"][1:]] == ["第一节"]
    assert parsed["sections"][1]["items"] == 2
    assert parsed["footnotes"] == ["1"] and any(t.type == "footnote_ref" for t in inline)
    assert any(t.type == "em_open" for t in inline)
    assert any(t.type == "link_open" and t.attrGet("href") == "https://example.org/a_b" for t in inline)
    assert "\n- 第一项\n\n- 第二项\n" in markdown  # Diglot's layout: "- ", items apart


def test_docx_keeps_heading_list_footnote_emphasis_and_link(tmp_path: Path):
    path = _docx(tmp_path, "---\ntitle: 测试文档\n---\n\n" + DOCX_BODY)
    result = import_docx(path)
    assert structure(result.markdown)["front"] == {"title": "测试文档", "lang": "zh-Hans"}
    _assert_docx_features(result.markdown)


def test_docx_without_title_promotes_first_heading(tmp_path: Path):
    path = _docx(tmp_path, "# 文档标题\n\n" + DOCX_BODY)
    result = import_docx(path)
    assert structure(result.markdown)["front"]["title"] == "文档标题"
    _assert_docx_features(result.markdown)
    assert "first heading" in next(g for g in result.guesses if g.kind == "title").message


def test_docx_without_title_or_heading_takes_the_file_name(tmp_path: Path):
    result = import_docx(_docx(tmp_path, "Just *one* paragraph.\n"))
    assert structure(result.markdown)["front"] == {"title": "x", "lang": "en"}
    assert "file name" in next(g for g in result.guesses if g.kind == "title").message


def test_docx_through_import_file_with_title_option(tmp_path: Path):
    path = _docx(tmp_path, "---\ntitle: 测试文档\n---\n\n" + DOCX_BODY)
    target, result = import_file(path, tmp_path / "source", title="另一个标题")
    assert target.name == "x.md"
    assert structure(target.read_text(encoding="utf-8"))["front"]["title"] == "另一个标题"


# ---------------------------------------------------------------- bounded work


@pytest.mark.parametrize("unit", [
    "第段文字承诺1，继续。\n\n1. https://example.org/x\n\n",  # a marker for every URL line
    "第段文字，继续。\n\n1. https://example.org/x\n\n",  # no marker: at the sentence end
    "文字承诺1\n1. https://example.org/x\n继续的文字\n",  # URL lines inside one long paragraph
])
def test_many_url_lines_import_in_linear_time(unit: str):
    """Each URL line looked for its call in all the text before it: 4,000 of them took two minutes."""
    import time

    text = "标题\n\n" + unit * 8_000
    started = time.process_time()
    result = import_text(text)
    assert time.process_time() - started < 2.0
    assert sum(g.kind == "footnote" for g in result.guesses) == 8_000


def docx_bomb(path: Path, megabytes: int = 200, base: Path | None = None) -> Path:
    """A .docx whose word/document.xml is ``megabytes`` MB of zeros (200 MB pack to 200 KB),
    written a megabyte at a time: the test stays small in memory and fast."""
    import zipfile

    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        if base is not None:  # the other parts of a real Word file
            with zipfile.ZipFile(base) as real:
                for info in real.infolist():
                    if info.filename != "word/document.xml":
                        archive.writestr(info, real.read(info))
        with archive.open("word/document.xml", "w") as member:
            chunk = bytes(1 << 20)
            for _ in range(megabytes):
                member.write(chunk)
    return path


def _lie_about_size(path: Path, name: str, size: int) -> None:
    """Make the zip say ``name`` unpacks to ``size`` bytes (with the CRC of its first ``size``),
    in its local header and its directory alike: Python's zipfile reads that much and is content."""
    import struct
    import zipfile
    import zlib

    with zipfile.ZipFile(path) as archive:
        info = archive.getinfo(name)
        first = archive.open(info).read(size)
    data = bytearray(path.read_bytes())
    fields = struct.pack("<L", zlib.crc32(first)), struct.pack("<L", size)
    local = info.header_offset
    data[local + 14:local + 18], data[local + 22:local + 26] = fields
    entry = data.rindex(b"PK\x01\x02")  # its directory entry: the last one, as it was written last
    assert data[entry + 46:entry + 46 + len(name)] == name.encode()
    data[entry + 16:entry + 20], data[entry + 24:entry + 28] = fields
    path.write_bytes(bytes(data))


@pytest.fixture
def no_pandoc(monkeypatch):
    """Fail the test if pandoc is run: a refused Word file never reaches it."""
    import diglot.importer as importer

    def pandoc(path):
        raise AssertionError("pandoc ran on a Word file that should have been refused")

    monkeypatch.setattr(importer, "_pandoc_docx", pandoc)


def _refused_fast(path: Path, source_dir: Path, *words: str) -> DiglotError:
    import time

    source_dir.mkdir(exist_ok=True)
    started = time.process_time()
    with pytest.raises(DiglotError) as error:
        import_file(path, source_dir)
    assert time.process_time() - started < 1.0
    assert error.value.path == path and "\n" not in str(error.value)
    for word in words:
        assert word in error.value.message, error.value.message
    assert list(source_dir.iterdir()) == []  # nothing written
    return error.value


def test_a_zip_bomb_docx_is_refused_before_pandoc_runs(tmp_path: Path, no_pandoc):
    from diglot.limits import MAX_DOCX_UNPACKED

    bomb = docx_bomb(tmp_path / "bomb.docx", base=_docx(tmp_path, "文字。\n"))
    assert bomb.stat().st_size < 400_000
    _refused_fast(bomb, tmp_path / "source", "unpacks to 209,7", f"{MAX_DOCX_UNPACKED:,}")


def test_a_docx_part_packed_too_tightly_is_refused(tmp_path: Path, no_pandoc):
    """20 MB of XML is within the bounds; packed a thousand times, it is no document."""
    bomb = docx_bomb(tmp_path / "dense.docx", megabytes=20, base=_docx(tmp_path, "文字。\n"))
    _refused_fast(bomb, tmp_path / "source", "word/document.xml", "zip bomb", "at most 100")


def test_a_docx_that_lies_about_its_sizes_is_refused(tmp_path: Path, no_pandoc):
    """The sizes in a zip are the sender's: the parts are inflated and counted, not believed."""
    bomb = docx_bomb(tmp_path / "liar.docx", megabytes=20, base=_docx(tmp_path, "文字。\n"))
    _lie_about_size(bomb, "word/document.xml", 50_000)
    import zipfile

    with zipfile.ZipFile(bomb) as archive:  # what Python's zipfile sees: a small, sound part
        assert len(archive.read("word/document.xml")) == 50_000
    _refused_fast(bomb, tmp_path / "source", "word/document.xml", "says it unpacks to 50,000 bytes but makes more")


@pytest.mark.parametrize("data, words", [
    (b"PK\x03\x04" + bytes(range(256)) * 4, ("not a Word file", "zip")),
    (b"Just some text, with a .docx name.\n", ("not a Word file", "zip")),
    (b"", ("not a Word file",)),
])
def test_a_docx_that_is_no_zip_is_not_a_word_file(tmp_path: Path, no_pandoc, data: bytes, words):
    path = tmp_path / "broken.docx"
    path.write_bytes(data)
    _refused_fast(path, tmp_path / "source", *words)


def test_a_zip_without_a_document_is_not_a_word_file(tmp_path: Path, no_pandoc):
    import zipfile

    path = tmp_path / "photos.docx"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("photo.jpg", b"\xff\xd8 not much of a photo")
    _refused_fast(path, tmp_path / "source", "not a Word file", "word/document.xml")


def test_a_docx_over_the_size_limit_is_refused_unread(tmp_path: Path, no_pandoc):
    from diglot.limits import MAX_IMPORT_DOCX_BYTES

    path = tmp_path / "huge.docx"
    with path.open("wb") as handle:  # sparse: nothing is written but its size
        handle.truncate(MAX_IMPORT_DOCX_BYTES + 1)
    _refused_fast(path, tmp_path / "source", f"{MAX_IMPORT_DOCX_BYTES + 1:,} bytes", f"{MAX_IMPORT_DOCX_BYTES:,}")


@pytest.mark.parametrize("bound, words", [
    ({"JOB_SECONDS": 0.01}, ("pandoc took more than 0.01 s",)),
    ({"JOB_MEMORY": 200 << 20}, ("pandoc", "200 MB")),
])
def test_pandoc_reads_a_word_file_within_the_render_bounds(tmp_path: Path, monkeypatch, bound, words):
    """pandoc runs under limits.JOB_SECONDS and JOB_MEMORY, as in a render worker: over them, a message."""
    from diglot import limits

    path = _docx(tmp_path, "---\ntitle: 测试文档\n---\n\n" + DOCX_BODY * 500)
    for name, value in bound.items():
        monkeypatch.setattr(limits, name, value)
    error = _refused_fast(path, tmp_path / "source", *words)
    assert "Word file" in error.message


def test_a_text_file_over_the_size_limit_is_refused_unread(tmp_path: Path):
    from diglot.limits import MAX_IMPORT_TEXT_BYTES

    path = tmp_path / "huge.txt"
    with path.open("wb") as handle:
        handle.truncate(MAX_IMPORT_TEXT_BYTES + 1)
    _refused_fast(path, tmp_path / "source", f"{MAX_IMPORT_TEXT_BYTES + 1:,} bytes", f"{MAX_IMPORT_TEXT_BYTES:,}")


def test_a_text_that_would_make_a_source_over_the_limit_is_refused(tmp_path: Path):
    from diglot.limits import MAX_IMPORT_TEXT_BYTES, MAX_SOURCE_BYTES

    path = tmp_path / "long.txt"
    paragraph = "网络安全和隐私是互联网治理的核心问题。" * 10 + "\n\n"
    path.write_text("标题\n\n" + paragraph * (MAX_SOURCE_BYTES // len(paragraph.encode()) + 10), encoding="utf-8")
    assert MAX_SOURCE_BYTES < path.stat().st_size < MAX_IMPORT_TEXT_BYTES
    source_dir = tmp_path / "source"
    source_dir.mkdir()
    with pytest.raises(DiglotError, match=f"{MAX_SOURCE_BYTES:,} bytes") as error:
        import_file(path, source_dir)
    assert error.value.path == path and "split" in error.value.message
    assert list(source_dir.iterdir()) == []


def test_a_fifo_is_refused_without_waiting_for_a_writer(tmp_path: Path):
    import os

    for name in ("pipe.txt", "pipe.docx"):
        os.mkfifo(tmp_path / name)
        _refused_fast(tmp_path / name, tmp_path / "source", "not a regular file")
