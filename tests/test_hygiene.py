"""diglot/hygiene.py: radical code points become unified ideographs; nothing else changes."""

from __future__ import annotations

import unicodedata

import pytest

from conftest import seed_path

from diglot.hygiene import clean_text, count_radicals, is_radical



@pytest.mark.parametrize("radical, ideograph", [
    ("\u2f79", "\u7f51"),  # ⽹ KANGXI RADICAL NET → 网
    ("\u2f08", "\u4eba"),  # ⼈ KANGXI RADICAL MAN → 人
    ("\u2f00", "\u4e00"),  # ⼀ → 一
    ("\u2e9f", "\u6bcd"),  # ⺟ CJK RADICAL MOTHER (Radicals Supplement) → 母
])
def test_radical_becomes_its_unified_ideograph(radical, ideograph):
    assert is_radical(radical)
    assert clean_text(radical) == ideograph
    assert clean_text(f"互联{radical}的信任") == f"互联{ideograph}的信任"


def test_radicals_inside_real_text_are_all_mapped():
    text = "所有利益相关者都认同\u2f79络安全的重要性。\u2f08们对互联\u2f79的信任。"
    cleaned = clean_text(text)
    assert cleaned == "所有利益相关者都认同网络安全的重要性。人们对互联网的信任。"
    assert count_radicals(text) == 3 and count_radicals(cleaned) == 0


def test_fullwidth_punctuation_and_quotes_are_unchanged():
    # Full NFKC would turn every one of these into ASCII; Chinese text needs them.
    text = "网络，信任：隐私；真的！为什么？（注）“智慧城市”「引号」、。——…"
    assert unicodedata.normalize("NFKC", text) != text  # the trap exists
    assert clean_text(text) == text


def test_other_compatibility_characters_are_unchanged():
    text = "ＩＧＦ２０１８ ① ﬁ ㎏ ½"  # fullwidth Latin/digits, circled digit, ligature, unit
    assert clean_text(text) == text


def test_ascii_is_unchanged():
    text = "IGF 2018: Cybersecurity, Trust & Privacy (BPO, PPPs, ISPs) <https://un.org/?a=1#x> `code`\n"
    assert clean_text(text) == text


def test_seed_radicals_all_mapped():
    text = seed_path().read_text(encoding="utf-8")
    assert count_radicals(text) == 227
    cleaned = clean_text(text)
    assert count_radicals(cleaned) == 0
    # Only the radicals changed: same length, and every other character is where it was.
    assert len(cleaned) == len(text)
    changed = [(a, b) for a, b in zip(text, cleaned) if a != b]
    assert len(changed) == 227
    assert all(is_radical(a) and not is_radical(b) and b == unicodedata.normalize("NFKC", a) for a, b in changed)
    assert "网络安全" in cleaned and "\u2f79络安全" in text
