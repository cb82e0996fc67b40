"""What a fingerprint covers: each kind of output only the templates it reads, and content, not
times: a touch (or a fresh checkout) rebuilds nothing, and the planner's cache never hides an edit."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest import copy_project, sample_project

REPO = Path(__file__).resolve().parents[1]
SLUG = "igf-2018-cybersecurity"
HTML = ("html",)
PDF = ("pdf", "print.pdf")
EPUB = ("epub", "vertical.epub", "cover.png")


def planned(project: Path, cache=None) -> dict:
    """Output path → job, as the build would plan them now."""
    from diglot.builder import BuildOptions
    from diglot.config import load_config
    from diglot.plan import plan
    from diglot.report import BuildReport

    return {job.rel: job for job in plan(load_config(project), BuildOptions(), BuildReport(), cache)}


@pytest.fixture(scope="module")
def project(tmp_path_factory) -> Path:
    return copy_project(tmp_path_factory.mktemp("fingerprints") / "project")


def changed_by(project: Path, template: str) -> tuple[dict, set[str]]:
    """The jobs, and the outputs whose fingerprint an edit of templates/``template`` changes (undone after)."""
    path = project / "templates" / template
    original = path.read_bytes()
    before = planned(project)
    try:
        path.write_bytes(original + b"\n/* edited */\n" if not template.endswith(".j2") else original + b"{# edited #}\n")
        after = planned(project)
    finally:
        path.write_bytes(original)
    assert set(after) == set(before)
    return before, {rel for rel in before if before[rel].fingerprint != after[rel].fingerprint}


def of_kinds(jobs: dict, kinds: tuple[str, ...], bilingual: bool | None = None) -> set[str]:
    return {rel for rel, job in jobs.items() if job.kind in kinds and (bilingual is None or job.bilingual == bilingual)}


def test_the_web_stylesheet_changes_the_web_pages_only(project):
    jobs, changed = changed_by(project, "web/site.css")
    assert of_kinds(jobs, HTML) and of_kinds(jobs, PDF) and of_kinds(jobs, EPUB)  # every kind is planned
    # The bilingual pages inline site.css too.
    assert changed == of_kinds(jobs, HTML), sorted(changed)
    assert f"bilingual/{SLUG}.zh-Hans-en.html" in changed


@pytest.mark.parametrize("template", ["print/book.css", "print/book.html.j2", "print/page.css.j2"])
def test_a_print_template_changes_the_pdfs_only(project, template):
    jobs, changed = changed_by(project, template)
    assert changed == of_kinds(jobs, PDF), sorted(changed)


@pytest.mark.parametrize("template", ["epub/epub.css", "epub/labels.yaml", "epub/cover.svg.j2"])
def test_an_epub_template_changes_the_ebooks_only(project, template):
    jobs, changed = changed_by(project, template)
    assert changed == of_kinds(jobs, EPUB), sorted(changed)


@pytest.mark.parametrize("template, kinds", [("bilingual/web.css", HTML), ("bilingual/print.css", PDF),
                                             ("bilingual/book.md.j2", EPUB),
                                             ("bilingual/_pairs.html.j2", HTML + PDF + EPUB)])
def test_a_bilingual_template_changes_those_bilingual_outputs_only(project, template, kinds):
    jobs, changed = changed_by(project, template)
    assert changed == of_kinds(jobs, kinds, bilingual=True), sorted(changed)


@pytest.mark.parametrize("template", ["_languages.css.j2", "_blocks.html.j2"])
def test_a_shared_template_changes_every_kind_that_may_read_it(project, template):
    """Files outside the kinds' folders are counted as read by all: _languages.css.j2 is."""
    jobs, changed = changed_by(project, template)
    assert changed == set(of_kinds(jobs, HTML + PDF + EPUB)), sorted(set(of_kinds(jobs, HTML + PDF + EPUB)) - changed)


def test_the_index_template_changes_no_edition(project):
    _, changed = changed_by(project, "index.html.j2")
    assert changed == set()


@pytest.mark.parametrize("name", ["book", "constructs"])
def test_the_planners_cache_plans_exactly_what_parsing_plans(tmp_path, name, monkeypatch):
    """A book with chapters, and a project with figures and warnings: the jobs planned from the
    cached summaries are those planned from the sources, and so is what the report is told."""
    from diglot.builder import BuildOptions
    from diglot.config import load_config
    from diglot.plan import plan
    from diglot.plancache import SummaryCache
    from diglot.report import BuildReport

    root = sample_project(name, tmp_path / name)
    config = load_config(root)
    reports = [BuildReport() for _ in range(3)]
    fresh = plan(config, BuildOptions(), reports[0])
    path = root / "output/.diglot/summaries.json"
    first = SummaryCache.load(path)
    made = plan(config, BuildOptions(), reports[1], first)
    first.save()
    later = time.time() + 5  # keys are made of bytes: a touch changes none
    for path_ in (*(root / "source").rglob("*"), *(root / "translations").rglob("*")):
        os.utime(path_, (later, later))
    second = SummaryCache.load(path)
    assert set(second.entries) == set(first.used) and second.entries
    import diglot.plan

    def parsed(doc, *args):
        raise AssertionError(f"{doc.slug} was parsed again: its cached summary was refused")

    monkeypatch.setattr(diglot.plan, "_summarize", parsed)
    reused = plan(config, BuildOptions(), reports[2], second)
    assert second.used == second.entries  # every summary came from the cache
    assert fresh == made == reused
    for report in reports[1:]:
        assert (report.warnings, report.skipped, report.fallbacks) == \
            (reports[0].warnings, reports[0].skipped, reports[0].fallbacks)


@pytest.mark.parametrize("stored", ["{ not json", '{"format": "diglot-summaries/1", "entries": []}',
                                    '{"format": "diglot-summaries/1", "entries": {"%s.md": {"key": "K", '
                                    '"summary": {"slug": 1}}}}' % SLUG])
def test_a_damaged_cache_is_planned_around(project, stored):
    from diglot.plancache import SummaryCache, publication_keys
    from diglot.config import load_config
    from diglot.editions import document_paths
    from diglot.plan import _engine_versions

    path = project / "output/.diglot/summaries.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    config = load_config(project)
    key = publication_keys(config, document_paths(config), (repr(config.__dict__), _engine_versions()))[f"{SLUG}.md"]
    path.write_text(stored.replace('"K"', f'"{key}"'), encoding="utf-8")
    try:
        assert planned(project, SummaryCache.load(path)) == planned(project)
    finally:
        path.unlink()


def test_a_template_broken_after_a_passing_check_is_still_refused(project):
    """The templates' check is skipped while templates/ is byte for byte as when it passed: not after."""
    from diglot.builder import check_templates
    from diglot.config import load_config
    from diglot.errors import DiglotError
    from diglot.plancache import SummaryCache

    config = load_config(project)
    cache = SummaryCache(project / "output/.diglot/summaries.json")
    check_templates(config, cache)
    check_templates(config, cache)  # passed, remembered
    page = project / "templates/web/page.html.j2"
    good = page.read_text(encoding="utf-8")
    page.write_text(good + "{% if %}\n", encoding="utf-8")
    try:
        with pytest.raises(DiglotError) as caught:
            check_templates(config, cache)
    finally:
        page.write_text(good, encoding="utf-8")
    assert "syntax error" in caught.value.message and caught.value.path == page


# --- real builds ----------------------------------------------------------------------------------

def diglot(project: Path, *args: str) -> str:
    result = subprocess.run([sys.executable, str(REPO / "build.py"), "-C", str(project), *args],
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    return result.stdout


def outputs(project: Path) -> dict[str, int]:
    out = project / "output"
    return {p.relative_to(out).as_posix(): p.stat().st_mtime_ns
            for p in out.rglob("*") if p.is_file() and ".diglot" not in p.parts}


def rebuilt(stdout: str) -> set[str]:
    """The outputs a build's table lists as made (the up-to-date ones are not listed)."""
    return {line.split()[0].removeprefix("output/") for line in stdout.splitlines() if line.startswith("  output/")}


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Path:
    project = copy_project(tmp_path_factory.mktemp("built") / "project")
    diglot(project, "-q", "--format", "html", "--format", "epub")
    return project


def test_touching_every_source_and_catalogue_rebuilds_nothing(built):
    before = outputs(built)
    later = time.time() + 5
    for folder in ("source", "translations"):
        for path in (built / folder).rglob("*"):
            os.utime(path, (later, later))
    stdout = diglot(built, "--format", "html", "--format", "epub")
    assert f"built 0 of {len(before)} files" in stdout, stdout
    assert outputs(built) == before
    assert "nothing to do" in diglot(built, "--format", "html", "--format", "epub")


def test_an_edit_after_a_touch_is_seen(built):
    """The cache is keyed by content: after a touch-only build, a changed word is still a change."""
    later = time.time() + 10
    for path in (built / "source").rglob("*"):
        os.utime(path, (later, later))
    diglot(built, "-q", "--format", "html", "--format", "epub")
    source = built / "source" / f"{SLUG}.md"
    text = source.read_text(encoding="utf-8")
    assert "description: 2018年" in text
    source.write_text(text.replace("description: 2018年", "description: 2018 年", 1), encoding="utf-8")
    before = outputs(built)
    diglot(built, "-q", "--format", "html", "--format", "epub")
    after = outputs(built)
    for rel in (f"zh-Hans/{SLUG}.html", f"zh-Hans/{SLUG}.epub", f"en/{SLUG}.html"):
        assert after[rel] != before[rel], rel


def test_editing_the_web_stylesheet_rebuilds_only_web_pages(built):
    before = outputs(built)
    css = built / "templates/web/site.css"
    css.write_text(css.read_text(encoding="utf-8") + "\n.edited { color: inherit; }\n", encoding="utf-8")
    made = rebuilt(diglot(built, "--format", "html", "--format", "epub"))
    after = outputs(built)
    pages = {rel for rel in before if rel.endswith(".html")}
    # OPDS is dated by the newest output, so it is looked at again; e-books and covers are not.
    assert made - {"opds.xml"} == pages, sorted(made)
    assert {rel for rel in before if after[rel] != before[rel]} <= pages | {"opds.xml"}
    assert all(after[rel] == before[rel] for rel in before if rel.endswith((".epub", ".png")))
    assert ".edited" in (built / "output/en" / f"{SLUG}.html").read_text(encoding="utf-8")
