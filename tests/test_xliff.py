"""XLIFF 1.2 export and import (diglot/xliff.py), through the CLI on a copy of the project.

An agency's round trip is simulated with lxml, as a CAT tool would edit the file: the
checks are what a publisher looks at afterwards (the .po bytes, `diglot check`, the
messages printed, the exit code).
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest
from lxml import etree

from conftest import copy_project

REPO = Path(__file__).resolve().parents[1]
DOC = "igf-2018-cybersecurity"
EN_PO = f"translations/en/LC_MESSAGES/{DOC}.po"
NS = "urn:oasis:names:tc:xliff:document:1.2"
X = f"{{{NS}}}"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"

HEADING = "总体信息"  # translated in the committed English catalogue: "Overarching Messages"
FUZZY = "信任和利益相关者的合作"  # made fuzzy in the copy, with a previous msgid
BLANK = "Internet Governance Forum"  # made untranslated in the copy
AUTOLINK = "<https://cyberstability.org/research/call-to-protect/>"


def diglot(project: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(REPO / "build.py"), "-C", str(project), *args],
                          cwd=project, capture_output=True, text=True, timeout=300)


def ok(result: subprocess.CompletedProcess) -> subprocess.CompletedProcess:
    assert result.returncode == 0, f"exit {result.returncode}\nstdout:\n{result.stdout}\nstderr:\n{result.stderr}"
    return result


def quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def catalogues(project: Path) -> dict[str, bytes]:
    return {p.relative_to(project).as_posix(): p.read_bytes()
            for p in sorted((project / "translations").glob("*/LC_MESSAGES/*.po"))}


@pytest.fixture
def project(tmp_path) -> Path:
    """A copy of the project whose English catalogue has one fuzzy entry (with ``#|``) and one
    untranslated entry, as after an `update`, so every state an export writes is present."""
    root = copy_project(tmp_path / "project")
    po = root / EN_PO
    lines = po.read_text(encoding="utf-8").split("\n")
    fuzzy = lines.index(f"msgid {quote(FUZZY)}")
    lines[fuzzy:fuzzy] = ["#, fuzzy", f"#| msgid {quote('信任与合作')}"]
    blank = lines.index(f"msgid {quote(BLANK)}")
    lines[blank + 1] = 'msgstr ""'
    po.write_text("\n".join(lines), encoding="utf-8")
    return root


def export(project: Path, lang: str = "en") -> Path:
    result = ok(diglot(project, "xliff", "export", lang))
    assert "wrote output/xliff/" in result.stdout
    return project / "output" / "xliff" / f"{lang.replace('-', '_')}.xlf"


def unit_of(tree, source: str):
    """The trans-unit whose <source> is ``source``."""
    found = [u for u in tree.iter(f"{X}trans-unit") if u.findtext(f"{X}source") == source]
    assert len(found) == 1, f"{len(found)} trans-units with source {source!r}"
    return found[0]


def entry(po_text: str, msgid: str) -> list[str]:
    """The lines of one PO entry: its comments, flags, msgid and msgstr."""
    blocks = po_text.split("\n\n")
    return next(b.split("\n") for b in blocks if f"msgid {quote(msgid)}" in b.split("\n"))


# --- (1) a round trip changes nothing -----------------------------------------------------

@pytest.mark.parametrize("lang", ["en", "zh-Hans", "zh-Hant"])
def test_export_then_import_leaves_every_catalogue_byte_identical(project, lang):
    before = catalogues(project)
    mtimes = {p: (project / p).stat().st_mtime_ns for p in before}
    xlf = export(project, lang)
    result = ok(diglot(project, "xliff", "import", str(xlf)))
    assert "catalogues are up to date" in result.stdout
    assert result.stderr == ""
    assert catalogues(project) == before
    assert {p: (project / p).stat().st_mtime_ns for p in before} == mtimes, "a file was rewritten"


def test_second_export_is_identical_and_ids_are_stable(project):
    first = export(project).read_bytes()
    assert export(project).read_bytes() == first
    ids = [u.get("id") for u in etree.fromstring(first).iter(f"{X}trans-unit")]
    assert len(ids) == len(set(ids))
    # A changed translation elsewhere does not move any id (a CAT tool's memory is keyed on them).
    po = project / EN_PO
    po.write_text(po.read_text(encoding="utf-8").replace('msgstr "Overarching Messages"', 'msgstr "Overall"'),
                  encoding="utf-8")
    again = etree.fromstring(export(project).read_bytes())
    assert [u.get("id") for u in again.iter(f"{X}trans-unit")] == ids


# --- (2) an agency's edits come back, and only those ----------------------------------------

def test_edited_target_and_reviewed_fuzzy_unit_change_exactly_those_entries(project):
    before = catalogues(project)
    xlf = export(project)
    tree = etree.parse(str(xlf))
    unit_of(tree, HEADING).find(f"{X}target").text = "General Messages"
    unit_of(tree, FUZZY).find(f"{X}target").set("state", "translated")
    tree.write(str(xlf), xml_declaration=True, encoding="UTF-8")

    result = ok(diglot(project, "xliff", "import", str(xlf)))
    assert f"wrote {EN_PO}" in result.stdout
    assert "2 messages changed" in result.stdout
    after = catalogues(project)
    assert {p: b for p, b in after.items() if p != EN_PO} == {p: b for p, b in before.items() if p != EN_PO}
    old, new = before[EN_PO].decode(), after[EN_PO].decode()
    assert 'msgstr "General Messages"' in entry(new, HEADING)
    assert "#, fuzzy" in entry(old, FUZZY) and "#, fuzzy" not in entry(new, FUZZY)
    assert not any(line.startswith("#|") for line in entry(new, FUZZY)), "the previous msgid stays after review"
    removed = [line for line in old.split("\n") if line not in new.split("\n")]
    added = [line for line in new.split("\n") if line not in old.split("\n")]
    assert sorted(removed) == sorted(['msgstr "Overarching Messages"', "#, fuzzy", f"#| msgid {quote('信任与合作')}"])
    assert added == ['msgstr "General Messages"']
    ok(diglot(project, "check"))
    stats = ok(diglot(project, "stats", "--json")).stdout
    assert '"fuzzy": 0' in stats


def test_unit_emptied_becomes_untranslated_and_new_text_is_fuzzy_until_reviewed(project):
    xlf = export(project)
    tree = etree.parse(str(xlf))
    unit_of(tree, HEADING).find(f"{X}target").text = ""
    blank = unit_of(tree, BLANK)
    etree.SubElement(blank, f"{X}target", {XML_LANG: "en", "state": "needs-review-translation"}).text = "IGF"
    blank.insert(1, blank[-1])  # <target> right after <source>, where XLIFF puts it
    tree.write(str(xlf), xml_declaration=True, encoding="UTF-8")
    ok(diglot(project, "xliff", "import", str(xlf)))
    text = (project / EN_PO).read_text(encoding="utf-8")
    assert 'msgstr ""' in entry(text, HEADING) and "#, fuzzy" not in entry(text, HEADING)
    assert "#, fuzzy" in entry(text, BLANK) and 'msgstr "IGF"' in entry(text, BLANK)


# --- (3) what the export is ----------------------------------------------------------------

def test_export_is_xliff_1_2_with_one_file_per_domain(project):
    overrides = project / "translations" / "zh_Hant" / "LC_MESSAGES"
    for name, msgid, msgstr in ((f"{DOC}.po", HEADING, "總體訊息"), ("ui.po", "Contents", "目錄")):
        path = overrides / name
        path.write_text(path.read_text(encoding="utf-8") + f'\nmsgid "{msgid}"\nmsgstr "{msgstr}"\n', encoding="utf-8")
    root = etree.parse(str(export(project, "zh-Hant"))).getroot()
    assert root.tag == f"{X}xliff" and root.get("version") == "1.2"
    files = root.findall(f"{X}file")
    assert {(f.get("original"), f.get("source-language"), f.get("target-language")) for f in files} == {
        (f"{DOC}.po", "zh-Hans", "zh-Hant"), ("ui.po", "en", "zh-Hant")}
    assert all(f.get("datatype") == "po" and f.find(f"{X}body") is not None for f in files)
    units = list(root.iter(f"{X}trans-unit"))
    assert units and all(u.find(f"{X}source") is not None and u.find(f"{X}source").text for u in units)
    assert all(u.get("id") for u in units)


def test_export_maps_states_comments_locations_and_keeps_markdown_literal(project):
    xlf = export(project)
    tree = etree.parse(str(xlf))
    heading = unit_of(tree, HEADING)
    assert heading.find(f"{X}source").get(XML_LANG) == "zh-Hans"
    target = heading.find(f"{X}target")
    assert (target.text, target.get("state"), target.get(XML_LANG)) == ("Overarching Messages", "translated", "en")
    assert heading.findtext(f"{X}note[@from='developer']") == "heading"
    location = heading.find(f"{X}context-group[@purpose='location']")
    assert [c.text for c in location] == [f"source/{DOC}.md", "23"]
    fuzzy = unit_of(tree, FUZZY)
    assert fuzzy.find(f"{X}target").get("state") == "needs-review-translation"
    assert fuzzy.findtext(f"{X}alt-trans/{X}source") == "信任与合作"  # the previous msgid, as the CAT tool's diff
    assert unit_of(tree, BLANK).find(f"{X}target") is None
    # Markdown and an autolink are text: escaped by the serializer, never markup in the XLIFF.
    raw = xlf.read_text(encoding="utf-8")
    assert "&lt;https://cyberstability.org/research/call-to-protect/&gt;" in raw
    assert unit_of(tree, AUTOLINK).find(f"{X}target").text == AUTOLINK
    assert unit_of(tree, "IGF 2018 关键信息——网络安全、信任和隐私[^draft]") is not None


def test_export_to_a_chosen_file_and_of_a_language_without_catalogues(project, tmp_path):
    out = tmp_path / "for-agency.xlf"
    result = ok(diglot(project, "xliff", "export", "en", "-o", str(out)))
    assert "1 fuzzy, 1 untranslated" in result.stdout and out.exists()
    missing = diglot(project, "xliff", "export", "fr")
    assert missing.returncode == 1 and "no catalogue of fr" in missing.stderr and "diglot init fr" in missing.stderr
    assert "Traceback" not in missing.stderr
    bad = diglot(project, "xliff", "export", "not a tag")
    assert bad.returncode == 2 and "Traceback" not in bad.stderr


# --- (4) hostile or wrong input ----------------------------------------------------------------

BILLION_LAUGHS = """<?xml version="1.0"?>
<!DOCTYPE xliff [
 <!ENTITY lol "lol">
 <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<xliff xmlns="urn:oasis:names:tc:xliff:document:1.2" version="1.2">
 <file original="{doc}.po" datatype="po" source-language="zh-Hans" target-language="en"><body>
  <trans-unit id="{uid}"><source>{source}</source><target state="translated">&lol9;</target></trans-unit>
 </body></file>
</xliff>
"""


def _heading_id(project: Path) -> str:
    return unit_of(etree.parse(str(export(project))), HEADING).get("id")


def test_billion_laughs_is_refused_at_once_naming_the_file(project):
    from diglot.config import load_config
    from diglot.errors import DiglotError
    from diglot.xliff import import_xliff

    bomb = project / "bomb.xlf"
    bomb.write_text(BILLION_LAUGHS.format(doc=DOC, uid=_heading_id(project), source=HEADING), encoding="utf-8")
    before = catalogues(project)
    started = time.perf_counter()
    with pytest.raises(DiglotError) as caught:
        import_xliff(load_config(project), bomb)
    assert time.perf_counter() - started < 10  # a hang guard: expanded, the entities take minutes and gigabytes
    assert str(caught.value).startswith(f"{bomb}:2: ") and "DOCTYPE" in str(caught.value)
    result = diglot(project, "xliff", "import", "bomb.xlf")
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert "bomb.xlf:2:" in result.stderr and "refuses DTDs and entities" in result.stderr
    assert catalogues(project) == before


def test_external_entity_is_refused(project):
    xxe = project / "xxe.xlf"
    xxe.write_text('<?xml version="1.0"?>\n<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>\n'
                   f'<xliff xmlns="{NS}" version="1.2"><file original="{DOC}.po" target-language="en"><body>'
                   f'<trans-unit id="{_heading_id(project)}"><source>{HEADING}</source><target>&e;</target>'
                   '</trans-unit></body></file></xliff>\n', encoding="utf-8")
    before = catalogues(project)
    result = diglot(project, "xliff", "import", str(xxe))
    assert result.returncode == 1 and f"{xxe}:2:" in result.stderr and "root:" not in result.stdout + result.stderr
    assert catalogues(project) == before


def test_unknown_unit_is_a_warning_and_the_rest_is_imported(project):
    xlf = export(project)
    tree = etree.parse(str(xlf))
    unit_of(tree, HEADING).find(f"{X}target").text = "General Messages"
    stranger = etree.SubElement(tree.find(f".//{X}body"), f"{X}trans-unit", id="agency-added-1")
    etree.SubElement(stranger, f"{X}source").text = "一段新的文字"
    etree.SubElement(stranger, f"{X}target", state="translated").text = "Some new text"
    tree.write(str(xlf), xml_declaration=True, encoding="UTF-8")
    line = etree.parse(str(xlf)).xpath("//*[@id='agency-added-1']")[0].sourceline

    result = ok(diglot(project, "xliff", "import", str(xlf)))
    assert f"{xlf}:{line}: warning: trans-unit 'agency-added-1' is not a message of {DOC}.po" in result.stderr
    text = (project / EN_PO).read_text(encoding="utf-8")
    assert 'msgstr "General Messages"' in entry(text, HEADING)
    assert "Some new text" not in text and "一段新的文字" not in text


def test_any_error_leaves_every_catalogue_untouched(project):
    """A good edit in one unit and an inline element in another: nothing is written."""
    xlf = export(project)
    tree = etree.parse(str(xlf))
    unit_of(tree, HEADING).find(f"{X}target").text = "General Messages"
    target = unit_of(tree, AUTOLINK).find(f"{X}target")
    etree.SubElement(target, f"{X}ph", id="1").text = "{0}"
    tree.write(str(xlf), xml_declaration=True, encoding="UTF-8")
    bad_line = etree.parse(str(xlf)).find(f".//{X}ph").sourceline
    before = catalogues(project)
    result = diglot(project, "xliff", "import", str(xlf))
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert f"{xlf}:{bad_line}: <target> holds a <ph> element" in result.stderr
    assert catalogues(project) == before


@pytest.mark.parametrize("text, message", [
    ("<xliff version='1.2' xmlns='urn:oasis:names:tc:xliff:document:1.2'>\n<file>", "not well-formed XML"),
    ("<xliff version='2.0' xmlns='urn:oasis:names:tc:xliff:document:2.0'/>", "not an XLIFF 1.2 file"),
    ("<xliff version='2.0' xmlns='urn:oasis:names:tc:xliff:document:1.2'/>", "Diglot reads XLIFF 1.2"),
    (f"<xliff version='1.2' xmlns='{NS}'><file original='{DOC}.po' target-language='fr'><body/></file></xliff>",
     "no catalogue of fr"),
])
def test_malformed_or_foreign_files_are_refused_with_their_line(project, text, message):
    path = project / "agency.xlf"
    path.write_text(text, encoding="utf-8")
    before = catalogues(project)
    result = diglot(project, "xliff", "import", str(path))
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert str(path) in result.stderr and message in result.stderr
    assert catalogues(project) == before


def test_plural_and_context_messages_round_trip_and_take_edits(project):
    """A template's ngettext message is a <group> of one unit per plural form; msgctxt keeps two
    messages with one msgid apart."""
    ui = project / "translations" / "zh_Hans" / "LC_MESSAGES" / "ui.po"
    ui.write_text(ui.read_text(encoding="utf-8").split("\n#~", 1)[0].rstrip("\n") + "\n\n"
                  '#: templates/x.j2:1\nmsgctxt "menu"\nmsgid "Open"\nmsgstr "打开"\n\n'
                  '#: templates/x.j2:2\nmsgid "Open"\nmsgstr "开放"\n\n'
                  '#: templates/x.j2:3\nmsgid "%(n)s page"\nmsgid_plural "%(n)s pages"\nmsgstr[0] "%(n)s页"\n',
                  encoding="utf-8")
    before = catalogues(project)
    xlf = export(project, "zh-Hans")
    ok(diglot(project, "xliff", "import", str(xlf)))
    assert catalogues(project) == before
    tree = etree.parse(str(xlf))
    group = tree.find(f".//{X}group[@restype='x-gettext-plurals']")
    assert [u.findtext(f"{X}source") for u in group.iter(f"{X}trans-unit")] == ["%(n)s page"]
    group.find(f"{X}trans-unit/{X}target").text = "%(n)s 页"
    menu = [u for u in tree.iter(f"{X}trans-unit") if u.findtext(f"{X}source") == "Open"]
    assert len(menu) == 2 and len({u.get("id") for u in menu}) == 2
    context = [u for u in menu if u.find(f"{X}context-group/{X}context[@context-type='x-gettext-msgctxt']") is not None]
    context[0].find(f"{X}target").text = "打开菜单"
    tree.write(str(xlf), xml_declaration=True, encoding="UTF-8")
    ok(diglot(project, "xliff", "import", str(xlf)))
    text = ui.read_text(encoding="utf-8")
    assert 'msgstr[0] "%(n)s 页"' in text
    assert 'msgctxt "menu"\nmsgid "Open"\nmsgstr "打开菜单"' in text and 'msgid "Open"\nmsgstr "开放"' in text


def test_a_lost_footnote_call_is_warned_at_its_xliff_line(project):
    xlf = export(project)
    tree = etree.parse(str(xlf))
    unit = unit_of(tree, "IGF 2018 关键信息——网络安全、信任和隐私[^draft]")
    unit.find(f"{X}target").text = "IGF 2018 Key Messages"
    tree.write(str(xlf), xml_declaration=True, encoding="UTF-8")
    line = etree.parse(str(xlf)).xpath(f"//*[@id='{unit.get('id')}']")[0].sourceline
    result = ok(diglot(project, "xliff", "import", str(xlf)))
    assert (f"{xlf}:{line}: warning: trans-unit {unit.get('id')!r}: footnote reference 'draft' of the source is "
            "missing from the translation") in result.stderr
    assert 'msgstr "IGF 2018 Key Messages"' in (project / EN_PO).read_text(encoding="utf-8")
    assert diglot(project, "check").returncode == 1  # check stays the gate
