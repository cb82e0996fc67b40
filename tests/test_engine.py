"""The build engine: incremental builds, the manifest, the lock, SIGKILL safety, Dask."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest

from conftest import copy_project, twin_of

REPO = Path(__file__).resolve().parents[1]
SLUG = "igf-2018-cybersecurity"
LANGS = ("zh-Hans", "zh-Hant", "en")




def diglot(project: Path, *args: str, check: bool = True) -> subprocess.CompletedProcess:
    result = subprocess.run([sys.executable, str(REPO / "build.py"), "-C", str(project), *args],
                            capture_output=True, text=True)
    if check:
        assert result.returncode == 0, result.stderr
    return result


def outputs(project: Path) -> dict[str, int]:
    out = project / "output"
    return {p.relative_to(out).as_posix(): p.stat().st_mtime_ns
            for p in out.rglob("*") if p.is_file() and ".diglot" not in p.parts}


@pytest.fixture(scope="module")
def engine_project(tmp_path_factory) -> Path:
    project = copy_project(tmp_path_factory.mktemp("engine"))
    diglot(project, "-q", "--format", "html", "--format", "epub")
    return project


def test_nothing_changed_rebuilds_nothing_and_never_imports_weasyprint(engine_project):
    before = outputs(engine_project)
    code = ("import sys; from diglot.cli import main; rc = main(['-C', sys.argv[1], '--format', 'html', "
            "'--format', 'epub']); print('WEASYPRINT' if 'weasyprint' in sys.modules else 'CLEAN'); sys.exit(rc)")
    result = subprocess.run([sys.executable, "-c", code, str(engine_project)], capture_output=True, text=True,
                            cwd=REPO)
    assert result.returncode == 0, result.stderr
    assert "nothing to do" in result.stdout
    assert result.stdout.strip().endswith("CLEAN")
    assert outputs(engine_project) == before


def test_a_changed_font_file_is_looked_at_again(tmp_path):
    """The no-op check covers the font files the PDFs were made with: after a font package upgrade
    (a recorded font file's size or time differs) the build plans again instead of stopping."""
    project = copy_project(tmp_path)
    diglot(project, "-q", "--format", "pdf", "--lang", "en")
    manifest_path = project / "output/.diglot/manifest.json"
    fonts = json.loads(manifest_path.read_text(encoding="utf-8"))["fonts"]
    assert any(Path(font).name.startswith("NotoSerif") for font in fonts), fonts
    assert "nothing to do" in diglot(project, "--format", "pdf", "--lang", "en").stdout

    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    font = sorted(manifest["fonts"])[0]
    manifest["fonts"][font] = [1, 1]  # as recorded before the upgrade
    manifest_path.write_text(json.dumps(manifest), encoding="utf-8")
    before = outputs(project)
    result = diglot(project, "--format", "pdf", "--lang", "en")
    assert "nothing to do" not in result.stdout, result.stdout
    assert outputs(project) == before  # the same font file as the outputs were made with: nothing to redo
    assert "nothing to do" in diglot(project, "--format", "pdf", "--lang", "en").stdout


def test_one_english_msgstr_rebuilds_only_english_outputs(engine_project):
    before = outputs(engine_project)
    po = engine_project / "translations/en/LC_MESSAGES" / f"{SLUG}.po"
    text = po.read_text(encoding="utf-8")
    po.write_text(text.replace('msgstr "Overarching Messages"', 'msgstr "General Messages"'), encoding="utf-8")
    diglot(engine_project, "-q", "--format", "html", "--format", "epub")
    after = outputs(engine_project)
    changed = {rel for rel in after if after[rel] != before.get(rel)}
    bilingual = {f"bilingual/{SLUG}.{zh}-en.{kind}" for zh in ("zh-Hans", "zh-Hant") for kind in ("html", "epub")}
    required = {f"en/{SLUG}.html", f"en/{SLUG}.epub"} | bilingual
    # The e-books' covers are made with them; the site's pages list their sizes (rewritten only if they differ).
    covers = {f"en/{SLUG}.cover.png"} | {f"bilingual/{SLUG}.{zh}-en.cover.png" for zh in ("zh-Hans", "zh-Hant")}
    site = {"index.html", "opds.xml"} | {f"{lang}/index.html" for lang in ("zh-Hans", "zh-Hant", "en")}
    assert required <= changed <= required | covers | site, sorted(changed)
    assert not any(rel.startswith(("zh-Hans/", "zh-Hant/")) and not rel.endswith("index.html") for rel in changed)
    assert "General Messages" in (engine_project / "output/en" / f"{SLUG}.html").read_text(encoding="utf-8")


def test_damaged_manifest_rebuilds_everything_with_a_warning(engine_project):
    manifest = engine_project / "output/.diglot/manifest.json"
    manifest.write_text("{ this is not json", encoding="utf-8")
    before = outputs(engine_project)
    result = diglot(engine_project, "--format", "html", "--format", "epub")
    assert "damaged" in result.stderr
    after = outputs(engine_project)
    assert all(after[rel] != before[rel] for rel in before)
    json.loads(manifest.read_text(encoding="utf-8"))  # rewritten whole


def test_force_rebuilds_everything(engine_project):
    before = outputs(engine_project)
    diglot(engine_project, "-q", "--force", "--format", "html", "--format", "epub")
    after = outputs(engine_project)
    assert all(after[rel] != before[rel] for rel in before)


def test_second_build_in_the_same_tree_is_refused_while_one_runs(engine_project):
    sys.path.insert(0, str(REPO))
    from diglot.files import BuildLock

    with BuildLock(engine_project / "output/.diglot/lock"):
        result = diglot(engine_project, "--force", check=False)
    assert result.returncode == 1
    assert "another Diglot build" in result.stderr
    assert "Traceback" not in result.stderr


def test_output_that_is_a_symlink_is_refused_before_any_work(tmp_path):
    project = copy_project(tmp_path / "p")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (project / "output").symlink_to(elsewhere)
    result = diglot(project, check=False)
    assert result.returncode == 1
    assert "symbolic link" in result.stderr and "Traceback" not in result.stderr
    assert list(elsewhere.iterdir()) == []


def _whole(path: Path) -> bool:
    data = path.read_bytes()
    if path.suffix == ".pdf":
        return data.startswith(b"%PDF-") and data.rstrip().endswith(b"%%EOF")
    if path.suffix == ".epub":
        try:
            with zipfile.ZipFile(path) as archive:
                return archive.testzip() is None
        except zipfile.BadZipFile:
            return False
    if path.suffix == ".png":
        return data.startswith(b"\x89PNG\r\n\x1a\n") and data.endswith(b"IEND\xaeB`\x82")
    if path.suffix == ".xml":
        return data.rstrip().endswith((b"</feed>", b"</urlset>"))
    return data.rstrip().endswith(b"</html>")


def test_sigkill_during_a_build_leaves_whole_files_and_the_next_build_repairs(tmp_path):
    project = copy_project(tmp_path / "p")
    diglot(project, "-q")
    visible = sorted(outputs(project))
    for delay in (0.8, 1.6, 2.4):
        process = subprocess.Popen([sys.executable, str(REPO / "build.py"), "-C", str(project), "-q", "--force",
                                    "-j", "1"], start_new_session=True)
        time.sleep(delay)
        os.killpg(process.pid, signal.SIGKILL)  # the build and its worker, as an OOM killer or a power cut would
        process.wait()
        for rel in visible:
            path = project / "output" / rel
            assert not path.exists() or _whole(path), f"{rel} truncated after SIGKILL at {delay}s"
    result = diglot(project)
    assert sorted(outputs(project)) == visible
    assert all(_whole(project / "output" / rel) for rel in visible)
    leftovers = [p for p in (project / "output").rglob("*") if p.name.endswith(".diglot-tmp")]
    assert leftovers == [], result.stderr


def _pdf_text(path: Path) -> str:
    return subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout


def test_dask_local_cluster_builds_the_same_editions_as_the_local_executor(built_project, tmp_path):
    """--executor dask with no scheduler (a LocalCluster): the local executor's e-books, byte for
    byte (built_project is the session's local build). E-books only, as they are the outputs
    that link to no other format; every format over Dask is compared in test_distributed.py,
    on a real cluster."""
    import distributed  # noqa: F401  (the test extra installs it; a missing Dask is a failure, not a skip)
    remote = twin_of(built_project, tmp_path / "dask")
    diglot(remote, "-q", "--executor", "dask", "-j", "2", "--format", "epub")
    books = sorted(p.relative_to(remote / "output") for p in (remote / "output").rglob("*.epub"))
    assert len(books) >= 2 * len(LANGS), books  # each edition's, the bilingual ones, the vertical one
    for rel in books:
        assert (built_project / "output" / rel).read_bytes() == (remote / "output" / rel).read_bytes(), \
            f"{rel} differs between executors"


def test_a_failed_build_keeps_what_it_wrote_and_the_next_redoes_only_the_rest(tmp_path):
    """The e-books are made before the web pages (one worker): when a web page fails, what was
    already written is recorded, and the build after the fix makes the missing pages only."""
    project = copy_project(tmp_path / "p")
    page = project / "templates/web/page.html.j2"
    good = page.read_text(encoding="utf-8")
    page.write_text(good + "{{ no_such_variable }}\n", encoding="utf-8")
    failed = diglot(project, "-q", "-j", "1", "--format", "html", "--format", "epub", check=False)
    assert failed.returncode == 1 and "no_such_variable" in failed.stderr and "Traceback" not in failed.stderr
    made = outputs(project)
    pages = {f"{lang}/{SLUG}.html" for lang in LANGS}
    assert len([rel for rel in made if rel.endswith(".epub")]) == 6 and not pages & set(made), sorted(made)
    page.write_text(good, encoding="utf-8")
    diglot(project, "-q", "-j", "1", "--format", "html", "--format", "epub")
    after = outputs(project)
    # The bilingual pages were made with the broken folder web/ (they read its stylesheet): made anew.
    assert {rel for rel in made if after[rel] != made[rel] and not rel.endswith(".html")} == set()
    assert pages <= set(after)


def test_a_render_past_its_time_limit_stops_the_engine_it_started():
    """The render's time limit gives the job up and kills what it was waiting for (pandoc, run by
    pypandoc as a child process), which would otherwise go on working for nobody."""
    from diglot.errors import DiglotError
    from diglot.plan import Job
    from diglot.workers import _time_limit

    job = Job("doc", "en", "epub", "en/doc.epub", ("en",))
    child = None
    started = time.monotonic()
    with pytest.raises(DiglotError, match="en/doc.epub: rendering took longer than 1 s"):
        with _time_limit(1, job):
            child = subprocess.Popen(["sleep", "60"])
            child.wait()
    assert time.monotonic() - started < 30  # a hang guard: the limit is 1 s
    assert child.wait(timeout=10) == -signal.SIGKILL


@pytest.mark.parametrize("batch", [1, 2, 3, 512])
def test_a_manifest_written_in_pieces_is_the_json_written_at_once(tmp_path, batch):
    """The manifest and the planner's cache are written a few hundred entries at a time (never the
    whole text at once, at thousands of outputs): the file is exactly json's one-shot text."""
    from diglot.files import atomic_write, json_pieces

    data = {"outputs": {f"zh-Hant/文件-{i:03d}.html": {"stat": [i, 10 ** 18 + i], "editions": ["zh-Hant"],
                                                      "slug": f"文件-{i:03d}"} for i in reversed(range(7))},
            "plan": "k\"ey", "inputs": {"a": None, "b": [1, 2]}, "empty": {}, "fallbacks": {"en": 2},
            "nested": {str(i): {"x": {str(j): j for j in range(5)}} for i in range(4)}}
    path = tmp_path / "manifest.json"
    atomic_write(path, json_pieces(data, batch))
    assert path.read_bytes() == json.dumps(data, sort_keys=True, ensure_ascii=False,
                                           separators=(",", ":")).encode("utf-8")
    assert json.loads(path.read_text(encoding="utf-8")) == data


def _worker_state() -> tuple[bool, bool]:
    import diglot.pdf

    return diglot.pdf.WARM, "weasyprint" in sys.modules


def test_pdf_workers_are_forked_from_a_server_that_loaded_weasyprint_and_the_faces():
    """The fork server imports WeasyPrint and loads the faces (diglot.preload) while the build reads
    and plans: a worker forked from it starts with both, not loading them before its first job."""
    from concurrent.futures import ProcessPoolExecutor

    from diglot import workers

    context = workers._worker_context(pdf=True)
    with ProcessPoolExecutor(max_workers=1, mp_context=context) as pool:
        assert pool.submit(_worker_state).result() == (True, True)
