"""Pandoc Markdown → EPUB 3 through pypandoc: the only module that imports it.

Untrusted text is parsed by pandoc with ``--sandbox`` and a reader without raw
HTML, into pandoc's AST. We check that AST (no raw markup, no images or links
that leave the book) and only then let a second pandoc write the EPUB with our
stylesheet and cover: in sandbox mode pandoc cannot read ``--css`` at all.
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

import yaml

from .errors import DiglotError

READER = "commonmark+footnotes+fenced_divs+bracketed_spans+attributes-raw_html"


def write_epub(markdown: str, metadata: dict, stylesheet: Path, *, cover: Path | None = None,
               extra_args: tuple[str, ...] = ()) -> bytes:
    """Return the EPUB 3 bytes for ``markdown`` with ``metadata`` (a pandoc YAML block)."""
    import pypandoc

    with tempfile.TemporaryDirectory(prefix="diglot-epub-") as tmp:
        tmpdir = Path(tmp)
        meta_file = tmpdir / "metadata.yaml"
        meta_file.write_text(yaml.safe_dump(metadata, allow_unicode=True, sort_keys=False), encoding="utf-8")
        out = tmpdir / "book.epub"
        args = [f"--metadata-file={meta_file}", f"--css={stylesheet}", "--split-level=1",
                "--toc", "--toc-depth=1", *extra_args]
        if cover is not None:
            args.append(f"--epub-cover-image={cover}")
        try:
            ast = pypandoc.convert_text(markdown, "json", format=READER, extra_args=["--sandbox"])
            check_ast(json.loads(ast))
            pypandoc.convert_text(ast, "epub3", format="json", outputfile=str(out), extra_args=args)
        except RuntimeError as exc:
            raise DiglotError(f"pandoc failed: {str(exc).strip()}") from None
        return out.read_bytes()


def pandoc_version() -> str:
    import pypandoc

    return pypandoc.get_pandoc_version()


SAFE_LINK_SCHEMES = ("http://", "https://", "mailto:", "#")


def check_ast(node) -> None:
    """Refuse raw markup and any image or link pandoc would fetch or follow off the book."""
    if isinstance(node, list):
        for child in node:
            check_ast(child)
        return
    if not isinstance(node, dict):
        return
    kind = node.get("t")
    if kind in ("RawBlock", "RawInline"):
        raise DiglotError("raw markup is not allowed in an e-book")
    if kind == "Image":
        raise DiglotError(f"image {node['c'][2][0]!r}: images are not supported in e-books yet")
    if kind == "Link" and not node["c"][2][0].lower().startswith(SAFE_LINK_SCHEMES):
        raise DiglotError(f"link target {node['c'][2][0]!r} is not allowed in an e-book")
    for value in node.values():
        if isinstance(value, (list, dict)):
            check_ast(value)
