"""diglot/cli.py (through build.py, in a subprocess): help, and errors a user can act on.

Bad input must print ``path:line: message`` on stderr, exit with 1, show no
traceback, and leave every previously built output exactly as it was.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

SLUG = "igf-2018-cybersecurity"

NOTO_DIRS = [Path("/usr/share/fonts/truetype/noto"), Path("/usr/share/fonts/opentype/noto")]


def assert_clean_failure(code: int, out: str, err: str) -> None:
    assert code == 1, f"exit code {code}\nstdout:\n{out}\nstderr:\n{err}"
    assert "Traceback" not in err and "Traceback" not in out, f"a traceback reached the user:\n{err}"


def test_help_describes_the_commands(run_cli, project_copy):
    code, out, err = run_cli(project_copy, "--help")
    assert code == 0, err
    assert out.startswith("usage:")
    assert "build" in out and "output/" in out
    assert "PDF" in out and "EPUB" in out


def test_build_help_describes_the_build(run_cli, project_copy):
    code, out, err = run_cli(project_copy, "build", "--help")
    assert code == 0, err
    assert "usage:" in out and "build" in out
    for option in ("--lang", "--format", "--strict"):
        assert option in out
    for choice in ("BCP 47", "html", "pdf", "epub"):
        assert choice in out
    assert not (project_copy / "output").exists(), "asking for help built something"


def line_number(path: Path, needle: str) -> int:
    for number, line in enumerate(path.read_text(encoding="utf-8").split("\n"), start=1):
        if line.startswith(needle):
            return number
    raise AssertionError(f"no line starting with {needle!r} in {path}")


def replace_line(path: Path, start: str, new: str) -> int:
    """Replace the first line starting with ``start``; return its 1-based number."""
    lines = path.read_text(encoding="utf-8").split("\n")
    number = line_number(path, start)
    lines[number - 1] = new
    path.write_text("\n".join(lines), encoding="utf-8")
    return number


@pytest.mark.parametrize("start, new", [
    ("date:", "date: 2018-11: draft"),  # malformed YAML (a second ':' in a plain scalar)
    ("date:", "date: 2018-02-30"),  # a date that does not exist
    ("lang:", "lang: english"),  # not a language tag
    ("publisher:", "colour: red"),  # an unknown key
], ids=["malformed-yaml", "impossible-date", "wrong-lang", "unknown-key"])
def test_bad_front_matter_is_reported_and_outputs_are_kept(run_cli, built_copy, output_snapshot, start, new):
    before = output_snapshot(built_copy)
    # 9 editions, 3 print-shop PDFs, the vertical e-book, 3 covers, 10 bilingual files (with their covers),
    # the index, 3 language indexes, the OPDS catalogue
    assert len(before) == 31
    source = built_copy / "source" / f"{SLUG}.md"
    line = replace_line(source, start, new)

    code, out, err = run_cli(built_copy, "build")
    assert_clean_failure(code, out, err)
    assert re.search(rf"^\S*{re.escape(SLUG)}\.md:{line}: \S", err, re.M), f"expected {source.name}:{line}:\n{err}"
    assert output_snapshot(built_copy) == before, "a failed build changed the previous outputs"


def test_unreadable_catalogue_is_reported_and_outputs_are_kept(run_cli, built_copy, output_snapshot):
    before = output_snapshot(built_copy)
    po = built_copy / "translations" / "en" / "LC_MESSAGES" / f"{SLUG}.po"
    data = po.read_bytes()
    at = data.index(b'msgstr "Overarching')
    line = data[:at].count(b"\n") + 1
    po.write_bytes(data[:at] + b'msgstr "Overarching \xff\xfe' + data[at + len(b'msgstr "Overarching'):])

    code, out, err = run_cli(built_copy, "build")
    assert_clean_failure(code, out, err)
    assert re.search(rf"^\S*{re.escape(SLUG)}\.po:{line}: .*UTF-8", err, re.M), f"expected {po.name}:{line}:\n{err}"
    assert output_snapshot(built_copy) == before, "a failed build changed the previous outputs"


def fontconfig_without_cjk(tmp_path: Path) -> dict:
    """Environment for a fontconfig that sees only the Noto core fonts (no CJK faces)."""
    dirs = [d for d in NOTO_DIRS if d.is_dir() and not any("CJK" in p.name for p in d.rglob("*"))]
    core = Path("/usr/share/fonts/truetype/noto")
    assert core in dirs, f"{core} (fonts-noto-core) is needed to simulate a machine without CJK fonts"
    conf = tmp_path / "fonts.conf"
    cache = tmp_path / "fontconfig-cache"
    cache.mkdir()
    conf.write_text(
        '<?xml version="1.0"?>\n<!DOCTYPE fontconfig SYSTEM "urn:fontconfig:fonts.dtd">\n<fontconfig>\n'
        f"  <dir>{core}</dir>\n  <cachedir>{cache}</cachedir>\n</fontconfig>\n", encoding="utf-8")
    return {"FONTCONFIG_FILE": str(conf)}


def assert_names_the_missing_font(err: str) -> None:
    assert "Noto Serif CJK" in err, err
    assert "fonts-noto-cjk" in err, err


def test_missing_cjk_font_is_an_error_naming_font_and_package(run_cli, project_copy, tmp_path):
    code, out, err = run_cli(project_copy, "build", env=fontconfig_without_cjk(tmp_path))
    assert_clean_failure(code, out, err)
    assert_names_the_missing_font(err)
    assert not list((project_copy / "output").glob("*/*.pdf")), "a PDF was written without its fonts"


def test_missing_cjk_font_leaves_previous_outputs(run_cli, built_copy, output_snapshot, tmp_path):
    before = output_snapshot(built_copy)
    code, out, err = run_cli(built_copy, "build", "--force", env=fontconfig_without_cjk(tmp_path))
    assert_clean_failure(code, out, err)
    assert_names_the_missing_font(err)
    assert output_snapshot(built_copy) == before, "a failed build changed the previous outputs"
