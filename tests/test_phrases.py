"""Phrase rules for derived Chinese editions (diglot/phrases.py) applied through OpenCC itself."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from conftest import copy_project
from diglot.chinese import convert_text
from diglot.phrases import DEFAULTS, default_rules, read_rules

REPO = Path(__file__).resolve().parents[1]
DEFAULT_PAIRS = tuple((r.source, r.target) for r in default_rules("s2twp"))


def taiwan(text: str) -> str:
    return convert_text(text, "s2twp", DEFAULT_PAIRS)


@pytest.mark.parametrize("text, plain, ruled", [
    ("我们并为此提供支持", "我們併為此提供支援", "我們並為此提供支持"),
    ("请与我们联系", "請與我們聯絡", "請與我們聯繫"),  # the guard keeps s2twp's 2nd step off 聯繫
    ("和平进程", "和平程序", "和平進程"),
    ("数字经济和数字鸿沟", "數字經濟和數字鴻溝", "數位經濟和數位落差"),
    ("所有利益相关者", "所有利益相關者", "所有利害關係人"),
])
def test_a_rule_corrects_an_s2twp_false_friend(text, plain, ruled):
    assert convert_text(text, "s2twp") == plain  # what OpenCC alone writes (OpenCC #1313)
    assert taiwan(text) == ruled


@pytest.mark.parametrize("text, expected", [
    ("合并为一个", "合併為一個"),  # 并为 is not a word of 合并为: OpenCC's 合并 is longer
    ("提供技术支持", "提供技術支援"),  # 技术支持 keeps 支援
    ("计算机程序", "電腦程式"),
    ("数字是七", "數字是七"),  # a numeral stays a numeral: only 数字X compounds are "digital"
])
def test_a_rule_never_applies_inside_a_longer_word(text, expected):
    assert taiwan(text) == expected


def test_every_default_rule_gives_its_own_replacement():
    """No default is shadowed by a longer OpenCC phrase or undone by a later step."""
    wrong = {rule.source: taiwan(rule.source) for rule in default_rules("s2twp") if taiwan(rule.source) != rule.target}
    assert not wrong


def test_protected_spans_are_not_touched_by_rules():
    assert taiwan("联系 `联系` <https://example.org/联系>") == "聯繫 `联系` <https://example.org/联系>"


def test_a_rules_file_reports_every_bad_line(tmp_path):
    path = tmp_path / "phrases.tsv"
    path.write_text("# note\n联系\t聯繫\n只有一列\n联系\t聯絡\n有 空格\t有空格\n", encoding="utf-8")
    with pytest.raises(Exception) as caught:
        read_rules(path)
    text = str(caught.value)
    for line in (3, 4, 5):
        assert f"phrases.tsv:{line}:" in text, text
    assert "line 2" in text  # the repeated phrase names the first rule


def _diglot(project: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(REPO / "build.py"), "-C", str(project), *args],
                          capture_output=True, text=True, timeout=600)


@pytest.fixture
def project(tmp_path) -> Path:
    return copy_project(tmp_path / "project")


def test_a_simplified_replacement_is_refused_by_build_and_check(project):
    rules = project / "translations" / "zh_Hant" / "phrases.tsv"
    rules.write_text(rules.read_text(encoding="utf-8") + "数据\t数据\n", encoding="utf-8")
    line = rules.read_text(encoding="utf-8").count("\n")
    for command in (["build", "--format", "html", "--lang", "zh-Hant"], ["check"]):
        result = _diglot(project, *command)
        assert result.returncode == 1, result.stdout + result.stderr
        assert "Traceback" not in result.stderr
        assert f"translations/zh_Hant/phrases.tsv:{line}:" in result.stdout + result.stderr


def test_the_zh_hant_edition_reads_as_taiwan_usage_without_overrides(project):
    """The document's zh-Hant edition is made by OpenCC and rules alone (the override file is
    empty), with Taiwan usage throughout."""
    from diglot.config import load_config
    from diglot.editions import make_edition
    from diglot.source import read_document

    config = load_config(project)
    doc = read_document(project / "source" / "igf-2018-cybersecurity.md")
    text = "\n".join(seg.text for seg in make_edition(doc, "zh-Hant", config).segments)
    assert "msgid \"\"" in (project / "translations/zh_Hant/LC_MESSAGES/igf-2018-cybersecurity.po").read_text()
    assert "\nmsgid \"I" not in (project / "translations/zh_Hant/LC_MESSAGES/igf-2018-cybersecurity.po").read_text()
    for mainland in ("利益相關者", "利益攸關方", "數字環境", "數字經濟", "數字身份", "聯絡", "支援", "併為",
                     "最佳實踐", "能力建設", "可持續", "互操作性", "訪問"):
        assert mainland not in text, mainland
    for usage in ("利害關係人", "多方利害關係人", "數位環境", "數位身分", "數位落差", "聯繫", "並為", "進程",
                  "關鍵訊息", "關鍵資訊基礎設施", "最佳實務", "能力建構", "永續", "互通性", "近用"):
        assert usage in text, usage


def test_changing_a_rule_rebuilds_the_zh_hant_editions_only(project):
    from diglot.builder import BuildOptions
    from diglot.config import load_config
    from diglot.plan import plan
    from diglot.report import BuildReport

    def fingerprints():
        return {(j.lang, j.kind): j.fingerprint for j in plan(load_config(project), BuildOptions(), BuildReport())
                if j.slug == "igf-2018-cybersecurity"}

    before = fingerprints()
    rules = project / "translations" / "zh_Hant" / "phrases.tsv"
    rules.write_text(rules.read_text(encoding="utf-8") + "隐私\t私隱\n", encoding="utf-8")
    after = fingerprints()
    changed = {key for key in before if before[key] != after.get(key)}
    assert changed and all("zh-Hant" in key[0] for key in changed), changed
    assert ("zh-Hans", "html") not in changed and ("en", "html") not in changed


HANT_PO = "translations/zh_Hant/LC_MESSAGES/igf-2018-cybersecurity.po"
HEADING = "信任和利益相关者的合作"


def _derived_row(project: Path) -> dict:
    import json

    result = _diglot(project, "stats", "--json", "--derived")
    assert result.returncode == 0, result.stderr
    return next(r for r in json.loads(result.stdout) if r["language"] == "zh-Hant" and "derived_from" in r)


def test_an_override_made_stale_by_a_source_edit_is_reported_everywhere(project):
    """A reviewer's override; then a one-character source edit, extract and update. The build
    warns at the override's line (and --strict fails), stats counts it stale, review flags it."""
    po = project / HANT_PO
    po.write_text(po.read_text(encoding="utf-8") + f'\nmsgid "{HEADING}"\nmsgstr "信任與利害關係人的合作"\n',
                  encoding="utf-8")
    assert _derived_row(project)["overridden"] == 1 and _derived_row(project)["stale_overrides"] == 0
    html = project / "output" / "zh-Hant" / "igf-2018-cybersecurity.html"
    build = ("build", "--format", "html", "--lang", "zh-Hant")
    assert _diglot(project, *build).returncode == 0
    assert "信任與利害關係人的合作" in html.read_text(encoding="utf-8")

    source = project / "source" / "igf-2018-cybersecurity.md"
    source.write_text(source.read_text(encoding="utf-8").replace(f"# {HEADING}\n", "# 信任和利益相关者之间的合作\n"),
                      encoding="utf-8")
    for command in ("extract", "update"):
        assert _diglot(project, command).returncode == 0
    line = next(n for n, text in enumerate(po.read_text(encoding="utf-8").split("\n"), 1)
                if text.startswith("msgid") and "之间" in text)
    result = _diglot(project, *build)
    assert result.returncode == 0, result.stderr
    assert f"{HANT_PO}:{line}: the override of this block is stale" in result.stderr, result.stderr
    assert "信任和利害關係人之間的合作" in html.read_text(encoding="utf-8")  # readers get the converted text
    again = _diglot(project, *build)  # nothing changed: planned from the cache, the warning stays
    assert f"{HANT_PO}:{line}: the override of this block is stale" in again.stderr, again.stderr

    en = project / "translations/en/LC_MESSAGES/igf-2018-cybersecurity.po"  # the translator's side is done
    en.write_text(en.read_text(encoding="utf-8").replace("#, fuzzy\n#| msgid \"信任和利益相关者的合作\"\n", ""),
                  encoding="utf-8")
    strict = _diglot(project, *build, "--strict")
    assert strict.returncode == 1 and "stale" in strict.stderr and "Traceback" not in strict.stderr
    row = _derived_row(project)
    assert (row["overridden"], row["stale_overrides"]) == (0, 1)

    assert _diglot(project, "review", "zh-Hant").returncode == 0
    review = (project / "output/review/zh_Hant/igf-2018-cybersecurity.po").read_text(encoding="utf-8")
    entry = review[review.index("#. heading, source/igf-2018-cybersecurity.md:27"):].split("\n\n")[0]
    assert "#, fuzzy" in entry and "STALE override" in entry and "信任與利害關係人的合作" in entry
    assert 'msgstr "信任和利害關係人之間的合作"' in entry


def test_review_shows_opencc_text_rules_and_final_text_and_poedit_tools_accept_it(project):
    assert _diglot(project, "review", "zh-Hant").returncode == 0
    path = project / "output/review/zh_Hant/igf-2018-cybersecurity.po"
    msgfmt = subprocess.run(["msgfmt", "-c", "-o", "/dev/null", str(path)], capture_output=True, text=True)
    assert msgfmt.returncode == 0, msgfmt.stderr
    text = path.read_text(encoding="utf-8")
    entry = next(e for e in text.split("\n\n") if 'msgid "信任和利益相关者的合作"' in e)
    assert "#. OpenCC s2twp: 信任和利益相關者的合作" in entry
    assert "#. rules: 利益相关者 → 利害關係人 (translations/glossary.csv:" in entry
    assert entry.endswith('msgstr "信任和利害關係人的合作"')
    refused = _diglot(project, "review", "en")
    assert refused.returncode == 1 and "not a derived edition" in refused.stderr


@pytest.mark.parametrize("profile, text, rules, plain, ruled", [
    # zh-Hans derived from a Traditional source: tw2sp turns 資訊 into 信息; a rule keeps 资讯
    ("tw2sp", "網路資訊", (("資訊", "资讯"),), "网络信息", "网络资讯"),
    # zh-HK from Simplified: a rule written for Hong Kong usage
    ("s2hk", "联系软件", (("软件", "軟體"),), "聯繫軟件", "聯繫軟體"),
])
def test_rules_work_for_every_derivation_profile(profile, text, rules, plain, ruled):
    assert convert_text(text, profile) == plain
    assert convert_text(text, profile, rules) == ruled
