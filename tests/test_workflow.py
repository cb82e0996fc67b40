"""The translators' workflow, as a translator runs it: extract, update, init, stats and check.

Every test works in a temporary copy of the project (``wf_project``) and runs
``python build.py -C COPY …`` in a subprocess, exactly as TRANSLATING.md tells
a translator to. The judges are independent of Diglot: GNU gettext (``msgfmt
-c``, ``msgcat --no-wrap``), the source file itself, and a small PO reader
written here (it does not use Babel, which Diglot uses).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import yaml

from conftest import copy_project

REPO = Path(__file__).resolve().parents[1]
DOC = "igf-2018-cybersecurity"
SOURCE_REL = f"source/{DOC}.md"
POT_REL = f"translations/{DOC}.pot"
UI_POT_REL = "translations/ui.pot"
EN_REL = f"translations/en/LC_MESSAGES/{DOC}.po"
HANT_REL = f"translations/zh_Hant/LC_MESSAGES/{DOC}.po"
FR_REL = f"translations/fr/LC_MESSAGES/{DOC}.po"


# --- running Diglot as a user does -------------------------------------------------------




@pytest.fixture
def wf_project(tmp_path) -> Path:
    """A fresh copy of the project's inputs that a test may change."""
    return copy_project(tmp_path / "project")


def diglot(project: Path, *args: str, timeout: float = 600) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(REPO / "build.py"), "-C", str(project), *args],
                          cwd=project, capture_output=True, text=True, timeout=timeout)


def ok(result: subprocess.CompletedProcess) -> subprocess.CompletedProcess:
    assert result.returncode == 0, f"exit {result.returncode}\nstdout:\n{result.stdout}\nstderr:\n{result.stderr}"
    return result


def no_traceback(result: subprocess.CompletedProcess) -> None:
    assert "Traceback" not in result.stderr + result.stdout, result.stderr


# --- an independent PO reader ------------------------------------------------------------

_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", '"': '"', "\\": "\\", "a": "\a", "b": "\b", "f": "\f", "v": "\v"}


def unquote(quoted: str) -> str:
    quoted = quoted.strip()
    assert quoted.startswith('"') and quoted.endswith('"'), quoted
    return re.sub(r"\\(.)", lambda m: _ESCAPES.get(m.group(1), m.group(1)), quoted[1:-1])


def quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


@dataclass
class Entry:
    start: int  # 1-based line of the entry's first line
    comments: list[str] = field(default_factory=list)  # translator comments ("# …"), text after "# "
    extracted: list[str] = field(default_factory=list)  # "#." comments
    refs: list[tuple[str, int]] = field(default_factory=list)  # "#:" references
    flags: set[str] = field(default_factory=set)
    previous: dict[str, str] = field(default_factory=dict)  # "#|" fields, e.g. {"msgid": "…"}
    fields: dict[str, str] = field(default_factory=dict)  # msgid, msgstr, …
    lines: dict[str, int] = field(default_factory=dict)  # field → 1-based line of its keyword
    obsolete: bool = False

    @property
    def msgid(self) -> str:
        return self.fields.get("msgid", "")

    @property
    def msgstr(self) -> str:
        return self.fields.get("msgstr", "")

    @property
    def fuzzy(self) -> bool:
        return "fuzzy" in self.flags


def parse_po(text: str) -> list[Entry]:
    """Entries of a PO file (header included), in file order. Wrapped or unwrapped strings."""
    entries: list[Entry] = []
    entry: Entry | None = None
    current: tuple[dict, str] | None = None  # (the dict being filled, key)

    def keyword_line(body: str, target: dict, number: int, lines: dict | None) -> tuple[dict, str] | None:
        body = body.strip()
        if body.startswith('"'):
            assert current is not None, f"line {number}: string continuation outside a field"
            current[0][current[1]] += unquote(body)
            return current
        keyword, _, rest = body.partition(" ")
        target[keyword] = unquote(rest) if rest.strip() else ""
        if lines is not None:
            lines[keyword] = number
        return (target, keyword)

    for number, line in enumerate(text.split("\n"), start=1):
        if not line.strip():
            entry, current = None, None
            continue
        if entry is None:
            entry = Entry(start=number)
            entries.append(entry)
        if line.startswith("#~|"):
            current = keyword_line(line[3:], entry.previous, number, None)
        elif line.startswith("#~"):
            entry.obsolete = True
            current = keyword_line(line[2:], entry.fields, number, entry.lines)
        elif line.startswith("#|"):
            current = keyword_line(line[2:], entry.previous, number, None)
        elif line.startswith("#."):
            entry.extracted.append(line[2:].strip())
        elif line.startswith("#:"):
            for ref in line[2:].split():
                path, _, lineno = ref.rpartition(":")
                entry.refs.append((path, int(lineno)))
        elif line.startswith("#,"):
            entry.flags |= {flag.strip() for flag in line[2:].split(",") if flag.strip()}
        elif line.startswith("#"):
            entry.comments.append(line[1:].strip())
        else:
            current = keyword_line(line, entry.fields, number, entry.lines)
    return entries


def messages(path: Path) -> list[Entry]:
    """The active (not obsolete) messages of a PO/POT file, header excluded."""
    return [e for e in parse_po(path.read_text(encoding="utf-8")) if e.msgid and not e.obsolete]


def obsolete(path: Path) -> list[Entry]:
    return [e for e in parse_po(path.read_text(encoding="utf-8")) if e.obsolete and e.msgid]


def by_msgid(path: Path) -> dict[str, Entry]:
    return {e.msgid: e for e in messages(path)}


def header(path: Path) -> dict[str, str]:
    head = next(e for e in parse_po(path.read_text(encoding="utf-8")) if "msgid" in e.fields and not e.msgid)
    pairs = [line.split(":", 1) for line in head.msgstr.split("\n") if ":" in line]
    return {key.strip(): value.strip() for key, value in pairs}


def set_msgstr(path: Path, msgid: str, msgstr: str) -> int:
    """Replace the (one-line) msgstr of ``msgid`` in an unwrapped PO file; return that line's number."""
    entry = by_msgid(path)[msgid]
    number = entry.lines["msgstr"]
    lines = path.read_text(encoding="utf-8").split("\n")
    assert lines[number - 1].startswith("msgstr "), lines[number - 1]
    lines[number - 1] = f"msgstr {quote(msgstr)}"
    path.write_text("\n".join(lines), encoding="utf-8")
    return number


def add_flag(path: Path, msgid: str, flag: str) -> None:
    """Give ``msgid`` a flag, as Poedit does ("#, fuzzy" just above the msgid line)."""
    entry = by_msgid(path)[msgid]
    lines = path.read_text(encoding="utf-8").split("\n")
    lines.insert(entry.lines["msgid"] - 1, f"#, {flag}")
    path.write_text("\n".join(lines), encoding="utf-8")


def source_lines(project: Path) -> list[str]:
    return (project / SOURCE_REL).read_text(encoding="utf-8").split("\n")


def committed(rel: str) -> dict[str, Entry]:
    return by_msgid(REPO / rel)


def stats_json(project: Path, *extra: str) -> dict[str, dict]:
    result = ok(diglot(project, "stats", "--json", *extra))
    rows = json.loads(result.stdout)
    return {row["language"]: row for row in rows if row["document"] == DOC}


def findings(result: subprocess.CompletedProcess, rel: str, severity: str = "error") -> list[tuple[int, str]]:
    """(line, message) of every ``rel:LINE: severity: message`` line that check printed."""
    pattern = re.compile(rf"^{re.escape(rel)}:(\d+): {severity}: (.*)$")
    return [(int(m.group(1)), m.group(2)) for m in map(pattern.match, result.stdout.splitlines()) if m]


# The committed document, as a translator reads it.
PARA_25 = "所有利益相关者都认同网络安全的重要性和相关性。"  # start of the paragraph on line 25 (no zh-Hant override)
ITEM_29 = "网络安全和隐私往往是相互交织和相互依存的"  # start of the list item on line 29 (has a zh-Hant override)
ITEM_47 = ("- 网络空间与现实世界是不同的，但并不是独立的。因此，我们应该把构成世界和社会基础的现有原则，"
           "与应对网络空间固有挑战的具体对策结合起来，作为互联网治理的基本原则。")
HEADING_27 = "信任和利益相关者的合作"
HEADING_23 = "总体信息"
NEW_PARAGRAPH = "会议纪要将于明年春季公布，届时欢迎各方查阅。"
NOTE = "note: keep “Cooperation” capitalised, it is a section title"


def add_override(path: Path, msgid: str, msgstr: str) -> int:
    """Append a reviewer override to a derived edition's file, as a reviewer writes one in
    Poedit; return the line of its msgstr."""
    text = path.read_text(encoding="utf-8").rstrip("\n")
    text += f"\n\nmsgid {quote(msgid)}\nmsgstr {quote(msgstr)}\n"
    path.write_text(text, encoding="utf-8")
    return text.count("\n")


def hant_overrides() -> dict[str, str]:
    """Two overrides a reviewer made (the committed file has none: phrase rules do the work)."""
    from diglot.chinese import convert_text

    return {msgid: convert_text(msgid, "s2twp").replace("網路", "網絡", 1)
            for msgid in (full_msgid(REPO, ITEM_29), HEADING_27)}


def full_msgid(project_or_repo: Path, start: str) -> str:
    """The whole msgid of the block whose text starts with ``start`` (read from the source file)."""
    for line in source_lines(project_or_repo):
        text = line[2:] if line.startswith("- ") else line
        if text.startswith(start):
            return text
    raise AssertionError(f"no source line starts with {start!r}")


# --- extract -----------------------------------------------------------------------------


def test_extract_writes_one_message_per_block_with_true_source_references(wf_project):
    (wf_project / POT_REL).unlink()
    (wf_project / UI_POT_REL).unlink()
    result = ok(diglot(wf_project, "extract"))
    assert POT_REL in result.stdout and UI_POT_REL in result.stdout

    pot = wf_project / POT_REL
    entries = messages(pot)
    assert len(entries) == 41  # 40 blocks and the publisher
    assert len({e.msgid for e in entries}) == 41
    assert all(e.msgstr == "" for e in entries)
    lines = source_lines(wf_project)
    for entry in entries:
        assert len(entry.refs) == 1, entry.msgid
        path, number = entry.refs[0]
        assert path == SOURCE_REL
        assert entry.msgid in lines[number - 1], f"{path}:{number} does not hold {entry.msgid[:30]!r}"
    # the blocks a reader sees first, in order: title, description, publisher, first heading, first paragraph
    assert [e.refs[0][1] for e in entries[:5]] == [2, 3, 6, 23, 25]
    assert entries[3].msgid == HEADING_23
    # editorial HTML comments of the source are not messages
    assert not any("Editorial notes" in e.msgid or "Kangxi" in e.msgid for e in entries)
    assert subprocess.run(["msgfmt", "-c", "-o", os.devnull, str(pot)], capture_output=True).returncode == 0


def test_extract_writes_template_strings_to_ui_pot_with_template_references(wf_project):
    (wf_project / UI_POT_REL).unlink()
    ok(diglot(wf_project, "extract"))
    ui = by_msgid(wf_project / UI_POT_REL)
    assert "Contents" in ui
    # every _("…") call in the templates is a message referenced at its file and line
    calls = []
    for template in sorted((wf_project / "templates").rglob("*.j2")):
        rel = template.relative_to(wf_project).as_posix()
        for number, line in enumerate(template.read_text(encoding="utf-8").split("\n"), start=1):
            calls += [(m.group(1), rel, number) for m in re.finditer(r'_\("([^"]+)"[,)]', line)]
    assert len(calls) >= 10
    for msgid, rel, number in calls:
        assert msgid in ui, f"{rel}:{number}: {msgid!r} is not in ui.pot"
        assert (rel, number) in ui[msgid].refs, f"{msgid!r}: {ui[msgid].refs} lacks {rel}:{number}"
    # and every reference points at a template line that calls _() on that string, or at the
    # reading-system label (templates/epub/labels.yaml, "name: text") that is that string
    labels = yaml.safe_load((wf_project / "templates/epub/labels.yaml").read_text(encoding="utf-8"))
    assert set(labels.values()) <= set(ui), "every EPUB label is a message of ui.pot"
    for msgid, entry in ui.items():
        for rel, number in entry.refs:
            assert rel.startswith("templates/")
            line = (wf_project / rel).read_text(encoding="utf-8").split("\n")[number - 1]
            if rel.endswith("labels.yaml"):
                assert labels[line.split(":", 1)[0]] == msgid, f"{rel}:{number} is not the label {msgid!r}"
            else:
                assert re.search(rf'_\("{re.escape(msgid)}"[,)]', line), f"{rel}:{number} does not translate {msgid!r}"


def test_extract_twice_changes_nothing(wf_project):
    pots = [wf_project / POT_REL, wf_project / UI_POT_REL]
    ok(diglot(wf_project, "extract"))
    before = {p: (p.read_bytes(), p.stat().st_mtime_ns, p.stat().st_ino) for p in pots}
    result = ok(diglot(wf_project, "extract"))
    assert {p: (p.read_bytes(), p.stat().st_mtime_ns, p.stat().st_ino) for p in pots} == before
    assert "wrote" not in result.stdout

    # after a source change the first extract writes, the second does not touch anything
    source = wf_project / SOURCE_REL
    source.write_text(source.read_text(encoding="utf-8").replace("重要性和相关性", "重要性与相关性"), encoding="utf-8")
    ok(diglot(wf_project, "extract"))
    assert (wf_project / POT_REL).read_bytes() != before[wf_project / POT_REL][0]
    after_first = {p: (p.read_bytes(), p.stat().st_mtime_ns, p.stat().st_ino) for p in pots}
    result = ok(diglot(wf_project, "extract"))
    assert {p: (p.read_bytes(), p.stat().st_mtime_ns, p.stat().st_ino) for p in pots} == after_first
    assert "wrote" not in result.stdout


# --- update ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def wf_updated(tmp_path_factory) -> Path:
    """A copy where the source changed (two blocks edited, one deleted, one added) after
    a translator annotated an entry; then ``extract`` and ``update`` ran once."""
    project = copy_project(tmp_path_factory.mktemp("updated") / "project")
    source = project / SOURCE_REL
    text = source.read_text(encoding="utf-8")
    for old, new in ((PARA_25, PARA_25.replace("和相关性", "与相关性")),
                     (ITEM_29, ITEM_29.replace("往往", "常常")),
                     (ITEM_47 + "\n\n", ""),
                     ("# 算法\n\n", f"# 算法\n\n{NEW_PARAGRAPH}\n\n")):
        assert text.count(old) == 1, old
        text = text.replace(old, new)
    source.write_text(text, encoding="utf-8")

    en = project / EN_REL
    entry = by_msgid(en)[HEADING_27]
    lines = en.read_text(encoding="utf-8").split("\n")
    lines.insert(entry.lines["msgid"] - 1, "#, no-c-format")
    lines.insert(entry.start - 1, f"# {NOTE}")
    en.write_text("\n".join(lines), encoding="utf-8")

    for msgid, msgstr in hant_overrides().items():
        add_override(project / HANT_REL, msgid, msgstr)
    ok(diglot(project, "extract"))
    ok(diglot(project, "update"))
    return project


def _old_and_new(start: str, old: str, new: str) -> tuple[str, str]:
    old_id = full_msgid(REPO, start)
    return old_id, old_id.replace(old, new)


def test_update_marks_a_changed_block_fuzzy_with_the_previous_msgid_and_keeps_the_translation(wf_updated):
    old_id, new_id = _old_and_new(PARA_25, "和相关性", "与相关性")
    entries = by_msgid(wf_updated / EN_REL)
    assert old_id not in entries
    entry = entries[new_id]
    assert entry.fuzzy
    assert entry.previous.get("msgid") == old_id
    assert entry.msgstr == committed(EN_REL)[old_id].msgstr
    assert entry.msgstr.startswith("All stakeholders agree")


def test_update_keeps_a_deleted_block_as_obsolete(wf_updated):
    deleted = ITEM_47[2:]
    assert deleted not in by_msgid(wf_updated / EN_REL)
    gone = {e.msgid: e for e in obsolete(wf_updated / EN_REL)}
    assert deleted in gone
    assert gone[deleted].msgstr == committed(EN_REL)[deleted].msgstr
    assert gone[deleted].msgstr.startswith("Cyberspace is different")
    text = (wf_updated / EN_REL).read_text(encoding="utf-8")
    assert f"#~ msgid {quote(deleted)}" in text


def test_update_keeps_translator_comments_and_flags_of_untouched_entries(wf_updated):
    entry = by_msgid(wf_updated / EN_REL)[HEADING_27]
    assert NOTE in entry.comments
    assert "no-c-format" in entry.flags
    assert not entry.fuzzy
    assert entry.msgstr == "Trust and Stakeholder Cooperation"


def test_update_adds_a_new_block_untranslated(wf_updated):
    entry = by_msgid(wf_updated / EN_REL)[NEW_PARAGRAPH]
    assert entry.msgstr == ""
    assert not entry.fuzzy


def test_update_moves_references_to_the_new_source_lines(wf_updated):
    lines = source_lines(wf_updated)
    entries = messages(wf_updated / EN_REL)
    assert len(entries) == 41  # 41 messages - 1 deleted + 1 added
    for entry in entries:
        assert entry.refs, entry.msgid
        for path, number in entry.refs:
            assert path == SOURCE_REL
            assert entry.msgid in lines[number - 1], f"{path}:{number} does not hold {entry.msgid[:30]!r}"


def test_update_counts_in_stats(wf_updated):
    en = stats_json(wf_updated)["en"]
    assert (en["translated"], en["fuzzy"], en["untranslated"], en["total"]) == (38, 2, 1, 41)


def test_update_zh_hant_overrides_become_fuzzy_and_gain_no_new_entries(wf_updated):
    old_id, new_id = _old_and_new(ITEM_29, "往往", "常常")
    before = {msgid: Entry(start=0, fields={"msgid": msgid, "msgstr": msgstr}) for msgid, msgstr in hant_overrides().items()}
    after = by_msgid(wf_updated / HANT_REL)
    # the override of the changed block: fuzzy, previous msgid, the reviewer's text kept
    assert old_id not in after
    assert after[new_id].fuzzy
    assert after[new_id].previous.get("msgid") == old_id
    assert after[new_id].msgstr == before[old_id].msgstr
    # untouched overrides stay as they were
    for msgid, entry in before.items():
        if msgid != old_id:
            assert msgid in after, msgid
            assert after[msgid].msgstr == entry.msgstr
            assert not after[msgid].fuzzy, msgid
    # no entry appears for blocks that had no override (changed, added or any other)
    assert len(after) == len(before)
    assert all(e.msgstr for e in after.values())
    assert NEW_PARAGRAPH not in after


def _all_catalogues(project: Path) -> list[Path]:
    return sorted((project / "translations").rglob("*.po")) + sorted((project / "translations").glob("*.pot"))


def test_update_writes_files_as_msgcat_no_wrap_would(wf_updated):
    """TRANSLATING.md: Diglot's files are unwrapped, as Poedit/Weblate with wrapping off save them."""
    files = _all_catalogues(wf_updated)
    assert len(files) >= 5
    for path in files:
        canonical = subprocess.run(["msgcat", "--no-wrap", str(path)], capture_output=True, check=True).stdout
        if not canonical and not messages(path):
            continue  # a file with a header only (no overrides): msgcat writes nothing at all
        if path.read_bytes() != canonical:
            import difflib

            diff = "".join(list(difflib.unified_diff(
                path.read_text(encoding="utf-8").splitlines(True), canonical.decode("utf-8").splitlines(True),
                str(path.relative_to(wf_updated)), "msgcat --no-wrap", n=0))[:12])
            pytest.fail(f"{path.relative_to(wf_updated)} differs from msgcat --no-wrap:\n{diff}")


def test_update_writes_files_that_msgfmt_accepts(wf_updated):
    for path in sorted((wf_updated / "translations").rglob("*.po")):
        result = subprocess.run(["msgfmt", "-c", "-o", os.devnull, str(path)], capture_output=True, text=True)
        assert result.returncode == 0, result.stderr


def test_update_twice_leaves_every_file_byte_identical(wf_updated, tmp_path):
    project = tmp_path / "again"
    shutil.copytree(wf_updated, project)
    before = {p: p.read_bytes() for p in _all_catalogues(project)}
    ok(diglot(project, "update"))
    after = {p: p.read_bytes() for p in _all_catalogues(project)}
    changed = [p for p in before if before[p] != after[p]]
    if changed:
        import difflib

        diff = "".join(list(difflib.unified_diff(
            before[changed[0]].decode("utf-8").splitlines(True), after[changed[0]].decode("utf-8").splitlines(True),
            "after one update", "after a second update", n=0))[:12])
        pytest.fail(f"a second 'update' rewrote {[str(p.relative_to(project)) for p in changed]}:\n{diff}")
    # and what the translator sees is still the previous msgid, not a comment
    old_id, new_id = _old_and_new(PARA_25, "和相关性", "与相关性")
    assert by_msgid(project / EN_REL)[new_id].previous.get("msgid") == old_id


def test_update_of_up_to_date_catalogues_writes_nothing(wf_project):
    files = _all_catalogues(wf_project)
    before = {p: (p.read_bytes(), p.stat().st_mtime_ns) for p in files}
    result = ok(diglot(wf_project, "update"))
    assert {p: (p.read_bytes(), p.stat().st_mtime_ns) for p in files} == before
    assert "wrote" not in result.stdout


# --- init --------------------------------------------------------------------------------


def test_a_deleted_and_restored_block_gets_its_translation_back_once(wf_project):
    """Delete a list item, update (it goes to #~), restore the source from git, update again:
    the translation is live again, not fuzzy, and the msgid is in the file once (msgmerge's revive)."""
    deleted = ITEM_47[2:]
    source = wf_project / SOURCE_REL
    original = source.read_text(encoding="utf-8")
    source.write_text(original.replace(ITEM_47 + "\n\n", ""), encoding="utf-8")
    ok(diglot(wf_project, "extract"))
    ok(diglot(wf_project, "update"))
    assert deleted in {e.msgid for e in obsolete(wf_project / EN_REL)}

    source.write_text(original, encoding="utf-8")
    ok(diglot(wf_project, "extract"))
    ok(diglot(wf_project, "update"))
    text = (wf_project / EN_REL).read_text(encoding="utf-8")
    assert text.count(quote(deleted)) == 1, "the msgid is in the file more than once"
    entry = by_msgid(wf_project / EN_REL)[deleted]
    assert entry.msgstr == committed(EN_REL)[deleted].msgstr and not entry.fuzzy
    assert deleted not in {e.msgid for e in obsolete(wf_project / EN_REL)}
    ok(diglot(wf_project, "check"))
    assert stats_json(wf_project)["en"]["untranslated"] == 0


def _new_document(project: Path, shared: list[str], new: list[str], near: str) -> Path:
    """source/second.md: ``shared`` paragraphs from the first document, ``near`` (one of them with
    one character changed) and ``new`` ones; then extract, as a translator would before init."""
    body = "\n\n".join([*shared, near, *new])
    path = project / "source" / "second.md"
    path.write_text(f"---\ntitle: 第二份文件\nlang: zh-Hans\n---\n\n{body}\n", encoding="utf-8")
    ok(diglot(project, "extract"))
    return path


def _paragraphs(count: int) -> list[str]:
    texts = [text for text in committed(EN_REL) if len(text) > 40 and "[" not in text and "<" not in text]
    assert len(texts) >= count
    return texts[:count]


def test_a_new_document_is_prefilled_from_the_translation_memory(wf_project):
    """6 of its 10 blocks are in the first document: init reuses those 6 translations, offers
    the one-character variant as fuzzy with the remembered source as #|, and stats says so."""
    shared = _paragraphs(7)
    near_of = shared.pop()
    near = near_of.replace("。", "！", 1) if "。" in near_of[:-1] else near_of[:-1] + "！"
    new = ["全新的段落一，讲述会议安排。", "全新的段落二，讲述报名方式。", "全新的段落三。"]
    _new_document(wf_project, shared[:6], new, near)
    ok(diglot(wf_project, "init", "en"))
    second = wf_project / "translations/en/LC_MESSAGES/second.po"
    entries = by_msgid(second)
    remembered = committed(EN_REL)
    for text in shared[:6]:
        assert entries[text].msgstr == remembered[text].msgstr and not entries[text].fuzzy
        assert any(c.startswith("from translation memory:") for c in entries[text].comments)
    assert entries[near].fuzzy and entries[near].msgstr == remembered[near_of].msgstr
    assert entries[near].previous.get("msgid") == near_of
    assert all(not entries[text].msgstr for text in new)
    ok(diglot(wf_project, "check"))
    row = next(r for r in json.loads(ok(diglot(wf_project, "stats", "--json")).stdout)
               if r["document"] == "second" and r["language"] == "en")
    assert (row["translated"], row["fuzzy"], row["from_memory"]) == (6, 1, 7)


def test_memory_off_and_fuzzy_modes(wf_project):
    shared = _paragraphs(2)
    _new_document(wf_project, shared, [], shared[1] + "另外。")
    pyproject = wf_project / "pyproject.toml"
    text = pyproject.read_text(encoding="utf-8")
    pyproject.write_text(text.replace("[tool.diglot]", '[tool.diglot]\ntranslation_memory = "fuzzy"'), encoding="utf-8")
    ok(diglot(wf_project, "init", "en"))
    second = wf_project / "translations/en/LC_MESSAGES/second.po"
    entries = by_msgid(second)
    assert all(entries[text].fuzzy and entries[text].msgstr for text in (*shared, shared[1] + "另外。"))
    assert not entries["第二份文件"].msgstr
    second.unlink()
    pyproject.write_text(text.replace("[tool.diglot]", '[tool.diglot]\ntranslation_memory = "off"'), encoding="utf-8")
    ok(diglot(wf_project, "init", "en"))
    assert not any(e.msgstr for e in messages(second))


def test_a_tmx_file_in_translations_memory_is_used(wf_project):
    """An agency's TMX (1.4, srclang zh-CN as CAT tools write it) is memory too; one with a
    DOCTYPE (an entity bomb) is refused with a message naming it."""
    text = "全新的段落，讲述会议安排。"
    _new_document(wf_project, [], [text], "另一个全新的段落。")
    memory = wf_project / "translations" / "memory"
    memory.mkdir()
    (memory / "agency.tmx").write_text(
        '<?xml version="1.0" encoding="UTF-8"?>\n<tmx version="1.4"><header srclang="zh-CN" datatype="plaintext" '
        'segtype="paragraph" adminlang="en" o-tmf="x" creationtool="x" creationtoolversion="1"/><body>'
        f'<tu><tuv xml:lang="zh-CN"><seg>{text}</seg></tuv><tuv xml:lang="en-US"><seg>A new paragraph on the '
        'agenda.</seg></tuv></tu></body></tmx>\n', encoding="utf-8")
    ok(diglot(wf_project, "init", "en"))
    entry = by_msgid(wf_project / "translations/en/LC_MESSAGES/second.po")[text]
    assert entry.msgstr == "A new paragraph on the agenda." and not entry.fuzzy
    assert "from translation memory: translations/memory/agency.tmx" in entry.comments

    (wf_project / "translations/en/LC_MESSAGES/second.po").unlink()
    (memory / "bomb.tmx").write_text('<?xml version="1.0"?>\n<!DOCTYPE tmx [<!ENTITY a "aaaaaaaaaa">'
                                     '<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>\n<tmx version="1.4"><body>'
                                     '<tu><tuv xml:lang="en"><seg>&b;</seg></tuv></tu></body></tmx>\n')
    result = diglot(wf_project, "init", "en")
    assert result.returncode == 1
    no_traceback(result)
    assert "translations/memory/bomb.tmx" in result.stderr and "DOCTYPE" in result.stderr
    assert not (wf_project / "translations/en/LC_MESSAGES/second.po").exists()


def _plural_index(expression: str, n: int) -> int:
    """Evaluate a gettext plural expression with the standard library's own C-expression reader."""
    import gettext

    return gettext.c2py(expression)(n)


def test_init_creates_a_catalogue_for_a_new_language(wf_project):
    result = ok(diglot(wf_project, "init", "fr"))
    po = wf_project / FR_REL
    assert po.exists()
    assert FR_REL in result.stdout
    head = header(po)
    assert head["Language"] == "fr"
    assert "charset=utf-8" in head["Content-Type"].lower()
    plural = re.fullmatch(r"nplurals=(\d+); plural=(.+);", head["Plural-Forms"])
    assert plural, head["Plural-Forms"]
    # French: 0 and 1 take the singular (form 0), 2 and 5 another form; every form is counted
    nplurals, forms = int(plural.group(1)), [_plural_index(plural.group(2), n) for n in range(0, 2_000_001, 1000)]
    assert _plural_index(plural.group(2), 0) == _plural_index(plural.group(2), 1) == 0
    assert _plural_index(plural.group(2), 2) != 0 and _plural_index(plural.group(2), 5) != 0
    assert nplurals >= 2 and max(forms) < nplurals
    entries = messages(po)
    assert [e.msgid for e in entries] == [e.msgid for e in messages(wf_project / POT_REL)]
    assert all(e.msgstr == "" and not e.fuzzy for e in entries)
    check = subprocess.run(["msgfmt", "-c", "-o", os.devnull, str(po)], capture_output=True, text=True)
    assert check.returncode == 0, check.stderr


def test_init_refuses_to_overwrite_an_existing_catalogue(wf_project):
    ok(diglot(wf_project, "init", "fr"))
    po = wf_project / FR_REL
    set_msgstr(po, HEADING_23, "Messages généraux")  # the translator started
    before = po.read_bytes()
    result = diglot(wf_project, "init", "fr")
    assert result.returncode == 1
    assert "already exists" in result.stderr and FR_REL in result.stderr
    no_traceback(result)
    assert po.read_bytes() == before

    en = wf_project / EN_REL
    before = en.read_bytes()
    result = diglot(wf_project, "init", "en")
    assert result.returncode == 1
    assert "already exists" in result.stderr and EN_REL in result.stderr
    assert en.read_bytes() == before


def test_a_prepared_catalogue_of_a_new_language_is_checked(wf_project):
    """TRANSLATING.md: a catalogue for another language 'can be prepared and checked'."""
    ok(diglot(wf_project, "init", "fr"))
    line = set_msgstr(wf_project / FR_REL, HEADING_23, "Messages <script>alert(1)</script>")
    result = diglot(wf_project, "check")
    assert result.returncode == 1, result.stdout + result.stderr
    assert any(number == line and "HTML" in message for number, message in findings(result, FR_REL)), result.stdout


# --- stats -------------------------------------------------------------------------------


def test_stats_table_shows_the_committed_english_catalogue_complete(wf_project):
    result = ok(diglot(wf_project, "stats"))
    translated, _, derived = result.stdout.partition("derived edition")
    rows = [line.split() for line in translated.splitlines() if line.startswith(DOC)]
    assert len(rows) == 1
    row = rows[0]
    # the derived edition's review state: 41 blocks, none overridden, none stale
    assert [line.split()[:6] for line in derived.splitlines() if line.startswith(DOC)] == \
        [[DOC, "zh-Hant", "zh-Hans", "41", "0", "0"]]
    assert row[1] == "en"
    assert row[2:5] == ["41", "0", "0"]
    assert "100.0%" in row


def test_stats_json_counts_messages_and_source_characters(wf_project):
    en = stats_json(wf_project)["en"]
    assert en["translated"] == 41
    assert en["fuzzy"] == 0
    assert en["untranslated"] == 0
    assert en["total"] == 41
    assert en["percent"] == 100
    msgids = [e.msgid for e in messages(wf_project / POT_REL)]
    assert en["source_characters"] == sum(len(m) for m in msgids)
    assert en["source_characters_translated"] == en["source_characters"]


def test_stats_min_passes_for_the_committed_catalogues(wf_project):
    result = ok(diglot(wf_project, "stats", "--min", "100"))
    assert "under" not in result.stderr


def test_stats_min_fails_when_a_message_is_fuzzy_or_untranslated(wf_project):
    en = wf_project / EN_REL
    add_flag(en, HEADING_23, "fuzzy")
    result = diglot(wf_project, "stats", "--min", "100")
    assert result.returncode == 1
    assert re.search(rf"{DOC}.*\ben\b", result.stderr), result.stderr
    row = stats_json(wf_project)["en"]
    assert (row["translated"], row["fuzzy"], row["untranslated"]) == (40, 1, 0)
    assert row["percent"] == round(100 * 40 / 41, 1)
    assert row["source_characters_translated"] == row["source_characters"] - len(HEADING_23)
    assert diglot(wf_project, "stats", "--min", "97").returncode == 0

    set_msgstr(en, HEADING_27, "")
    row = stats_json(wf_project)["en"]
    assert (row["translated"], row["fuzzy"], row["untranslated"]) == (39, 1, 1)


# --- check -------------------------------------------------------------------------------


def test_check_passes_on_the_committed_catalogues(wf_project):
    result = ok(diglot(wf_project, "check"))
    assert not re.search(r":\d+: error:", result.stdout), result.stdout
    assert "0 errors" in result.stderr


EN_DESCRIPTION = "2018年互联网治理论坛（IGF）关于网络安全、信任和隐私的关键信息。"
EN_GCSC = "各国在确保网络稳定方面负有法律和道德责任。政策提案、对网络武器扩散的控制，以及对保护互联网公共核心的承诺[^gcsc]，都有助于网络稳定。"
EN_URL_NOTE = "<https://cyberstability.org/research/call-to-protect/>"
EN_DRAFT_NOTE = "这是向社区投入开放的IGF消息的初稿。如需提供信息反馈，请写信至igf@un.org"


def _broken(msgid: str, old: str, new: str) -> tuple[str, str]:
    msgstr = committed(EN_REL)[msgid].msgstr
    assert old in msgstr, (old, msgstr)
    return msgid, msgstr.replace(old, new)


CHECK_CASES = {
    "e-mail deleted": (EN_DRAFT_NOTE, "please write to igf@un.org.", "please write to us.", "igf@un.org"),
    "URL changed": (EN_URL_NOTE, "call-to-protect/", "call-to-protect-now/", "cyberstability.org"),
    "number changed": (EN_DESCRIPTION, "the 2018 Internet", "the 2019 Internet", "2018"),
    "footnote reference lost": (EN_GCSC, "Internet[^gcsc]", "Internet", "gcsc"),
    "strong emphasis added": (HEADING_23, "Overarching Messages", "**Overarching** Messages", "emphasis"),
    "emphasis added": (HEADING_23, "Overarching Messages", "*Overarching* Messages", "emphasis"),
    "link added": (HEADING_23, "Overarching Messages", "[Overarching](https://example.org/) Messages", "link"),
    "script tag": (HEADING_23, "Overarching Messages", "Overarching <script>alert(1)</script> Messages", "HTML"),
    "img with handler": (HEADING_23, "Overarching Messages", "Overarching <img src=x onerror=alert(1)> Messages",
                         "HTML"),
    "harmless-looking tag": (HEADING_23, "Overarching Messages", "<b>Overarching</b> Messages", "HTML"),
    "Chinese left in English": (PARA_25, "Only a secure and reliable cyberspace", "只有安全可靠的网络空间", "Chinese text"),
    "fullwidth comma in English": (EN_DESCRIPTION, "cybersecurity, trust", "cybersecurity，trust", "fullwidth"),
}

#: Mistakes a translator makes that readers may not notice at once: warnings (check --strict fails).
SEEDED_WARNINGS = {
    "bracket left open": (EN_DESCRIPTION, "(IGF)", "(IGF", "unbalanced ()"),
    "quotation left open": ("“智慧城市”", "“Smart cities”", "“Smart cities", "unbalanced “”"),
    "doubled space": (EN_DESCRIPTION, "Key messages of", "Key  messages of", "spaces in a row"),
    "trailing space": (EN_DESCRIPTION, "privacy.", "privacy. ", "ends with a space"),
    "leading space": (EN_DESCRIPTION, "Key messages", " Key messages", "starts with a space"),
    "final stop dropped": (EN_DESCRIPTION, "privacy.", "privacy", "final stop"),
    "word repeated": (EN_DESCRIPTION, "of the 2018", "of the the 2018", "repeated"),
    "pasted four times": (PARA_25, "", None, "times the source's length"),
}


def _seeded_warning(case: str) -> tuple[str, str]:
    start, old, new, _named = SEEDED_WARNINGS[case]
    msgid = start if start in committed(EN_REL) else full_msgid(REPO, start)
    msgstr = committed(EN_REL)[msgid].msgstr
    if new is None:  # the paragraph pasted four times over
        return msgid, " ".join([msgstr] * 4)
    assert old in msgstr, (old, msgstr)
    return msgid, msgstr.replace(old, new, 1)


@pytest.mark.parametrize("case", list(SEEDED_WARNINGS))
def test_check_warns_at_the_msgstr_line_of_a_careless_translation(wf_project, case):
    msgid, msgstr = _seeded_warning(case)
    line = set_msgstr(wf_project / EN_REL, msgid, msgstr)
    result = diglot(wf_project, "check")
    no_traceback(result)
    warned = findings(result, EN_REL, "warning")
    assert any(number == line and SEEDED_WARNINGS[case][3] in message for number, message in warned), result.stdout
    assert not findings(result, EN_REL, "error"), result.stdout
    assert result.returncode == 0
    assert diglot(wf_project, "check", "--strict").returncode == 1


def test_check_warns_on_a_ui_string_left_as_its_english_msgid(wf_project):
    ui = wf_project / "translations" / "zh_Hans" / "LC_MESSAGES" / "ui.po"
    line = set_msgstr(ui, "Start of text", "Start of text")
    result = diglot(wf_project, "check")
    assert f"translations/zh_Hans/LC_MESSAGES/ui.po:{line}: warning: the translation is the source text itself" \
        in result.stdout, result.stdout


def test_check_accepts_names_and_terms_kept_on_purpose(wf_project):
    """No false alarm on what is right: an acronym kept as is, a Chinese term quoted beside its
    translation, fullwidth punctuation that belongs to that quoted term."""
    ui = wf_project / "translations" / "zh_Hans" / "LC_MESSAGES" / "ui.po"
    set_msgstr(ui, "Start of text", "正文开始")
    line = set_msgstr(wf_project / EN_REL, HEADING_23, "Overarching Messages (「总体」)")
    result = ok(diglot(wf_project, "check"))
    assert not [f for f in findings(result, EN_REL, "error") if f[0] == line], result.stdout
    assert not [f for f in findings(result, EN_REL, "warning") if f[0] == line and "unbalanced" in f[1]]


@pytest.mark.parametrize("case", list(CHECK_CASES))
def test_check_reports_a_broken_translation_at_its_msgstr_line(wf_project, case):
    msgid, old, new, named = CHECK_CASES[case]
    msgid = msgid if msgid in committed(EN_REL) else full_msgid(REPO, msgid)
    msgid, msgstr = _broken(msgid, old, new)
    line = set_msgstr(wf_project / EN_REL, msgid, msgstr)
    result = diglot(wf_project, "check")
    assert result.returncode == 1, result.stdout + result.stderr
    no_traceback(result)
    reported = findings(result, EN_REL)
    assert reported, result.stdout
    # every finding is about that msgstr, and the line named really holds it
    assert {number for number, _ in reported} == {line}
    held = (wf_project / EN_REL).read_text(encoding="utf-8").split("\n")[line - 1]
    assert held == f"msgstr {quote(msgstr)}"
    assert any(named in message for _, message in reported), reported


LOST_MARKUP = {
    # source text (replacing the heading 总体信息), kind named in the finding
    "strong emphasis lost": ("**总体**信息", "emphasis"),
    "emphasis lost": ("*总体*信息", "emphasis"),
    "link lost": ("[总体信息](https://www.intgovforum.org/)", "link"),
}


@pytest.mark.parametrize("case", list(LOST_MARKUP))
def test_check_reports_markdown_lost_in_translation(wf_project, case):
    """The source gains markup, the translator keeps the old plain translation."""
    new_id, named = LOST_MARKUP[case]
    source = wf_project / SOURCE_REL
    source.write_text(source.read_text(encoding="utf-8").replace(f"# {HEADING_23}\n", f"# {new_id}\n"),
                      encoding="utf-8")
    en = wf_project / EN_REL
    msgid_line = by_msgid(en)[HEADING_23].lines["msgid"]
    lines = en.read_text(encoding="utf-8").split("\n")
    lines[msgid_line - 1] = f"msgid {quote(new_id)}"
    en.write_text("\n".join(lines), encoding="utf-8")

    result = diglot(wf_project, "check")
    assert result.returncode == 1, result.stdout + result.stderr
    reported = findings(result, EN_REL)
    msgstr_line = by_msgid(en)[new_id].lines["msgstr"]
    assert any(number == msgstr_line and named in message and "lost" in message for number, message in reported), \
        result.stdout


def test_check_warns_on_a_missing_glossary_term_and_strict_fails(wf_project):
    paragraph = full_msgid(REPO, PARA_25)
    assert "网络空间" in paragraph
    msgid, msgstr = _broken(paragraph, "reliable cyberspace", "reliable online space")
    assert "cyberspace" not in msgstr.lower()
    line = set_msgstr(wf_project / EN_REL, msgid, msgstr)

    result = ok(diglot(wf_project, "check"))
    warned = findings(result, EN_REL, "warning")
    assert any(number == line and "网络空间" in message and "cyberspace" in message for number, message in warned), \
        result.stdout
    assert not findings(result, EN_REL, "error")

    strict = diglot(wf_project, "check", "--strict")
    assert strict.returncode == 1
    assert f"{EN_REL}:{line}:" in strict.stdout


def test_check_reports_simplified_characters_in_a_zh_hant_override(wf_project):
    hant = wf_project / HANT_REL
    msgid = full_msgid(REPO, ITEM_29)
    override = hant_overrides()[msgid].replace("網絡", "網路")
    assert override.startswith("網路安全")
    line = add_override(hant, msgid, override.replace("網路安全", "网路安全", 1))
    result = diglot(wf_project, "check")
    assert result.returncode == 1
    reported = findings(result, HANT_REL)
    assert any(number == line and "网" in message for number, message in reported), result.stdout
    assert not any("網" in message for _, message in reported)  # the Traditional form is not blamed


def test_check_reports_a_ui_translation_that_drops_a_placeholder(wf_project):
    """The page would fail to render: "Table %(number)s" translated without %(number)s."""
    ui = wf_project / "translations" / "zh_Hans" / "LC_MESSAGES" / "ui.po"
    line = set_msgstr(ui, "Table %(number)s", "表")
    result = diglot(wf_project, "check")
    assert result.returncode == 1
    no_traceback(result)
    assert f"translations/zh_Hans/LC_MESSAGES/ui.po:{line}: error: placeholders" in result.stdout, result.stdout


def _line_of(data: bytes, needle: bytes) -> int:
    index = data.index(needle)
    return data[:index].count(b"\n") + 1


def _po_syntax_cases() -> dict:
    """name -> function(original bytes) -> (broken bytes, set of acceptable line numbers)."""
    heading = 'msgstr "Overarching Messages"'.encode()

    def replace_heading(new: bytes):
        def make(data: bytes):
            return data.replace(heading, new, 1), {_line_of(data, heading)}
        return make

    def duplicate(data: bytes):
        extra = f'\n#. heading\nmsgid "{HEADING_23}"\nmsgstr "Overarching Messages again"\n'.encode()
        broken = data.rstrip(b"\n") + b"\n" + extra
        first = broken.count(b"\n", 0, len(data.rstrip(b"\n")) + 1) + 2  # line of "#. heading"
        return broken, {first, first + 1}

    def fuzzy_header(data: bytes):
        assert data.startswith(b'msgid ""\n')
        return b"#, fuzzy\n" + data, {1, 2}

    def no_plural_forms(data: bytes):
        line = re.search(rb'"Plural-Forms:[^\n]*\n', data).group(0)
        broken = data.replace(line, b"", 1)
        header_end = broken.index(b"\n\n")
        return broken, set(range(1, broken[:header_end].count(b"\n") + 2))

    def not_utf8(data: bytes):
        new = 'msgstr "Overarching Messages générales"'.encode("latin-1")
        return data.replace(heading, new, 1), {_line_of(data, heading)}

    def gbk(data: bytes):
        declared = re.search(rb"charset=utf-8", data, re.IGNORECASE).group(0)
        return data.replace(declared, b"charset=GBK", 1), {_line_of(data, declared)}

    def bom(data: bytes):
        return b"\xef\xbb\xbf" + data, {1}

    return {
        "unterminated string": replace_heading(b'msgstr "Overarching Messages'),
        "bad escape": replace_heading(b'msgstr "Overarching \\q Messages"'),
        "duplicate msgid": duplicate,
        "fuzzy header": fuzzy_header,
        "missing Plural-Forms": no_plural_forms,
        "not UTF-8": not_utf8,
        "charset GBK": gbk,
        "byte-order mark": bom,
    }


PO_SYNTAX = _po_syntax_cases()


@pytest.mark.parametrize("case", list(PO_SYNTAX))
def test_check_reports_po_syntax_errors_at_path_and_line(wf_project, case):
    en = wf_project / EN_REL
    broken, lines = PO_SYNTAX[case](en.read_bytes())
    en.write_bytes(broken)
    result = diglot(wf_project, "check")
    assert result.returncode == 1, result.stdout + result.stderr
    no_traceback(result)
    reported = findings(result, EN_REL)
    assert reported, result.stdout + result.stderr
    assert any(number in lines for number, _ in reported), (sorted(lines), reported)
    # the other catalogues are still checked and clean
    assert not findings(result, HANT_REL)


@pytest.mark.parametrize("msgstr, reported", [
    ("Install it with `pip install diglot`.", False),
    ("Install it with `pip install diglott`.", True),  # the command changed
    ("Install it with pip install diglot.", True),  # the code span lost its backticks
])
def test_check_reports_inline_code_changed_in_translation(msgstr, reported):
    from diglot.workflow import check_message

    found = check_message("用 `pip install diglot` 安装。", msgstr, "en", [], "zh-Hans")
    assert any(severity == "error" and "inline code `pip install diglot`" in text for severity, text in found) \
        == reported, found
