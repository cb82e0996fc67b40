"""diglot/chinese.py: OpenCC once, protected spans, corner quotes, reviewer overrides."""

from __future__ import annotations

from pathlib import Path

import pytest
from babel.messages.catalog import Catalog

from diglot.chinese import PROFILES, convert_catalog, convert_document, convert_text


def to_traditional(doc, profile, overrides=None):
    return convert_document(doc, "zh-Hant", profile, overrides)
from diglot.errors import DiglotError
from diglot.source import read_document


def make_doc(tmp_path: Path, body: str):
    path = tmp_path / "doc.md"
    path.write_text(f"---\ntitle: 网络信息\nlang: zh-Hans\n---\n\n{body}\n", encoding="utf-8")
    return read_document(path)


def test_s2twp_uses_taiwan_vocabulary():
    assert convert_text("网络", "s2twp") == "網路"
    assert convert_text("信息", "s2twp") == "資訊"
    assert convert_text("数据", "s2twp") == "資料"
    assert convert_text("网络安全的信息和数据", "s2twp") == "網路安全的資訊和資料"


def test_s2t_converts_characters_only():
    assert convert_text("网络信息数据", "s2t") == "網絡信息數據"


@pytest.mark.parametrize("span", [
    "`网络 信息`",                                   # code span
    "[^网络]",                                      # footnote call (label is an id, not text)
    "<https://例子.中国/网络/信息>",                   # autolink, even with Han characters
    "<mailto:网络@例子.中国>",
    "](https://zh.wikipedia.org/wiki/网络)",         # a link target
])
def test_protected_spans_are_left_byte_for_byte(span):
    text = f"访问网络{span}获取信息"
    converted = convert_text(text, "s2twp")
    assert span in converted
    assert converted.startswith("訪問網路") and converted.endswith("獲取資訊")


@pytest.mark.parametrize("span", ["https://cyberstability.org/research/call-to-protect/?q=1#x", "igf@un.org"])
def test_bare_urls_and_email_addresses_stay_and_neighbours_convert(span):
    # OpenCC leaves ASCII alone anyway; what can break here is the boundary with Chinese text.
    converted = convert_text(f"请写信至{span}，获取信息", "s2twp")
    assert converted == f"請寫信至{span}，獲取資訊"


@pytest.mark.parametrize("profile, expected", [
    ("s2twp", "他說：「網路『安全』很重要」。"),
    ("s2tw", "他說：「網絡『安全』很重要」。"),
    ("s2hk", "他説：「網絡『安全』很重要」。"),
])
def test_corner_quotes_for_taiwan_and_hong_kong(profile, expected):
    assert convert_text("他说：“网络‘安全’很重要”。", profile) == expected


def test_no_corner_quotes_for_s2t():
    converted = convert_text("他说：“网络”。", "s2t")
    assert converted == "他說：“網絡”。"


def test_latin_apostrophe_is_not_a_quote():
    assert convert_text("it’s 网络", "s2twp") == "it’s 網路"


def test_unknown_profile_is_rejected_listing_the_allowed_ones():
    with pytest.raises(DiglotError) as info:
        convert_text("网络", "s2jp")
    message = str(info.value)
    assert "s2jp" in message
    for profile in ("s2twp", "s2tw", "s2hk", "s2t"):
        assert profile in message
    assert {"s2twp", "s2tw", "s2hk", "s2t", "tw2sp", "hk2s", "t2hk"} <= set(PROFILES)


def test_to_traditional_converts_every_segment_once(tmp_path):
    doc = make_doc(tmp_path, "# 算法\n\n理解算法的影响。")
    hant = to_traditional(doc, "s2twp")
    texts = [s.text for s in hant.segments]
    assert texts == ["網路資訊", "演算法", "理解演算法的影響。"]
    assert all("演演算法" not in t for t in texts)
    assert hant.lang == "zh-Hant" and all(s.lang == "zh-Hant" for s in hant.segments)
    assert [s.msgid for s in hant.segments] == [s.text for s in doc.segments]  # sources kept for lookups


def test_to_traditional_twice_is_refused(tmp_path):
    hant = to_traditional(make_doc(tmp_path, "算法"), "s2twp")
    with pytest.raises(DiglotError):
        to_traditional(hant, "s2twp")


def test_to_traditional_leaves_the_source_document_alone(tmp_path):
    doc = make_doc(tmp_path, "算法")
    to_traditional(doc, "s2twp")
    assert [s.text for s in doc.segments] == ["网络信息", "算法"]
    assert to_traditional(doc, "s2twp").segments[1].text == "演算法"  # the source can be converted again


def test_override_catalogue_entry_wins_over_opencc(tmp_path):
    doc = make_doc(tmp_path, "关键信息。\n\n其他信息。")
    overrides = Catalog(locale="zh_Hant")
    overrides.add("关键信息。", "關鍵訊息。")
    overrides.add("其他信息。", "其他訊息。", flags=["fuzzy"])  # fuzzy: not reviewed, not used
    texts = [s.text for s in to_traditional(doc, "s2twp", overrides).segments]
    assert texts == ["網路資訊", "關鍵訊息。", "其他資訊。"]


def test_ui_catalogue_conversion_with_overrides():
    hans = Catalog(locale="zh_Hans")
    hans.add("Contents", "目录")
    hans.add("Notes", "注释")
    overrides = Catalog(locale="zh_Hant")
    overrides.add("Notes", "附註")
    hant = convert_catalog(hans, "s2twp", overrides)
    assert hant.get("Contents").string == "目錄"
    assert hant.get("Notes").string == "附註"
