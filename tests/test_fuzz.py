"""Fuzz test (issue 19): sources and catalogues from a grammar of Markdown, YAML and PO fragments.

Bounded and seeded: Hypothesis with ``derandomize=True`` and no example database, so every run
(on a laptop or in CI) tries the same examples, and a fixed number of them, so ``make test``
keeps its time (about a minute for the whole module on two cores).

The grammar composes what a careless or hostile author or translator writes: front matter
with every key and with YAML's dangerous parts (anchors, aliases, merge keys ``<<: *base``,
a billion laughs, ``!!python/object`` and other tags, lone surrogate escapes, keys that are
not strings); a body of headings, paragraphs of Chinese and Latin text, nested lists and
quotes, code fences, tables, footnotes (self-referencing, nested, undefined), long backtick
runs, pandoc's attribute syntax (``[x]{onclick=…}``, ``{style=…}`` on headings and links,
fenced divs ``::: {style="url(http://…)"}``), raw HTML, unclosed ``<!--``, control characters,
very long lines and arbitrary Unicode; and a document catalogue whose messages are the
document's blocks, translated with hostile text, plural entries, bad escapes and hostile
``Plural-Forms`` headers, sometimes beside a catalogue folder that is no locale.

Three properties, each with its own budget:

1. in process, many cheap examples: reading the source and the catalogue, checking the
   translations, making both editions and rendering their web pages either works or raises
   DiglotError naming the file (and a line inside it); no other exception, no hang (an alarm);
   the pages hold nothing live;
2. the CLI (``build.py -C COPY …`` in a subprocess: an HTML build, ``check`` or an EPUB build):
   exit 0, or exit 1 with ``path:line: message`` lines (``path: message`` where there is no
   line); no traceback; no file created or changed outside ``output/`` (the inputs are
   byte-identical, a sentinel folder beside the project stays empty, the temporary folder is
   left empty); no network (the trap of tests/test_hostile.py is every proxy and every URL);
   done within a hang guard; and when it succeeds, editions that hold no script, no event
   handler and no style attribute the templates did not write;
3. the CLI under strace, a few examples: no file opened outside the project, the program and
   the system's libraries, fonts and certificates; nothing written outside ``output/`` and the
   temporary folder.

``DIGLOT_FUZZ_WHY=1 pytest tests/test_fuzz.py --hypothesis-show-statistics`` lists why examples were
refused, to see what the grammar reaches; ``DIGLOT_FUZZ_EXPLORE=10`` tries ten times as many, and others.
"""

from __future__ import annotations

import codecs
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import zipfile
from contextlib import contextmanager
from pathlib import Path

import pytest
from hypothesis import HealthCheck, Phase, event, given, settings
from hypothesis import strategies as st

from conftest import REPO
from test_hostile import Elements, trap  # noqa: F401  (the trap fixture: every proxy of every run)

SLUG = "doc"
SOURCE = f"source/{SLUG}.md"
EN_PO = f"translations/en/LC_MESSAGES/{SLUG}.po"
TRAP = "TRAP-ADDRESS"  # replaced by the trap's host:port when an example is written
#: A hang guard, not a performance assertion: a small document builds in a second or two.
CLI_TIMEOUT = 60
IN_PROCESS_TIMEOUT = 10
#: Style attributes the templates write (an ordered list's start); nothing else may carry one.
TEMPLATE_STYLE = re.compile(r"counter-reset: (?:list-)?item -?\d+")
#: In the e-book, pandoc writes a table column's alignment (from the source's |:-:|) as a style.
EPUB_STYLE = re.compile(r"text-align: (?:left|right|center);")


class Text(bytes):
    """A drawn file, shown with long runs abbreviated when Hypothesis reports a failing example."""

    def __repr__(self) -> str:
        text = bytes(self).decode("utf-8", "backslashreplace")
        return repr(re.sub(r"(.{1,12}?)\1{7,}", lambda m: f"{m[1]}«×{len(m[0]) // len(m[1])}»", text, flags=re.S))

    def _repr_pretty_(self, printer, cycle) -> None:  # Hypothesis's printer
        printer.text(repr(self))


# --- the grammar: text ------------------------------------------------------------------------

CJK = ["网络", "安全", "信任", "隐私", "合作", "数据", "保护", "互联网", "治理", "利益相关者", "。", "，", "、",
       "（", "）", "「", "」", "：", "；", "——", "⽹络", "臺灣", "軟體"]
LATIN = ["cyber", "trust", "IGF", "2018", "data", "café", "naïve", "e-mail", "a", "the", "100%", "3.14", "x_y",
         "foo*bar", "C++", "user@example.org", "https://example.org/path?q=1"]
#: Inline fragments Diglot must keep as text (escaped) or publish safely: a build may succeed.
TAME_INLINE = [
    "<script>alert(1)</script>", "<img src=x onerror=alert(1)>", '<a href="javascript:alert(1)">x</a>',
    "<!-- 注释 -->", "<b>粗</b>", '<span style="color:red">红</span>', f"<iframe src=\"http://{TRAP}/i\"></iframe>",
    f"<style>body{{background:url(http://{TRAP}/bg.png)}}</style>", "<?php echo 1; ?>", "</p></div>",
    "[点我]{onclick=alert(1)}", "[这里](https://example.org/){style=color:red}", "`<b>x</b>`{=html}",
    "{#id .cls key=v}", "{onmouseover=alert(1)}", "[链接](https://example.org/)", "[节](#anchor)",
    "<https://example.org/auto>", "<user@example.org>", "{{ 7*7 }}", "{% if 1 %}X{% endif %}", "{# 注释 #}",
    "*强调*", "**粗体**", "~~删除~~", "H~2~O", "x^2^", "`代码`", "``a ` b``", "\\*", "\\", "&amp;", "&nbsp;",
    "&lt;script&gt;", "&#60;script&#62;", "$x$", "@cite", "[@key]", "^[inline note]", "---", "|", "\\|",
    "\u00a0", "\u200b", "\u202e", "\u2028", "🙂", "𠀀", "\u0301", "<!---->", "<", ">", "&", '"', "'",
    f"http://{TRAP}/bare", "www.example.org",
]
#: Fragments that should be refused at their line (or are anything at all).
WILD_INLINE = [
    "<!-- 未闭合", "-->", "[链接](javascript:alert(1))", f"[链接](http://{TRAP}/x)", f"![图](http://{TRAP}/x.png)",
    "[节](#section)", "![图](x.png)", "![图](/etc/passwd)", "[链接](../../etc/passwd)", "[链接](file:///etc/passwd)",
    "[链接](other.md)", "![图](../outside/x.png)", "[链接](../outside/x.md)",
    "[链接](data:text/html,x)", "<javascript:alert(1)>", "[^未定义]", "[^b]", "\f", "\x00", "\x1b[31m", "\x7f",
    "\x85", "\ufeff", "\ufffe", "\x0b", "\r", "&#0;", "&#x1b;", "&#xD800;", "[r][x]", "[^]", "[^ a]", "[^a]",
]
LABELS = ["a", "b", "1", "注", "long-label_2"]


def _backticks(draw) -> str:
    """A long run of backticks, balanced or not: code spans and fences must not be confused."""
    left, right = draw(st.integers(1, 40)), draw(st.integers(1, 40))
    body = draw(st.sampled_from(["x", " ` ", "代码", "", "``"]))
    if draw(st.booleans()):
        right = left
    return "`" * left + body + "`" * right


@st.composite
def words(draw, wild: bool) -> str:
    """One piece of running text."""
    kinds = ["cjk"] * 4 + ["latin"] * 3 + ["tame"] * 3 + ["ticks", "long"] + (["wild", "unicode"] * 2 if wild else [])
    kind = draw(st.sampled_from(kinds))
    if kind == "cjk":
        return "".join(draw(st.lists(st.sampled_from(CJK), min_size=1, max_size=6)))
    if kind == "latin":
        return " ".join(draw(st.lists(st.sampled_from(LATIN), min_size=1, max_size=6)))
    if kind == "tame":
        return draw(st.sampled_from(TAME_INLINE))
    if kind == "ticks":
        return _backticks(draw)
    if kind == "long":  # a very long line, well within the limits
        return draw(st.sampled_from(["长", "ab", "网络安全。", "x "])) * draw(st.integers(200, 2000))
    if kind == "wild":
        return draw(st.sampled_from(WILD_INLINE))
    return draw(st.text(st.characters(exclude_categories=("Cs",)), min_size=1, max_size=12))


@st.composite
def inline(draw, wild: bool) -> str:
    parts = draw(st.lists(words(wild), min_size=1, max_size=5))
    glue = draw(st.sampled_from(["", " ", "\n"]))
    text = glue.join(parts)
    return text if text.strip() else "文字"


# --- the grammar: blocks ----------------------------------------------------------------------

HEADING_ATTRIBUTES = ["", "", " {#anchor}", " {#dup}", " {style=color:red}", " {onclick=alert(1)}", " {.cls}",
                      " {#x .y key=v}", " #", " ##"]
FENCE_INFO = ["", "python", "{style=x}", "{=html}", "{.cls onclick=x}", "html", "```", "{#id}", "<script>"]
RAW_BLOCKS = [
    '<div onclick="alert(1)">\n内容\n</div>', "<script>\nalert(1)\n</script>", "<!--\n注释\n-->",
    f'<iframe src="http://{TRAP}/"></iframe>', "<![CDATA[ x ]]>", "<!DOCTYPE html>",
    "<table><tr><td>x</td></tr></table>",
    f'<link rel="stylesheet" href="http://{TRAP}/s.css">', "<style>\np { color: red }\n</style>",
    '<svg onload="alert(1)"></svg>', "<textarea>\n</textarea>",
]
WILD_BLOCKS = [
    "<!--\n未闭合的注释", "[r]: https://example.org/", "[r]: javascript:alert(1)", "![替代文字](images/x.png \"说明\")",
    "![](x.png)", "[^a]: 见 [^a]", "[^a]: 外 [^b]\n\n[^b]: 内", "[^a]:\n    - 列表", "[^a]: 一\n\n[^a]: 二",
    "$$\nx\n$$", "| a\n| b", "\f", "\x00", "```\n未闭合的代码", "Term\n: 定义\n\n    - 列表",
]


@st.composite
def heading(draw, wild: bool) -> str:
    text = draw(inline(wild)).replace("\n", " ")
    if draw(st.integers(0, 9)) == 0:  # setext
        return f"{text}\n{draw(st.sampled_from(['===', '---']))}"
    return "#" * draw(st.integers(1, 6)) + " " + text + draw(st.sampled_from(HEADING_ATTRIBUTES))


@st.composite
def bullet_list(draw, wild: bool, depth: int = 0) -> str:
    ordered = draw(st.booleans())
    if ordered:
        start = draw(st.sampled_from([1, 1, 0, 7, 999_999_999]))
        marker = lambda i: f"{start + i}{draw(st.sampled_from(['.', ')']))} "  # noqa: E731
    else:
        char = draw(st.sampled_from("-*+"))
        marker = lambda i: f"{char} "  # noqa: E731
    items = []
    for i in range(draw(st.integers(1, 4))):
        box = draw(st.sampled_from(["", "", "[ ] ", "[x] "]))
        item = marker(i) + box + draw(inline(wild)).replace("\n", " ")
        pad = " " * len(marker(i))
        if depth < 3 and draw(st.integers(0, 4)) == 0:
            sub = draw(bullet_list(wild, depth + 1))
            item += "\n\n" + "\n".join(pad + line if line else line for line in sub.split("\n"))
        items.append(item)
    return draw(st.sampled_from(["\n", "\n\n"])).join(items)


@st.composite
def nesting(draw, wild: bool) -> str:
    """Lists and quotes inside one another, up to the limit of 20 levels (and beyond, when wild)."""
    depth = draw(st.integers(1, 25 if wild else 20))
    marker = draw(st.sampled_from(["> ", "- ", "1. "]))
    return marker * depth + draw(inline(wild)).replace("\n", " ")


@st.composite
def quote(draw, wild: bool) -> str:
    lines = draw(inline(wild)).split("\n")
    prefix = draw(st.sampled_from(["> ", ">", "> > "]))
    return "\n".join(prefix + line for line in lines)


@st.composite
def code(draw, wild: bool) -> str:
    if wild and draw(st.integers(0, 5)) == 0:  # indented: after a note, the note's (refused) second block
        return "    " + draw(inline(wild)).replace("\n", "\n    ")
    fence = draw(st.sampled_from(["```", "~~~", "````", "`" * 12]))
    body = [draw(st.sampled_from(["```", "~~~", "`" * 20, "    缩进", "<script>", "[x](javascript:y)", ""]))
            if draw(st.booleans()) else draw(inline(wild)) for _ in range(draw(st.integers(0, 4)))]
    return f"{fence}{draw(st.sampled_from(FENCE_INFO))}\n" + "\n".join(body) + f"\n{fence}"


@st.composite
def table(draw, wild: bool) -> str:
    columns = draw(st.integers(1, 4))
    cell = inline(wild).map(lambda t: t.replace("\n", " ").replace("|", "\\|"))
    row = lambda n: "| " + " | ".join(draw(cell) for _ in range(n)) + " |"  # noqa: E731
    separator = "|" + "|".join(draw(st.sampled_from(["---", ":--", ":-:", "--:"])) for _ in range(columns)) + "|"
    rows = [row(columns), separator]
    for _ in range(draw(st.integers(0, 3))):
        rows.append(row(columns + (draw(st.sampled_from([0, 0, 0, -1, 1])) if wild else 0) or columns))
    out = "\n".join(rows)
    if draw(st.booleans()):
        out += "\n\n" + draw(st.sampled_from(["Table: ", ": "])) + draw(inline(wild)).replace("\n", " ")
    return out


@st.composite
def footnote(draw, wild: bool) -> tuple[str, str]:
    """A paragraph calling a note, and the note's definition (or, wild, a note that calls one)."""
    label = draw(st.sampled_from(LABELS))
    call = draw(inline(wild)).replace("\n", " ") + f"[^{label}]"
    text = draw(inline(wild)).replace("\n", " ")
    if wild and draw(st.booleans()):
        text += draw(st.sampled_from([f"[^{label}]", "[^b]", "[^未定义]"]))
    return call, f"[^{label}]: {text}"


@st.composite
def fenced_div(draw, wild: bool) -> str:
    opening = draw(st.sampled_from([f'::: {{style="background:url(http://{TRAP}/x.png)"}}', "::: warning",
                                    "::::: {.note onclick=alert(1)}", ":::"]))
    return f"{opening}\n\n{draw(inline(wild))}\n\n:::"


@st.composite
def deflist(draw, wild: bool) -> str:
    return f"{draw(inline(wild)).replace(chr(10), ' ')}\n: {draw(inline(wild)).replace(chr(10), ' ')}"


@st.composite
def block(draw, wild: bool) -> list[str]:
    kinds = ["heading", "paragraph", "paragraph", "list", "nesting", "quote", "code", "table", "footnote", "div",
             "raw", "deflist", "rule"] + (["wild"] * 3 if wild else [])
    kind = draw(st.sampled_from(kinds))
    if kind == "heading":
        return [draw(heading(wild))]
    if kind == "paragraph":
        return [draw(inline(wild))]
    if kind == "list":
        return [draw(bullet_list(wild))]
    if kind == "nesting":
        return [draw(nesting(wild))]
    if kind == "quote":
        return [draw(quote(wild))]
    if kind == "code":
        return [draw(code(wild))]
    if kind == "table":
        return [draw(table(wild))]
    if kind == "footnote":
        return ["\n\n".join(draw(footnote(wild)))]
    if kind == "div":
        return [draw(fenced_div(wild))]
    if kind == "raw":
        return [draw(st.sampled_from(RAW_BLOCKS))]
    if kind == "deflist":
        return [draw(deflist(wild))]
    if kind == "rule":
        return [draw(st.sampled_from(["***", "___", "- - -"]))]
    return [draw(st.sampled_from(WILD_BLOCKS))]


# --- the grammar: front matter ----------------------------------------------------------------

LAUGHS = "lol: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n" + "".join(
    f"l{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 9)}]\n" for i in range(1, 10))
HOSTILE_YAML = [
    "base: &base {title: 基础}\n<<: *base", "<<: {description: 说明}", "description: &d 说明\nauthor: *d",
    "title2: &t x\n*t : y", LAUGHS, '!!python/object/apply:os.system ["touch PWNED"]: x',
    'author: !!python/object/apply:os.system ["touch PWNED"]', "author: !!python/name:os.system",
    "author: !shout 作者", "author: !!binary aGVsbG8=", "author: !!set {a, b}", "author: !!omap [a: 1]",
    "author: !!timestamp 2018-01-01", "author: !!str 2018", "author: !!float 1", 'author: "\\udfff"',
    '"\\ud800": x', 'author: "\\ud83d\\ude00"', "null: x", "~: x", "true: x", "1: x", "0x1F: x", "1.5: x",
    "2018-01-01: x", "[a, b]: x", "? {a: 1}\n: b", "? |\n  block key\n: v", "author: a\nauthor: b", "colour: red",
    "\tauthor: tab", "lang: [zh-Hans]", "lang: 123", "lang: xx-INVALID", "lang: en", "lang: zh-Hant", "title: [a, b]",
    "title: {a: b}", 'title: ""', "title: null", "title: 12", "title: true", "date: 2018-13", "date: [x]",
    "date: 2018-02-30", "publisher: {1: x}", "publisher: {xx!: y}", "rights: {en: [x]}", "identifier: {a: b}",
    "description: |\n  多行\n  说明", "author: [未闭合", "%YAML 1.1", "--- !!map", "author: '单引号", "author: *missing",
    "author: &a [*a]", "...",
]
DATES = ["2018", "2018-11", "2018-11-12", "'2018-11-12'", "2018-1", "yesterday", "0000-01-01", "9999-12-31"]


@st.composite
def yaml_scalar(draw, wild: bool) -> str:
    text = draw(inline(wild))
    style = draw(st.sampled_from(["plain", "double", "single", "block"]))
    if style == "plain" and not re.search(r"[:#\n\[\]{}&*!|>'\"%@`,]|^[-?]", text):
        return text
    if style == "block":
        return "|\n" + "\n".join("  " + line for line in text.split("\n"))
    if style == "single":
        return "'" + text.replace("'", "''").replace("\n", " ") + "'"
    if wild and draw(st.integers(0, 9)) == 0:  # escapes of any code point, lone surrogates too
        text += draw(st.text(st.characters(), max_size=3))
    return json.dumps(text, ensure_ascii=draw(st.booleans()))


@st.composite
def front_matter(draw, wild: bool) -> str:
    fields = {"title": draw(yaml_scalar(wild)), "lang": "zh-Hans"}
    for key in ("description", "publisher", "author", "rights"):
        if draw(st.integers(0, 3)) == 0:
            fields[key] = draw(yaml_scalar(wild))
    if draw(st.booleans()):  # given per language
        key = draw(st.sampled_from(["publisher", "author", "rights"]))
        fields[key] = f"{{zh-Hans: {json.dumps(draw(inline(wild)), ensure_ascii=False)}, en: Given}}"
    if draw(st.booleans()):
        fields["date"] = draw(st.sampled_from(DATES if wild else DATES[:4]))
    lines = [f"{key}: {value}" for key, value in fields.items()]
    if draw(st.integers(0, 3)) == 0:
        lines.append(f"identifier: {draw(st.sampled_from(['urn:uuid:1', 'x' * 300, '[a]', json.dumps(TRAP)]))}")
    if wild:
        lines += draw(st.lists(st.sampled_from(HOSTILE_YAML), max_size=3))
    lines = draw(st.permutations(lines))
    return "\n".join(lines) + "\n"


@st.composite
def sources(draw, wild: bool) -> tuple[bytes, list[str]]:
    """A source file's bytes and the texts of its blocks (the messages a catalogue may translate)."""
    blocks = [part for b in draw(st.lists(block(wild), min_size=1, max_size=8)) for part in b]
    if wild and draw(st.integers(0, 9)) == 0:  # a block at the limit (100,000 characters) or over it
        blocks.append("长" * draw(st.sampled_from([99_990, 100_001])))
    body = "".join(part + draw(st.sampled_from(["\n\n", "\n\n", "\n"])) for part in blocks)
    front = draw(front_matter(wild))
    start = draw(st.sampled_from(["---\n"] * 12 + ["", "--- \n", "---\r\n"])) if wild else "---\n"
    end = draw(st.sampled_from(["---\n"] * 12 + ["...\n", "", "--- x\n"])) if wild else "---\n"
    text = f"{start}{front}{end}\n{body}"
    if wild and draw(st.integers(0, 5)) == 0:
        text = text.replace("\n", "\r\n")
    data = text.encode("utf-8")
    if wild and draw(st.integers(0, 7)) == 0:  # bytes no UTF-8 text holds: a GBK word, a surrogate, a BOM
        at = draw(st.integers(0, len(data)))
        bad = draw(st.sampled_from(["网络".encode("gbk"), b"\xed\xbf\xbf", b"\xff", b"\xef\xbb\xbf"]))
        data = data[:at] + bad + data[at:]
    texts = [line.strip().lstrip("#>-*+ ").strip() for b in blocks for line in [b, *b.split("\n")]]
    return Text(data), [t for t in texts if t]


# --- the grammar: catalogues ------------------------------------------------------------------

PLURAL_FORMS = [
    "nplurals=2; plural=(n != 1);", "nplurals=1; plural=0;",
    "nplurals=2; plural=__import__('os').system('touch PWNED');",
    "nplurals=2; plural=n.__class__;", "nplurals=2; plural=((n != 1);", "nplurals=2; plural=(n != 1));",
    "nplurals=2; plural=" + "(n==1)||" * 12_500 + "0;", "nplurals=2; plural=" + "(" * 30 + "n" + ")" * 30 + ";",
    "plural=0;", "nplurals=two; plural=0;", "nplurals=2; plural=n ? 1;", "nplurals=2; plural=n % (n - n);",
    "nplurals=2; plural=n;", "nplurals=0; plural=0;", "nplurals=99999999999999999999; plural=0;", "",
    "nplurals=2; plural=lambda: 1;", "nplurals=2; plural=n if n else 0;", "nplurals=2; plural=n == 1 ? 0 : 1",
]
MSGSTR_TAME = [
    "<script>alert(2)</script>", "[click]{onmouseover=alert(2)}", "`x`{=html}", "Text {style=color:red}",
    "::: {style=\"x\"}", "# Heading", "- item", "> quote", "1. one", "+ plus", "Line\nbreak", "A\n\n- list\n\n# h",
    "{{ 7*7 }}", "[link](https://example.org/)", "***", "| a | b |", "<!-- c -->", "Term\n: def", "    indented",
    "`" * 30, "Trans\\\nlated",
]
MSGSTR_WILD = ["[r]: javascript:alert(1)", "[x](javascript:alert(1))", "[^zz]", "[^a]", "\f", "\x1b", "<!-- open",
               "![i](x.png)", "[a](../x)", "\ud800"]
RAW_ESCAPES = ["\\f", "\\x1b", "\\0", "\\377", "\\q", "\\u00e9", "\\a", "\\v", '\\"', "\\\\", "\\xe7\\xbd\\x91", "\\"]


def po_string(text: str) -> str:
    escaped = (text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\t", "\\t")
               .replace("\r", "\\r"))
    return f'"{escaped}"'


@st.composite
def msgstr_text(draw, wild: bool, msgid: str) -> str:
    kind = draw(st.sampled_from(["latin", "same", "tame", "mixed"] + (["wild"] if wild else [])))
    if kind == "latin":
        return " ".join(draw(st.lists(st.sampled_from(LATIN), min_size=1, max_size=5)))
    if kind == "same":
        return msgid
    if kind == "tame":
        return draw(st.sampled_from(MSGSTR_TAME))
    if kind == "mixed":
        return draw(inline(wild))
    return draw(st.sampled_from(MSGSTR_WILD))


@st.composite
def po_entry(draw, wild: bool, msgid: str) -> str:
    lines = []
    if draw(st.booleans()):
        lines.append(f"#: {SOURCE}:{draw(st.integers(1, 40))}")
    if draw(st.integers(0, 5)) == 0:
        lines.append("#, fuzzy")
    if draw(st.integers(0, 7)) == 0:
        lines.append(f"#| msgid {po_string(msgid + '旧')}")
    if wild and draw(st.integers(0, 9)) == 0:
        lines.append(f"msgctxt {po_string('ctx')}")
    if draw(st.integers(0, 5)) == 0:  # a string over several lines, as msgmerge wraps it
        half = len(msgid) // 2
        lines += ['msgid ""', po_string(msgid[:half]), po_string(msgid[half:])]
    else:
        lines.append(f"msgid {po_string(msgid)}")
    text = po_string(draw(msgstr_text(wild, msgid)))
    if wild and draw(st.integers(0, 4)) == 0:
        at = draw(st.integers(1, len(text) - 1))
        text = text[:at] + draw(st.sampled_from(RAW_ESCAPES)) + text[at:]
    if wild and draw(st.integers(0, 9)) == 0:  # plural forms, which document messages do not have
        lines += [f"msgid_plural {po_string(msgid + 's')}", f"msgstr[0] {text}", f"msgstr[1] {text}"]
    elif wild and draw(st.integers(0, 19)) == 0:
        lines.append(draw(st.sampled_from(["msgstr", 'msgstr "unterminated', "this is not PO", "msgstr[0] \"x\""])))
    else:
        lines.append(f"msgstr {text}")
    return "\n".join(lines)


@st.composite
def catalogues(draw, wild: bool, msgids: list[str]) -> bytes:
    plural = draw(st.sampled_from(PLURAL_FORMS)) if wild and draw(st.integers(0, 3)) == 0 else PLURAL_FORMS[0]
    header = ['msgid ""', 'msgstr ""', '"Project-Id-Version: doc 1\\n"', '"PO-Revision-Date: 2026-01-01 00:00+0000\\n"',
              '"Last-Translator: Fuzz <fuzz@example.org>\\n"', '"Language-Team: English\\n"', '"Language: en\\n"',
              '"MIME-Version: 1.0\\n"', '"Content-Transfer-Encoding: 8bit\\n"']
    if plural:
        header.append(f'"Plural-Forms: {plural}\\n"')
    charset = "GBK" if wild and draw(st.integers(0, 19)) == 0 else "UTF-8"
    header.append(f'"Content-Type: text/plain; charset={charset}\\n"')
    if wild and draw(st.integers(0, 19)) == 0:
        header.insert(0, "#, fuzzy")
    entries = ["\n".join(header)] if not (wild and draw(st.integers(0, 19)) == 0) else []
    chosen = draw(st.lists(st.sampled_from(msgids), unique=True, max_size=12)) if msgids else []
    if wild:
        chosen += draw(st.lists(inline(wild), max_size=2))
        if chosen and draw(st.integers(0, 9)) == 0:
            chosen.append(chosen[0])  # a duplicate message
    entries += [draw(po_entry(wild, msgid)) for msgid in chosen]
    if draw(st.integers(0, 5)) == 0:
        entries.append('#~ msgid "旧的"\n#~ msgstr "Old"')
    data = ("\n\n".join(entries) + "\n").encode("utf-8", "surrogatepass")
    if wild and draw(st.integers(0, 9)) == 0:
        data = draw(st.sampled_from([b"\xef\xbb\xbf" + data, data + "网络".encode("gbk"), data.replace(b"\n", b"\r\n")]))
    return Text(data)


LOCALE_FOLDERS = ["xx_INVALID", "zh-Hans", "en_US.UTF-8", "123", "C", "x" * 100, "sr@latin", "de_DE@euro", "zh_Hant",
                  "fr", "zh_Hans", "en_", "_", "..en"]


@st.composite
def projects(draw, wild: bool | None = None) -> dict:
    """A source, its English catalogue (or none), and maybe a catalogue in another folder."""
    wild = draw(st.integers(0, 99)) % 2 == 1 if wild is None else wild
    source, texts = draw(sources(wild))
    # the guesses are cut short: a failing example is printed whole, and they only stand in for messages
    return {"wild": wild, "source": source, "texts": [t[:80] for t in texts],
            "extra": draw(st.sampled_from(LOCALE_FOLDERS)) if wild and draw(st.integers(0, 5)) == 0 else None,
            "no catalogue": draw(st.integers(0, 9)) == 0}


def messages_of(path: Path, texts: list[str]) -> list[str]:
    """The messages Diglot extracts from the source (when it reads), else the grammar's guesses."""
    from diglot.source import read_document

    try:
        return [seg.text for seg in read_document(path).segments]
    except Exception:  # a refusal, or a crash (the in-process test's to report): the guesses
        return texts


def write_project(root: Path, project: dict, catalogue: bytes | None, port: int) -> None:
    """Write an example into a copy of the base project (its own source and catalogues only)."""
    address = f"127.0.0.1:{port}".encode()
    (root / SOURCE).write_bytes(project["source"].replace(TRAP.encode(), address))
    for po in (root / "translations").glob(f"*/LC_MESSAGES/{SLUG}.po"):
        po.unlink()
    if catalogue is None:
        return
    catalogue = catalogue.replace(TRAP.encode(), address)
    po = root / EN_PO
    po.parent.mkdir(parents=True, exist_ok=True)
    po.write_bytes(catalogue)
    if project["extra"]:
        extra = root / "translations" / project["extra"] / "LC_MESSAGES" / f"{SLUG}.po"
        extra.parent.mkdir(parents=True, exist_ok=True)
        extra.write_bytes(catalogue)


def draw_example(data, root: Path, port: int, wild: bool | None = None) -> dict:
    project = data.draw(projects(wild), label="project")
    write_project(root, project, None, port)
    msgids = messages_of(root / SOURCE, project["texts"])
    catalogue = None if project["no catalogue"] else data.draw(catalogues(project["wild"], msgids), label="catalogue")
    write_project(root, project, catalogue, port)
    event("wild" if project["wild"] else "tame")
    return project


# --- the base project ----------------------------------------------------------------------------

CONFIG = '[tool.diglot]\nlanguages = ["zh-Hans", "en"]\nformats = ["html", "epub"]\nmin_translated = 0\n'


def make_base(dest: Path) -> Path:
    """A small project: the repository's templates and UI catalogues, Simplified Chinese and English."""
    (dest / "source").mkdir(parents=True)
    shutil.copytree(REPO / "templates", dest / "templates")
    (dest / "translations" / "en" / "LC_MESSAGES").mkdir(parents=True)
    shutil.copy2(REPO / "translations" / "ui.pot", dest / "translations" / "ui.pot")
    ui = dest / "translations" / "zh_Hans" / "LC_MESSAGES"
    ui.mkdir(parents=True)
    shutil.copy2(REPO / "translations" / "zh_Hans" / "LC_MESSAGES" / "ui.po", ui / "ui.po")
    (dest / "pyproject.toml").write_text(CONFIG, encoding="utf-8")
    return dest


@pytest.fixture(scope="module")
def base(tmp_path_factory) -> Path:
    return make_base(tmp_path_factory.mktemp("fuzz-base") / "project")


@pytest.fixture(scope="module")
def workspace(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("fuzz")


# --- judges ----------------------------------------------------------------------------------------

def line_count(path: Path) -> int:
    try:
        return path.read_bytes().count(b"\n") + 1
    except OSError:
        return 0


def assert_located(exc, root: Path) -> None:
    """A DiglotError (or several) names a file inside the project, and a line inside that file."""
    from diglot.errors import DiglotErrors

    for error in exc.errors if isinstance(exc, DiglotErrors) else [exc]:
        assert error.path is not None, f"an error without a file: {error}"
        path = error.path if error.path.is_absolute() else root / error.path
        assert path.resolve().is_relative_to(root.resolve()), f"an error names a file outside the project: {error}"
        if error.line is not None:
            assert 1 <= error.line <= max(line_count(path), 1), f"line {error.line} is not in {path}: {error}"
        assert "\n" not in error.message, f"a message of several lines: {error.message!r}"


#: path:line: message, or path: message; 'check' adds the severity, a failed build may say 'error: ' first.
MESSAGE = re.compile(r"(?:error: )?(?P<path>[^\s:][^:]*?)(?::(?P<line>\d+))?: (?:(?:error|warning): )?\S.*")
SUMMARY = re.compile(r"\d+ errors?, \d+ warnings?")


def assert_messages(printed: str, root: Path) -> None:
    """Every line printed is ``path:line: message`` (or ``path: message``) about a file of the project."""
    for line in printed.splitlines():
        if not line.strip() or SUMMARY.fullmatch(line):
            continue
        match = MESSAGE.fullmatch(line)
        assert match, f"not a 'path:line: message' line: {line!r}\nin:\n{printed}"
        path = Path(match["path"]) if Path(match["path"]).is_absolute() else root / match["path"]
        assert path.resolve().is_relative_to(root.resolve()), f"a message about a file outside the project: {line!r}"
        if match["line"] is not None and path.is_file():
            assert 1 <= int(match["line"]) <= line_count(path), f"line {match['line']} is not in {path}: {line!r}"


def assert_page_is_inert(markup: str, where: str, styles: re.Pattern = TEMPLATE_STYLE) -> None:
    """No script, no event handler, nothing that fetches, no style attribute the templates did not write."""
    page = Elements(markup)
    assert page.active() == [], f"{where}: live markup {page.active()}"
    for tag, attrs in page.tags:
        style = attrs.get("style")
        assert style is None or styles.fullmatch(style), f"{where}: <{tag} style={style!r}>"
        for name in ("href", "src", "action", "formaction", "xlink:href", "data"):
            value = (attrs.get(name) or "").strip().lower()
            if value.startswith(("javascript:", "vbscript:", "file:", "data:")):
                assert tag == "link" and attrs.get("rel") == "icon", f"{where}: <{tag} {name}={value!r}>"


def assert_epub_is_inert(path: Path) -> None:
    from lxml import etree

    with zipfile.ZipFile(path) as book:
        for name in book.namelist():
            if not name.endswith(".xhtml"):
                continue
            data = book.read(name)
            etree.fromstring(data)  # well-formed XML, or no reading system opens it
            assert_page_is_inert(data.decode("utf-8"), f"{path.name}:{name}", EPUB_STYLE)


def tree(folder: Path, skip: Path | None = None) -> dict[str, bytes]:
    """Every file under ``folder`` (but ``skip``): relative path → bytes (a symlink: its target)."""
    found = {}
    for path in sorted(folder.rglob("*")):
        if skip is not None and path.is_relative_to(skip):
            continue
        if path.is_symlink():
            found[path.relative_to(folder).as_posix()] = b"-> " + os.readlink(path).encode()
        elif path.is_file():
            found[path.relative_to(folder).as_posix()] = path.read_bytes()
        elif path.is_dir():
            found[path.relative_to(folder).as_posix() + "/"] = b""
    return found


@contextmanager
def alarm(seconds: int):
    """A hang in process fails the example instead of hanging the suite."""
    def expired(signum, frame):
        raise TimeoutError(f"an example took more than {seconds} s")

    previous = signal.signal(signal.SIGALRM, expired)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


# --- 1. in process: reading, translating, rendering ------------------------------------------------

#: DIGLOT_FUZZ_EXPLORE=N: N times the examples, random ones (``pytest --hypothesis-seed=S`` repeats a run),
#: to look further than a test run does, on a machine with time to spare.
EXPLORE = int(os.environ.get("DIGLOT_FUZZ_EXPLORE") or 0)


def fuzz(examples: int, *, shrink: bool = True):
    """Hypothesis as the budget wants it: a fixed number of examples, the same ones on every run
    (derandomized, no database), no deadline (the machine may be shared: hangs have their own guard).
    A CLI example is a build: it is not shrunk, and a failure is reported as it was drawn."""
    phases = list(Phase) if shrink else [Phase.explicit, Phase.generate]
    return settings(max_examples=examples * (EXPLORE or 1), deadline=None, derandomize=not EXPLORE, database=None,
                    phases=phases, report_multiple_bugs=False, suppress_health_check=list(HealthCheck))


def why(what: str, exc) -> None:
    """With DIGLOT_FUZZ_WHY=1 and --hypothesis-show-statistics: the refusals, to tune the grammar."""
    event(what)
    if os.environ.get("DIGLOT_FUZZ_WHY"):
        event(f"{what}: {str(exc).splitlines()[0].split(': ', 1)[-1][:90]}")


@pytest.fixture(scope="module")
def in_process(base, workspace):
    """A project to write examples into, its configuration and UI translations, and render_web with one
    Jinja environment per language (a build makes one per page and compiles the templates each time:
    70 ms an example instead of 7)."""
    import diglot.publish
    from diglot.config import load_config
    from diglot.editions import ui_translations
    from diglot.render import install_translations, make_environment

    root = workspace / "in-process"
    shutil.copytree(base, root)
    config = load_config(root)
    ui = ui_translations(config)
    environments = {}
    for lang, translations in ui.items():
        environments[id(translations)] = make_environment(config.templates_dir)
        install_translations(environments[id(translations)], translations)
    patch = pytest.MonkeyPatch()
    patch.setattr(diglot.publish, "_environment", lambda config, translations: environments[id(translations)])
    yield root, config, ui
    patch.undo()


@fuzz(200)
@given(data=st.data())
def test_fuzz_reading_translating_and_rendering(in_process, data):
    from diglot.catalog import read_catalog
    from diglot.editions import Edition, check_translations, make_edition
    from diglot.errors import DiglotError
    from diglot.plan import BuildOptions
    from diglot.publish import render_web
    from diglot.source import read_document

    root, config, ui = in_process
    draw_example(data, root, port=9)  # nothing here connects anywhere; the CLI test has the trap
    po = root / EN_PO
    with alarm(IN_PROCESS_TIMEOUT):
        doc = catalog = None
        try:
            doc = read_document(root / SOURCE, config.source_dir)
        except DiglotError as exc:
            assert_located(exc, root)
            why("source refused", exc)
        if po.exists():
            try:
                catalog = read_catalog(po, "en")
                if doc is not None:
                    check_translations(doc, catalog, po)
            except DiglotError as exc:
                assert_located(exc, root)
                why("catalogue refused", exc)
                return
        if doc is None:
            return
        try:
            for lang in dict.fromkeys((doc.lang, "en")):
                if lang not in config.languages:
                    continue
                edition = make_edition(doc, lang, config, catalog if lang == "en" else None)
                markup = render_web(Edition(edition, ui[lang]), config.languages, config,
                                    BuildOptions(formats=("html",)))
                assert_page_is_inert(markup, f"the {lang} web page")
        except DiglotError as exc:
            assert_located(exc, root)
            why("rendering refused", exc)
            return
        event("rendered")


# --- 2. the CLI ----------------------------------------------------------------------------------------

HTML, EPUB, CHECK = ("-q", "build", "--format", "html"), ("-q", "build", "--format", "epub"), ("check",)
#: An EPUB takes pandoc and a cover (two seconds): a third of the examples; the rest are quick.
COMMANDS = [HTML, EPUB, CHECK, HTML, EPUB, CHECK, HTML, EPUB, HTML, CHECK]


def run(trap, root: Path, args: tuple[str, ...], tmp: Path, prefix: tuple[str, ...] = ()) -> tuple[int, str, str]:
    """``build.py -C ROOT ARGS…`` in its own process group (a hang kills every process it started),
    the trap as every proxy, ``tmp`` as its temporary folder."""
    proxy = f"http://127.0.0.1:{trap.port}"
    env = dict(os.environ, TMPDIR=str(tmp), no_proxy="", NO_PROXY="",
               **{name: proxy for name in ("http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY")})
    process = subprocess.Popen([*prefix, sys.executable, str(REPO / "build.py"), "-C", str(root), *args], cwd=root,
                               env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                               start_new_session=True)
    try:
        out, err = process.communicate(timeout=CLI_TIMEOUT)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.communicate()
        pytest.fail(f"{' '.join(args)} did not finish within {CLI_TIMEOUT} s")
    trap.assert_untouched()
    return process.returncode, out, err


def example_folder(workspace: Path, base: Path) -> tuple[Path, Path, Path]:
    """A fresh folder: the project, a sentinel folder beside it and the run's temporary folder."""
    folder = Path(os.path.realpath(workspace)) / f"e{len(list(workspace.iterdir()))}"
    shutil.copytree(base, folder / "project")
    (folder / "outside").mkdir()
    (folder / "tmp").mkdir()
    return folder / "project", folder / "outside", folder / "tmp"


def judge_run(root: Path, sentinel: Path, tmp: Path, before: dict, args, code: int, out: str, err: str) -> None:
    printed = out + err
    assert code in (0, 1), f"exit code {code}\n{printed}"
    assert "Traceback" not in printed and "internal error" not in printed, f"a bug reached the user:\n{printed}"
    assert tree(root, skip=root / "output") == before, "a file outside output/ was created, changed or removed"
    assert tree(sentinel) == {}, "something was written beside the project"
    assert tree(tmp) == {}, f"temporary files were left behind: {sorted(tree(tmp))}"
    assert_messages(printed, root)
    if code == 1:
        assert printed.strip(), "exit 1 without a message"
    formats = [args[i + 1] for i, arg in enumerate(args) if arg == "--format"]
    if code:
        why(f"{'+'.join(formats) or 'check'}: exit {code}", printed)
    else:
        event(f"{'+'.join(formats) or 'check'}: exit {code}")
    if code != 0 or "build" not in args:
        return
    pages = sorted((root / "output").rglob("*.html"))
    books = sorted((root / "output").rglob("*.epub"))
    for fmt, made in (("html", pages), ("epub", books)):
        if fmt in formats:
            assert any(p.name.startswith(f"{SLUG}.") for p in made), f"exit 0 but no {fmt} edition of the document"
    for page in pages:
        assert_page_is_inert(page.read_text(encoding="utf-8"), str(page.relative_to(root)))
    for book in books:
        assert_epub_is_inert(book)


@fuzz(32, shrink=False)
@given(data=st.data())
def test_fuzz_the_cli(base, workspace, trap, data):
    root, sentinel, tmp = example_folder(workspace, base)
    draw_example(data, root, trap.port)
    args = data.draw(st.sampled_from(COMMANDS), label="command")
    if "build" in args:
        args += ("-j", data.draw(st.sampled_from(["1", "2"]), label="jobs"))
    before = tree(root, skip=root / "output")
    code, out, err = run(trap, root, args, tmp)
    judge_run(root, sentinel, tmp, before, args, code, out, err)
    shutil.rmtree(root.parent)  # kept when the example fails, for a look


# --- 3. the CLI under strace: what it opens and writes ------------------------------------------------

#: A traced call (strace -f -y): pid, name, arguments and result; a call another process interrupted
#: is logged in two halves, '<unfinished ...>' and '<... name resumed>', joined again here.
_CALL = re.compile(r"^(?P<pid>\d+)\s+(?P<name>\w+)\((?P<args>.*)\)\s+= (?P<result>.*)$")
_UNFINISHED = re.compile(r"^(?P<pid>\d+)\s+(?P<head>\w+\(.*) <unfinished \.\.\.>$")
_RESUMED = re.compile(r"^(?P<pid>\d+)\s+<\.\.\. \w+ resumed>(?P<tail>.*)$")
#: Each quoted path, and the folder (-y) an *at call's descriptor names.
_PATH_ARG = re.compile(r'(?:(?:AT_FDCWD|\d+)<(?P<dir>[^>]*)>, )?"(?P<path>(?:[^"\\]|\\.)*)"')
_WRITE_FLAGS = re.compile(r"O_WRONLY|O_RDWR|O_CREAT|O_TRUNC|O_APPEND")
_WRITING_CALLS = {"creat", "rename", "renameat", "renameat2", "mkdir", "mkdirat", "unlink", "unlinkat", "symlink",
                  "symlinkat", "link", "linkat", "rmdir"}
TRACED = ",".join(["open", "openat", "openat2", *sorted(_WRITING_CALLS)])


def _unescape(text: str) -> str:
    return codecs.escape_decode(text.encode("latin-1", "backslashreplace"))[0].decode("utf-8", "surrogateescape")


def traced_calls(log: Path):
    """(name, arguments, result) of every call in an strace log."""
    pending: dict[str, str] = {}
    for line in log.read_text(encoding="utf-8", errors="replace").splitlines():
        if (half := _UNFINISHED.match(line)) is not None:
            pending[half["pid"]] = half["head"]
            continue
        if (half := _RESUMED.match(line)) is not None and half["pid"] in pending:
            line = f"{half['pid']} {pending.pop(half['pid'])}{half['tail']}"
        if (call := _CALL.match(line)) is not None:
            yield call["name"], call["args"], call["result"]


def traced_paths(log: Path, cwd: Path) -> tuple[set[str], set[str]]:
    """(paths opened, paths written or created) in an strace log; a mkdir of a folder that exists
    changes nothing."""
    opened, written = set(), set()
    for name, args, result in traced_calls(log):
        writes = name in _WRITING_CALLS or (name.startswith("open") and _WRITE_FLAGS.search(args))
        if writes and name.startswith("mkdir") and "EEXIST" in result:
            writes = False
        for found in _PATH_ARG.finditer(args):
            path = _unescape(found["path"])
            full = os.path.normpath(path if path.startswith("/") else os.path.join(found["dir"] or str(cwd), path))
            opened.add(full)
            if writes:
                written.add(full)
    return opened, written


def allowed_reads(root: Path, tmp: Path) -> list[str]:
    """What a build may open: the project, the program (not the repository's own inputs), Python,
    the system's libraries, locales, fonts and certificates, its temporary folder, /proc, /sys, /dev."""
    home = Path.home()
    python = {sys.prefix, sys.base_prefix, sys.exec_prefix, os.path.realpath(sys.executable),
              *(os.path.realpath(p) for p in sys.path if p and os.path.isdir(p) and not p.startswith(str(REPO)))}
    return [str(root), str(tmp), str(REPO / "build.py"), str(REPO / "diglot"), *sorted(python),
            "/usr/", "/lib/", "/lib64/", "/bin/", "/etc/ld.so.", "/etc/fonts/", "/etc/ssl/", "/etc/localtime",
            "/var/cache/fontconfig/", str(home / ".cache/fontconfig"), str(home / ".fontconfig"),
            str(home / ".config/fontconfig"), str(home / ".local/share/fonts"), str(home / ".fonts"),
            "/proc/", "/sys/", "/dev/"]


def allowed_writes(root: Path, tmp: Path) -> list[str]:
    home = Path.home()
    return [str(root / "output"), str(tmp), "/dev/shm/", "/dev/null", "/var/cache/fontconfig/",
            str(home / ".cache/fontconfig"), str(home / ".fontconfig")]


def _inside(path: str, prefixes: list[str]) -> bool:
    return any(path == p.rstrip("/") or path.startswith(p.rstrip("/") + "/") or (p.endswith(".") and path.startswith(p))
               for p in prefixes)


def _is_bytecode(path: str) -> bool:
    return "/__pycache__/" in path or path.endswith("/__pycache__")


@pytest.fixture(scope="module")
def strace() -> str:
    found = shutil.which("strace")
    if found is None:
        pytest.skip("strace is not installed (scripts/system-packages.sh test installs it)")
    probe = subprocess.run([found, "-f", "-o", os.devnull, "true"], capture_output=True, text=True)
    if probe.returncode != 0:
        pytest.skip(f"strace cannot trace here (ptrace is not permitted): {probe.stderr.strip()}")
    return found


@fuzz(3, shrink=False)
@given(data=st.data())
def test_fuzz_the_cli_opens_only_what_it_may(base, workspace, trap, strace, data):
    root, sentinel, tmp = example_folder(workspace, base)
    draw_example(data, root, trap.port, wild=False)  # a build that succeeds reads the most
    args = ("-q", "build", "--format", "html", "--format", "epub", "-j", "2")
    log = root.parent / "strace.log"
    before = tree(root, skip=root / "output")
    code, out, err = run(trap, root, args, tmp, prefix=(strace, "-f", "-qq", "-y", "-e", f"trace={TRACED}",
                                                       "-o", str(log)))
    judge_run(root, sentinel, tmp, before, args, code, out, err)
    opened, written = traced_paths(log, root)
    assert opened, "strace saw no file opened"
    program = str(REPO)  # listed by Python's module finder (build.py's folder is sys.path[0]); its inputs are not
    outside = sorted(p for p in opened if p != program and not _inside(p, allowed_reads(root, tmp))
                     and not _is_bytecode(p))
    assert not outside, "files opened outside the project and the program:\n" + "\n".join(outside)
    stray = sorted(p for p in written if not _inside(p, allowed_writes(root, tmp)) and not _is_bytecode(p))
    assert not stray, "files written outside output/ and the temporary folder:\n" + "\n".join(stray)
    shutil.rmtree(root.parent)
