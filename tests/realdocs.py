"""A real Chinese technical chapter and its English, from Debian's packages: the Debian Reference.

`debian-reference-zh-cn` and `debian-reference-en` (GPL-2+, installed by `make test`) hold the
same DocBook book as HTML in each language. Pandoc turns a chapter into GitHub Markdown; the
steps below do what an editor importing it would: drop the navigation, turn admonitions into
an icon (a figure, from the package's own images) and a quotation, web links into footnotes
(as a printed book shows URLs: one note per address, called wherever it is linked), table
titles into captions. The Chinese chapter is the source; the English one, block for block,
its catalogue.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

BOOK = Path("/usr/share/debian-reference")
LABELS = {"提示": "tip", "注意": "note", "警告": "warning", "重要": "important", "小心": "caution",
          "Tip": "tip", "Note": "note", "Warning": "warning", "Important": "important", "Caution": "caution"}


def available(chapter: str) -> bool:
    return all((BOOK / f"{chapter}.{lang}.html").is_file() for lang in ("zh-cn", "en"))


def to_markdown(html: Path) -> str:
    import pypandoc

    return pypandoc.convert_file(str(html), "gfm-raw_html", extra_args=["--wrap=none"])


def clean(markdown: str, urls: dict[str, str]) -> str:
    """The chapter as a Diglot body: no navigation, admonitions as icon + quote, links as notes."""
    lines = markdown.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("# "))
    end = max(i for i, line in enumerate(lines) if line.startswith("-" * 20))
    body = [line for line in _drop_contents(lines[start:end]) if line.strip() != "\\"]  # DocBook's empty breaks
    body = _admonitions(body)
    text = "\n".join(body)
    text = _captions(text)
    # The book's own notes: a call [^([4])](#ftn.id…) and, at the end, the note [^([4])](#id…) text.
    text = re.sub(r"^\[\^\(\\\[(\d+)\\\]\)\]\(#[^)]*\)\s*", r"[^f\1]: ", text, flags=re.M)
    text = re.sub(r"\[\^\(\\\[(\d+)\\\]\)\]\(#ftn\.[^)]*\)", r"[^f\1]", text)
    text = re.sub(r"\[([^\]]*)\]\((?:ch\d\d|index|pr\d\d|ap[a-z])\.[a-z-]+\.html(?:#[^)\s]*)?(?: \"[^\"]*\")?\)",
                  r"\1", text)
    text = re.sub(r"(?<=\S)!\[[^\]]*\]\([^)]*\)", "", text)  # icons inside text (navigation)
    text = re.sub(r"(?<!!)\[([^\]]+)\]\((https?://[^)\s]+)\)", lambda m: _note(m, urls), text)
    text = re.sub(r"^\|.*$", _escape_code_pipes, text, flags=re.M)
    notes = "\n".join(f"[^{label}]: <{url}>" for url, label in urls.items())
    return text.rstrip() + "\n\n" + notes + "\n"


def _escape_code_pipes(row: re.Match) -> str:
    """pandoc writes a | inside `code` in a table cell bare, which GFM reads as a new cell."""
    return re.sub(r"`[^`]*`", lambda code: re.sub(r"(?<!\\)\|", r"\\|", code.group(0)), row.group(0))


def _drop_contents(lines: list[str]) -> list[str]:
    """The chapter's own contents (a list of links under **目录**): Diglot makes its contents."""
    out, skipping = [], False
    for line in lines:
        if re.fullmatch(r"\*\*(目录|Table of Contents|表格清单|List of Tables)\*\*", line.strip()):
            skipping = True
            continue
        if skipping and (not line.strip() or re.fullmatch(r"\[[^\]]+\]\([^)]*\)", line.strip())):
            continue
        skipping = False
        out.append(line)
    return out


def _admonitions(lines: list[str]) -> list[str]:
    """|  |  | / |:--:|:---| / | ![[提示]](images/tip.png) | 提示 | / |  | text | → icon figure and quote."""
    out, i = [], 0
    while i < len(lines):
        if lines[i].strip() == "|  |  |" and i + 3 < len(lines):
            head = re.match(r"\| !\[\\\[(.+?)\\\]\]\(images/(\w+)\.png\) \| (.+?) \|", lines[i + 2])
            if head:
                rows, j = [], i + 3
                while j < len(lines) and lines[j].startswith("|  | "):
                    rows.append(lines[j][5:].rstrip().rstrip("|").strip())
                    j += 1
                out += [f"![{head.group(1)}](images/{head.group(2)}.png)", ""]
                out += [f"> **{head.group(3)}**：" if re.search(r"[\u4e00-\u9fff]", head.group(3))
                        else f"> **{head.group(3)}**: "]
                out[-1] += " ".join(rows)
                i = j
                continue
        out.append(lines[i])
        i += 1
    return out


def _captions(text: str) -> str:
    """**表 3.1. 列表**, then the table → the table, then `: 列表` (Diglot numbers tables itself)."""
    pattern = re.compile(r"^\*\*(?:表|Table) [\d.]+\.? (.+?)\*\*\n\n((?:\|.*\n)+)", re.M)
    return pattern.sub(lambda m: f"{m.group(2)}\n: {m.group(1)}\n", text)


def _note(match: re.Match, urls: dict[str, str]) -> str:
    label = urls.setdefault(match.group(2), f"u{len(urls) + 1}")
    return f"{match.group(1)}[^{label}]"


def chapter_project(chapter: str, dest: Path, title: str) -> Path:
    """A Diglot project of one chapter: source/<chapter>.md (Chinese), the English as its catalogue."""
    from babel.messages.catalog import Catalog
    from babel.messages.pofile import write_po

    (dest / "source" / "images").mkdir(parents=True)
    for icon in BOOK.glob("images/*.png"):
        shutil.copy(icon, dest / "source" / "images" / icon.name)
    zh_body = clean(to_markdown(BOOK / f"{chapter}.zh-cn.html"), {})
    en_body = clean(to_markdown(BOOK / f"{chapter}.en.html"), {})
    front = f"---\ntitle: {title}\nlang: zh-Hans\npublisher: Debian\nauthor: Osamu Aoki\n" \
            "rights: GPL-2+ (Debian Reference)\n---\n\n"
    source = dest / "source" / f"{chapter}.md"
    source.write_text(front + zh_body, encoding="utf-8")
    english = dest / "source" / "english-chapter.md"  # beside the source: the same images
    english.write_text(front.replace("lang: zh-Hans", "lang: en") + en_body, encoding="utf-8")
    from diglot.source import read_document

    zh, en = read_document(source, dest / "source"), read_document(english, dest / "source")
    assert [s.kind for s in zh.segments] == [s.kind for s in en.segments], "the chapters' blocks do not align"
    catalog = Catalog(locale="en", project=chapter, charset="utf-8", fuzzy=False)
    for a, b in zip(zh.segments, en.segments):
        if a.text not in catalog or not catalog[a.text].string:
            catalog.add(a.text, b.text if a.kind not in ("title", "publisher", "author", "rights") else
                        {"title": "Debian Reference: " + chapter, "publisher": "Debian", "author": "Osamu Aoki",
                         "rights": "GPL-2+ (Debian Reference)"}[a.kind])
    po = dest / "translations" / "en" / "LC_MESSAGES" / f"{chapter}.po"
    po.parent.mkdir(parents=True)
    with po.open("wb") as handle:
        write_po(handle, catalog, width=0)
    english.unlink()
    return dest
