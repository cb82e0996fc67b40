"""A ctex/XeLaTeX rendering of a Diglot document on Diglot's own type area and fonts, as a reference.

What a Chinese press would set with LaTeX: ctexart for zh-Hans and zh-Hant (paracol for the
bilingual pages), article for English; the same paper, type area, columns, body sizes, leading
and Noto faces as Diglot's print books, so that benchmarks/typography.py can measure both the
same way. Needs ``xelatex`` (Debian: texlive-xetex texlive-lang-chinese); used only by the
benchmark, never by the build or the tests.
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

from markdown_it import MarkdownIt
from mdit_py_plugins.footnote import footnote_plugin

REPO = Path(__file__).resolve().parents[1]
SLUG = "igf-2018-cybersecurity"
#: Faces per Chinese edition: serif, sans (the print books' choice, fonts.FACES).
FACES = {"zh-Hans": ("Noto Serif CJK SC", "Noto Sans CJK SC"), "zh-Hant": ("Noto Serif CJK TC", "Noto Sans CJK TC")}
MM = 72 / 25.4

_SPECIAL = {"\\": r"\textbackslash{}", "{": r"\{", "}": r"\}", "$": r"\$", "&": r"\&", "#": r"\#",
            "^": r"\^{}", "_": r"\_", "%": r"\%", "~": r"\~{}"}


def escape(text: str) -> str:
    return "".join(_SPECIAL.get(char, char) for char in text)


class Inline:
    """Inline Markdown of one edition → LaTeX; footnote calls become \\footnote{…} with the note's text."""

    def __init__(self, doc):
        self.doc = doc
        self.md = MarkdownIt("commonmark", {"html": False}).use(footnote_plugin)
        self.notes = {note.label: [doc.segment(child.segment).text for child in note.children if child.segment]
                      for note in doc.footnotes}

    def __call__(self, text: str, notes: bool = True) -> str:
        env = {"footnotes": {"refs": {f":{label}": -1 for label in self.notes}}}
        tokens = self.md.parseInline(text, env)[0].children or []
        out, link = [], None
        for token in tokens:
            if token.type == "text":
                out.append(escape(token.content) if link is None else "")
                if link is not None:
                    link.append(token.content)
            elif token.type in ("softbreak", "hardbreak"):
                out.append(" ")
            elif token.type == "code_inline":
                out.append(r"\texttt{" + escape(token.content) + "}")
            elif token.type in ("strong_open", "em_open"):
                out.append(r"\textbf{")
            elif token.type in ("strong_close", "em_close"):
                out.append("}")
            elif token.type == "link_open":
                link = [token.attrs.get("href", "")]
            elif token.type == "link_close" and link is not None:
                href, label = link[0], "".join(link[1:])
                out.append(r"\url{" + href + "}" if label == href or not label else escape(label))
                link = None
            elif token.type == "footnote_ref" and notes:
                label = token.meta["label"]
                out.append(r"\footnote{" + " ".join(self(part, notes=False) for part in self.notes.get(label, ()))
                           + "}")
        return "".join(out)


def _geometry(paper: str, bilingual: bool) -> str:
    from diglot import bilingual as bi
    from diglot.typography import type_area

    area = bi.columns(paper).area if bilingual else type_area(paper)
    return (f"\\usepackage[paperwidth={area.paper_width:.3f}bp,paperheight={area.paper_height:.3f}bp,"
            f"textwidth={area.width:.3f}bp,textheight={area.height:.3f}bp,left={area.inside:.3f}bp,"
            f"top={area.top:.3f}bp,headheight=12bp,headsep={5 * MM + 3:.3f}bp,footskip={6 * MM + 9:.3f}bp]"
            "{geometry}")


_PREAMBLE = r"""
\usepackage{fancyhdr}
\usepackage{enumitem}
\usepackage[hyphens]{url}
\urlstyle{same}
\pagestyle{fancy}
\fancyhf{}
\renewcommand{\headrulewidth}{0bp}
\fancyhead[L]{\footnotesize\color{gray}\runningtitle}
\fancyhead[R]{\footnotesize\color{gray}\leftmark}
\fancyfoot[C]{\small\thepage}
\usepackage{xcolor}
\setlength{\skip\footins}{5mm}
\renewcommand{\footnoterule}{\vspace*{-3bp}\noindent\rule{0.3\textwidth}{0.5bp}\vspace*{2.5bp}}
"""


def _face(family: str, bold: bool = False) -> tuple[str, int]:
    """File and face index of a family (a TTC holds every region; fontspec alone picks JP)."""
    result = subprocess.run(["fc-match", "-f", "%{file}\t%{index}", f"{family}:{'bold' if bold else 'regular'}"],
                            capture_output=True, text=True, check=True)
    file, index = result.stdout.split("\t")
    return file, int(index)


def _cjk_fonts(lang: str) -> list[str]:
    """fontspec declarations of the edition's CJK faces (regional TTC faces by index)."""
    lines = []
    for command, family in zip((r"\setCJKmainfont", r"\setCJKsansfont"), FACES[lang]):
        (regular, index), (bold, bold_index) = _face(family), _face(family, bold=True)
        folder = Path(regular).parent
        bold_path = Path(bold).relative_to(folder) if Path(bold).is_relative_to(folder) else Path(bold)
        lines.append(rf"{command}{{{Path(regular).name}}}[Path={folder}/,FontIndex={index},"
                     rf"BoldFont={{{bold_path}}},BoldFeatures={{FontIndex={bold_index}}}]")
    # The half-size bullet is a CJK character of the Chinese face, as in Diglot's books.
    lines.append(r'\xeCJKDeclareCharClass{FullLeft}{"25CF}')
    return lines


def chinese_tex(doc, paper: str) -> str:
    """ctexart source of a Chinese edition (zh-Hans or zh-Hant)."""
    inline = Inline(doc)
    size, pitch = 10.5, 10.5 * 1.75
    lines = [
        r"\documentclass[UTF8,zihao=5,fontset=none,scheme=chinese]{ctexart}",
        _geometry(paper, False),
        *_cjk_fonts(doc.lang),
        r"\setmainfont{Noto Serif}\setsansfont{Noto Sans}",
        _PREAMBLE,
        rf"\newcommand{{\runningtitle}}{{\sffamily {escape(_plain(doc.title.text))}}}",
        r"\ctexset{section={format={\sffamily\bfseries\fontsize{13.65bp}{18.4bp}\selectfont\raggedright},"
        r"beforeskip=8mm,afterskip=3mm,numbering=false},"
        r"contentsname={" + ("目录" if doc.lang == "zh-Hans" else "目錄") + "}}",
        rf"\renewcommand{{\normalsize}}{{\fontsize{{{size}bp}}{{{pitch}bp}}\selectfont}}",
        r"\renewcommand{\footnotesize}{\fontsize{8.5bp}{12.75bp}\selectfont}",
        r"\setlength{\parskip}{2.5mm}\setlength{\parindent}{2em}",
        r"\setlist[itemize]{label={\raisebox{.1em}{\scalebox{.5}{●}}},leftmargin=2em,itemsep=2mm,topsep=0bp,parsep=0bp}",
        r"\usepackage{graphicx}",
        r"\begin{document}",
        *_title_page(doc, inline),
        r"\tableofcontents\newpage",
        *_body(doc, inline),
        r"\end{document}",
    ]
    return "\n".join(lines) + "\n"


def english_tex(doc, paper: str) -> str:
    """LaTeX (article) source of the English edition."""
    inline = Inline(doc)
    lines = [
        r"\documentclass[11pt]{article}",
        _geometry(paper, False),
        r"\usepackage{fontspec}\setmainfont{Noto Serif}\setsansfont{Noto Sans}",
        r"\usepackage{polyglossia}\setmainlanguage{english}",
        _PREAMBLE,
        rf"\newcommand{{\runningtitle}}{{\sffamily {escape(_plain(doc.title.text))}}}",
        r"\usepackage{titlesec}\titleformat{\section}{\sffamily\bfseries\fontsize{14.3bp}{19.3bp}\selectfont"
        r"\raggedright}{}{0bp}{}\titlespacing*{\section}{0bp}{8mm}{3mm}\setcounter{secnumdepth}{0}",
        r"\renewcommand{\sectionmark}[1]{\markboth{#1}{}}",
        r"\renewcommand{\normalsize}{\fontsize{11bp}{15.95bp}\selectfont}",
        r"\renewcommand{\footnotesize}{\fontsize{8.5bp}{12.75bp}\selectfont}",
        r"\setlength{\parskip}{2.5mm}\setlength{\parindent}{0bp}",
        r"\setlist[itemize]{label=\textbullet,leftmargin=2em,itemsep=2mm,topsep=0bp,parsep=0bp}",
        r"\begin{document}",
        *_title_page(doc, inline),
        r"\tableofcontents\newpage",
        *_body(doc, inline),
        r"\end{document}",
    ]
    return "\n".join(lines) + "\n"


def bilingual_tex(zh, en, paper: str) -> str:
    """ctexart + paracol source of the bilingual edition: Chinese column left, English right."""
    from diglot import bilingual as bi

    cols = bi.columns(paper)
    zh_inline, en_inline = Inline(zh), Inline(en)
    pitch = cols.pitch
    lines = [
        r"\documentclass[UTF8,zihao=5,fontset=none,scheme=chinese]{ctexart}",
        _geometry(paper, True),
        *_cjk_fonts(zh.lang),
        r"\setmainfont{Noto Serif}\setsansfont{Noto Sans}",
        _PREAMBLE,
        r"\usepackage{paracol}\footnotelayout{m}",
        rf"\setcolumnwidth{{{cols.a_width:.3f}bp/{cols.gutter:.3f}bp,{cols.b_width:.3f}bp}}",
        r"\newcommand{\pairhead}[1]{\par\vspace{8.4bp}\noindent{\sffamily\bfseries\fontsize{13bp}{16.8bp}"
        r"\selectfont\raggedright #1\par}}",
        # Each title over its column, on one line (clipped rather than wrapped, as Diglot's heads).
        rf"\newcommand{{\runningtitle}}{{\makebox[{cols.a_width + cols.gutter / 2:.3f}bp][l]{{\sffamily "
        rf"{escape(_plain(zh.title.text))}}}\makebox[{cols.b_width + cols.gutter / 2:.3f}bp][l]{{\hspace{{"
        rf"{cols.gutter / 2:.3f}bp}}\sffamily {escape(_plain(en.title.text))}}}}}",
        r"\fancyhead[R]{}",
        r"\ctexset{section={format={\sffamily\bfseries\fontsize{13bp}{16.8bp}\selectfont\raggedright},"
        r"beforeskip=16.8bp,afterskip=8.4bp,numbering=false},"
        r"contentsname={" + ("目录" if zh.lang == "zh-Hans" else "目錄") + "}}",
        rf"\renewcommand{{\normalsize}}{{\fontsize{{10.5bp}}{{{pitch}bp}}\selectfont}}",
        r"\renewcommand{\footnotesize}{\fontsize{8.5bp}{12.75bp}\selectfont}",
        # The English column without xeCJK: ’ and “” take the Latin face's glyphs, not full-width ones.
        rf"\newcommand{{\en}}{{\makexeCJKinactive\fontsize{{10bp}}{{{pitch}bp}}\selectfont}}",
        r"\setlength{\parskip}{8.4bp}\setlength{\parindent}{0bp}",
        r"\setlist[itemize]{leftmargin=2em,itemsep=0bp,topsep=0bp,parsep=0bp}",
        r"\usepackage{graphicx}",
        r"\begin{document}",
        *_title_page(zh, zh_inline, en, en_inline),
        r"\tableofcontents\newpage",
        r"\begin{paracol}{2}",
        *_pairs(zh, en, zh_inline, en_inline),
        r"\end{paracol}",
        r"\end{document}",
    ]
    return "\n".join(lines) + "\n"


def _plain(text: str) -> str:
    return re.sub(r"\[\^[^\]]+\]", "", text).strip()


def _title_page(doc, inline, en=None, en_inline=None) -> list[str]:
    lines = [r"\thispagestyle{empty}", r"\noindent{\sffamily\bfseries\fontsize{22bp}{28bp}\selectfont "
             + inline(doc.title.text) + r"\par}\vspace{8mm}"]
    if en is not None:
        lines.append(r"\noindent{\sffamily\bfseries\fontsize{16bp}{21bp}\selectfont " + en_inline(en.title.text)
                     + r"\par}\vspace{8mm}")
    if doc.description is not None:
        lines.append(r"\noindent " + inline(doc.description.text) + r"\par")
    if en is not None and en.description is not None:
        lines.append(r"\noindent{\en " + en_inline(en.description.text) + r"\par}")
    if doc.meta.publisher:
        lines.append(r"\vspace{18mm}\noindent " + escape(doc.meta.publisher) + r"\par")
    lines.append(r"\newpage")
    return lines


def _body(doc, inline, nodes=None) -> list[str]:
    out: list[str] = []
    for node in doc.body if nodes is None else nodes:
        if node.kind == "heading":
            text = inline(doc.segment(node.segment).text)
            out.append(rf"\section{{{text}}}\markboth{{{_plain(doc.segment(node.segment).text)}}}{{}}")
        elif node.kind == "paragraph":
            out.append(inline(doc.segment(node.segment).text) + "\n")
        elif node.kind == "list":
            out.append(r"\begin{enumerate}" if node.ordered else r"\begin{itemize}")
            for item in node.children:
                out.append(r"\item " + "\n".join(_body(doc, inline, item.children)))
            out.append(r"\end{enumerate}" if node.ordered else r"\end{itemize}")
    return out


def _pairs(zh, en, zh_inline, en_inline, nodes=None, depth=0) -> list[str]:
    out: list[str] = []
    for node in zh.body if nodes is None else nodes:
        if node.kind == "heading":
            zh_text, en_text = zh.segment(node.segment).text, en.segment(node.segment).text
            # One macro for both columns, so that both headings' baselines and the pair after line up.
            out.append(rf"\pairhead{{{zh_inline(zh_text)}}}\addcontentsline{{toc}}{{section}}{{{zh_inline(zh_text)}}}"
                       rf"\markboth{{{_plain(zh_text)}}}{{}}\switchcolumn{{\en\pairhead{{{en_inline(en_text)}}}}}"
                       r"\switchcolumn*")
        elif node.kind == "paragraph":
            out.append(_indented(zh_inline(zh.segment(node.segment).text), depth) + r"\switchcolumn"
                       + r"{\en " + _indented(en_inline(en.segment(node.segment).text), depth) + r"}\switchcolumn*")
        elif node.kind == "list":
            for item in node.children:
                first, *rest = item.children
                if first.kind == "paragraph":
                    zh_text, en_text = zh.segment(first.segment).text, en.segment(first.segment).text
                    out.append(r"\begin{itemize}[label={\raisebox{.1em}{\scalebox{.5}{●}}}]\item "
                               + zh_inline(zh_text) + r"\end{itemize}\switchcolumn{\en\begin{itemize}"
                               r"[label=\textbullet]\item " + en_inline(en_text) + r"\end{itemize}}\switchcolumn*")
                out.extend(_pairs(zh, en, zh_inline, en_inline, rest, depth + 1))
    return out


def _indented(text: str, depth: int) -> str:
    if not depth:
        return text + r"\par"
    return rf"\begin{{list}}{{}}{{\leftmargin={2 * depth}em}}\item[]" + text + r"\end{list}"


def editions(paper: str):
    """The zh-Hans, zh-Hant and en documents of the project, as Diglot makes them."""
    from dataclasses import replace

    from diglot.builder import _load_edition
    from diglot.config import load_config

    config = replace(load_config(REPO), paper=paper)
    return {lang: _load_edition(config, SLUG, lang).doc for lang in ("zh-Hans", "zh-Hant", "en")}


def xelatex(source: str, work: Path, name: str) -> Path:
    """Compile ``source`` twice (for the contents page); the PDF's path."""
    work.mkdir(parents=True, exist_ok=True)
    tex = work / f"{name}.tex"
    tex.write_text(source, encoding="utf-8")
    for _ in range(2):
        result = subprocess.run(["xelatex", "-interaction=nonstopmode", "-halt-on-error", tex.name], cwd=work,
                                capture_output=True, text=True)
        if result.returncode:
            tail = "\n".join(result.stdout.splitlines()[-25:])
            raise RuntimeError(f"xelatex failed on {tex}:\n{tail}")
    return work / f"{name}.pdf"


def reference_pdfs(paper: str, work: Path, kinds: list[str]) -> dict[str, Path]:
    """kind (zh-Hans, en, zh-Hans-en…) → the reference PDF set by XeLaTeX for ``paper``."""
    docs = editions(paper)
    sources = {"zh-Hans": lambda: chinese_tex(docs["zh-Hans"], paper),
               "zh-Hant": lambda: chinese_tex(docs["zh-Hant"], paper),
               "en": lambda: english_tex(docs["en"], paper),
               "zh-Hans-en": lambda: bilingual_tex(docs["zh-Hans"], docs["en"], paper),
               "zh-Hant-en": lambda: bilingual_tex(docs["zh-Hant"], docs["en"], paper)}
    return {kind: xelatex(sources[kind](), work, kind) for kind in kinds if kind in sources}
