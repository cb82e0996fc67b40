"""Shared fixtures: a built copy of the project, fresh copies to break, the CLI in a subprocess.

Nothing here writes into the repository: every build happens in a temporary
copy of source/, templates/, translations/ and pyproject.toml.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
PROJECT_PARTS = ("source", "templates", "translations", "pyproject.toml")
LANGS = ("zh-Hans", "zh-Hant", "en")
FORMATS = ("html", "pdf", "epub")
SLUG = "igf-2018-cybersecurity"


def copy_project(dest: Path) -> Path:
    """Copy the project's inputs (never output/) into ``dest``."""
    dest.mkdir(parents=True, exist_ok=True)
    for part in PROJECT_PARTS:
        src = REPO / part
        if src.is_dir():
            shutil.copytree(src, dest / part)
        else:
            shutil.copy2(src, dest / part)
    return dest


def sample_project(name: str, dest: Path) -> Path:
    """A copy of tests/data/<name> with the repository's templates and UI catalogues (the sample
    projects keep only what is their own: sources, document catalogues, other languages' UI)."""
    shutil.copytree(REPO / "tests" / "data" / name, dest)
    shutil.copytree(REPO / "templates", dest / "templates")
    shutil.copy2(REPO / "translations" / "ui.pot", dest / "translations" / "ui.pot")
    for po in (REPO / "translations").glob("*/LC_MESSAGES/ui.po"):
        target = dest / po.relative_to(REPO)
        if not target.exists():
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(po, target)
    return dest


@pytest.fixture(scope="session")
def built_project(tmp_path_factory) -> Path:
    """A copy of the project, built once per session with ``diglot -C COPY -q build``."""
    from diglot.cli import main

    root = copy_project(tmp_path_factory.mktemp("built") / "project")
    code = main(["-C", str(root), "-q", "build"])
    assert code == 0, f"the build of the unmodified project failed with exit code {code}"
    return root


def twin_of(built: Path, dest: Path) -> Path:
    """A fresh copy of the project's inputs whose every file has the mtime of its counterpart in
    ``built``: e-book dates come from the inputs' mtimes (reproducible builds), so a build of the
    twin by another executor must give ``built``'s bytes."""
    twin = copy_project(dest)
    for path in sorted(p for p in twin.rglob("*") if p.is_file()):
        stat = (built / path.relative_to(twin)).stat()
        os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    return twin


@pytest.fixture
def project_copy(tmp_path) -> Path:
    """A fresh, unbuilt copy of the project's inputs, for tests that modify them."""
    return copy_project(tmp_path / "project")


@pytest.fixture
def built_copy(built_project, tmp_path) -> Path:
    """A fresh copy of the built project, outputs included (as a user has after a build)."""
    dest = tmp_path / "built-copy"
    shutil.copytree(built_project, dest, copy_function=shutil.copy2)
    return dest


def run_cli(project: Path, *args: str, env: dict | None = None, timeout: float = 300) -> tuple[int, str, str]:
    """Run ``python build.py -C PROJECT ARGS…`` in a subprocess (cwd = PROJECT).

    Returns (returncode, stdout, stderr), so error-path tests can check that no
    traceback reaches the user.
    """
    full_env = dict(os.environ)
    full_env.update(env or {})
    proc = subprocess.run(
        [sys.executable, str(REPO / "build.py"), "-C", str(project), *args],
        cwd=project, env=full_env, capture_output=True, text=True, timeout=timeout,
    )
    return proc.returncode, proc.stdout, proc.stderr


@pytest.fixture(name="run_cli")
def run_cli_fixture():
    return run_cli


def is_hidden(path: Path, base: Path) -> bool:
    """True for Diglot's own bookkeeping (output/.diglot/…) and other dot files."""
    return any(part.startswith(".") for part in path.relative_to(base).parts)


def output_snapshot(root: Path) -> dict[str, tuple[bytes, int]]:
    """Every published file under root/output: relative path → (bytes, mtime in ns).

    Hidden bookkeeping (the build manifest and lock in output/.diglot/) is not a
    publication and is left out.
    """
    out = root / "output"
    return {p.relative_to(out).as_posix(): (p.read_bytes(), p.stat().st_mtime_ns)
            for p in sorted(out.rglob("*")) if p.is_file() and not is_hidden(p, out)}


@pytest.fixture(name="output_snapshot")
def output_snapshot_fixture():
    return output_snapshot


@pytest.fixture(name="copy_project", scope="session")
def copy_project_fixture():
    """The function that copies the project's inputs into a folder (for module-scoped copies)."""
    return copy_project


SEED_NAME = "000_d8035beedef94756.txt"


def seed_path() -> Path:
    """The PDF-extracted seed text: $DIGLOT_SEED, the shared seeds folder, or the copy in tests/data."""
    candidates = [Path(os.environ["DIGLOT_SEED"])] if os.environ.get("DIGLOT_SEED") else []
    candidates += [
        Path(__file__).resolve().parents[2] / "shared" / "seeds" / SEED_NAME,
        Path(__file__).resolve().parent / "data" / "seeds" / SEED_NAME,
    ]
    for path in candidates:
        if path.is_file():
            return path
    pytest.fail(f"seed file not found; looked at {', '.join(map(str, candidates))}")
