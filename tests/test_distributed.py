"""A real Dask cluster (a scheduler and two workers, each its own process) builds what the local executor builds."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import LANGS, REPO, SLUG, twin_of
from judges import pdf_text


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def dask_cluster():
    """``dask scheduler`` and two ``dask worker`` processes on localhost, stopped at teardown."""
    from distributed import Client

    dask = str(Path(sys.executable).with_name("dask"))
    address = f"tcp://127.0.0.1:{_free_port()}"
    # Workers import this checkout's diglot, as a worker machine imports its installed one.
    env = dict(os.environ, PYTHONPATH=str(REPO))
    port = address.rsplit(":", 1)[1]
    commands = [[dask, "scheduler", "--host", "127.0.0.1", "--port", port, "--no-dashboard"]]
    commands += [[dask, "worker", address, "--nworkers", "1", "--nthreads", "1", "--no-dashboard"]] * 2
    processes = []
    try:
        for command in commands:
            processes.append(subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL,
                                              stderr=subprocess.DEVNULL, start_new_session=True))
        with Client(address, timeout="60s") as client:
            client.wait_for_workers(2, timeout=120)
        yield address
    finally:
        for process in reversed(processes):
            process.terminate()
        for process in reversed(processes):
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def _build(project: Path, *args: str) -> None:
    result = subprocess.run([sys.executable, str(REPO / "build.py"), "-C", str(project), "-q", *args],
                            cwd=project, env=dict(os.environ, PYTHONPATH=str(REPO)),
                            capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr


def test_a_scheduler_and_two_workers_build_the_same_editions_as_the_local_executor(dask_cluster, built_project,
                                                                                   tmp_path):
    local = built_project  # the session's build with the local executor
    remote = twin_of(local, tmp_path / "dask")
    _build(remote, "--executor", "dask", "--scheduler", dask_cluster)
    for lang in LANGS:
        for suffix in ("html", "epub"):
            rel = f"{lang}/{SLUG}.{suffix}"
            assert (local / "output" / rel).read_bytes() == (remote / "output" / rel).read_bytes(), \
                f"{rel} differs between the local executor and the Dask cluster"
        rel = f"{lang}/{SLUG}.pdf"
        assert pdf_text(local / "output" / rel) == pdf_text(remote / "output" / rel), f"{rel} text differs"


def test_a_book_in_parts_built_on_the_cluster_is_the_local_book_before_and_after_an_edit(dask_cluster, tmp_path):
    """A book laid out in parts on the cluster: its parts are jobs like any other, and the join
    one more; the lines each part keeps (diglot.pdf.LineMemory) travel with its job. The same PDF
    bytes as the local executor's, cold and after an edit to one chapter."""
    from test_parts import BOOK, _paragraphs, book_project

    paragraphs = _paragraphs()
    roots = {}
    for name in ("local", "cluster"):
        root = book_project(tmp_path / name, "zh-Hans", "always")
        chapters = [f"c{number}.md" for number in range(1, 4)]
        (root / "source" / BOOK / "book.yaml").write_text(
            "title: 长文档\nlang: zh-Hans\nchapters:\n" + "".join(f"  - {c}\n" for c in chapters), encoding="utf-8")
        for number, chapter in enumerate(chapters, start=1):
            body = "\n\n".join(f"## 小节 {number}.{k // 4 + 1}\n\n{text}" if k % 4 == 0 else text
                               for k, text in enumerate(paragraphs[number * 5:number * 5 + 16]))
            (root / "source" / BOOK / chapter).write_text(f"---\ntitle: 第{number}部分\n---\n\n{body}\n",
                                                          encoding="utf-8")
        roots[name] = root
    cluster = ("--executor", "dask", "--scheduler", dask_cluster)
    for edit in (False, True):
        for name, root in roots.items():
            if edit:
                chapter = root / "source" / BOOK / "c2.md"
                chapter.write_text(chapter.read_text(encoding="utf-8").replace("## 小节 2.2", "新增一句。\n\n## 小节 2.2"),
                                   encoding="utf-8")
            _build(root, *(cluster if name == "cluster" else ()))
        made = {name: (root / "output" / "zh-Hans" / f"{BOOK}.pdf").read_bytes() for name, root in roots.items()}
        assert made["local"] == made["cluster"], f"the book differs ({'after the edit' if edit else 'cold'})"
        lines = roots["cluster"] / "output" / ".diglot" / "parts" / "zh-Hans" / BOOK / "002.lines.json"
        assert lines.stat().st_size > 100  # (kept on the machine that writes the outputs)
