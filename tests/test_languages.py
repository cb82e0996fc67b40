"""Languages as data: other source languages, other targets, any bilingual pair (tests/data/languages).

An English source (the Universal Declaration of Human Rights) published in en, zh-Hans (its
catalogue), zh-Hant and zh-HK (derived from zh-Hans by OpenCC), French and Japanese; a
Traditional Chinese source (the Constitution of the Republic of China) published in
zh-Hant, zh-Hans and zh-HK (derived from the source) and English; bilingual pairs as the
project configures them. The judges: EPUBCheck, the Nu HTML checker, pdffonts, pdftotext,
hanzidentifier, OpenCC itself for what each derived edition must say, Pyphen's French
dictionary for French hyphenation, pdfplumber for Japanese indents, Python's ast for
language literals in the code.
"""

from __future__ import annotations

import ast
import re
import subprocess
from pathlib import Path

import pytest

from conftest import REPO, run_cli, sample_project
from judges import epubcheck, html_text, pdf_fonts, pdf_lang, pdf_text, squeeze, vnu

DATA = Path(__file__).resolve().parent / "data" / "languages"
UDHR, ROC = "udhr", "roc-constitution"
#: What the project publishes: document → its editions, each the tag of its output folder.
EDITIONS = {UDHR: ("en", "zh-Hans", "zh-Hant", "zh-HK", "fr", "ja"), ROC: ("zh-Hant", "zh-Hans", "zh-HK", "en")}
PAIRS = {UDHR: (("en", "zh-Hans"), ("zh-Hant", "zh-Hans"), ("ja", "en"), ("en", "fr")),
         ROC: (("en", "zh-Hans"), ("zh-Hant", "zh-Hans"))}
#: The faces a language's PDF may use: its own region's CJK design, or the Latin Noto faces.
REGION = {"zh-Hans": "SC", "zh-Hant": "TC", "zh-HK": "HK", "ja": "JP"}


@pytest.fixture(scope="module")
def project(tmp_path_factory) -> Path:
    root = sample_project("languages", tmp_path_factory.mktemp("languages") / "project")
    code, out, err = run_cli(root, "build", "-j", "2")
    assert code == 0, out + err
    return root


def output(project: Path, lang: str, slug: str, kind: str) -> Path:
    return project / "output" / lang / f"{slug}.{kind}"


def catalogue_texts(project: Path, lang: str, slug: str) -> dict[str, str]:
    """msgid → msgstr of a translators' catalogue, read by GNU gettext (msgcat's output)."""
    import subprocess

    from babel.messages.pofile import read_po

    po = project / "translations" / lang.replace("-", "_") / "LC_MESSAGES" / f"{slug}.po"
    checked = subprocess.run(["msgfmt", "-c", "-o", "/dev/null", str(po)], capture_output=True, text=True)
    assert checked.returncode == 0, checked.stderr
    with po.open("rb") as handle:
        return {m.id: m.string for m in read_po(handle) if m.id and m.string and not m.fuzzy}


def plain(markdown: str) -> str:
    """Inline Markdown as a reader sees it: note calls and autolink brackets gone."""
    return re.sub(r"<(https?://[^>]+)>", r"\1", re.sub(r"\[\^[^\]]+\]", "", markdown)).strip()


# --- what is published ----------------------------------------------------------------

def test_every_edition_and_pair_is_published_and_nothing_else(project):
    out = project / "output"
    built = {p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file() and ".diglot" not in p.parts}
    expected = {"index.html", "opds.xml"}  # and each published language's index
    for slug, langs in EDITIONS.items():
        for lang in langs:
            kinds = ["html", "pdf", "print.pdf", "epub", "cover.png"] + (["vertical.epub"] if lang in ("zh-Hant", "zh-HK")
                                                                          else [])
            expected |= {f"{lang}/{slug}.{kind}" for kind in kinds} | {f"{lang}/index.html"}
        for a, b in PAIRS[slug]:
            expected |= {f"bilingual/{slug}.{a}-{b}.{kind}" for kind in ("html", "pdf", "print.pdf", "epub", "cover.png")}
    assert built == expected, (sorted(built - expected), sorted(expected - built))


def test_editions_without_a_catalogue_are_reported_not_published(project):
    code, out, err = run_cli(project, "build")
    assert code == 0, err
    assert "nothing to do" in out
    code, out, err = run_cli(project, "stats", "--json")
    rows = {(r["document"], r["language"]): r for r in __import__("json").loads(out)}
    assert rows[(ROC, "fr")]["translated"] == rows[(ROC, "ja")]["translated"] == 0
    assert rows[(UDHR, "ja")]["percent"] == rows[(UDHR, "zh-Hans")]["percent"] == 100.0
    assert (ROC, "zh-Hans") not in rows, "a derived edition has no translators' catalogue"


# --- the derived editions: OpenCC once, from the right base, in the right direction ----------

def _opencc(profile: str, text: str) -> str:
    import opencc

    return opencc.OpenCC(f"{profile}.json").convert(text)


def page_text(project: Path, lang: str, slug: str) -> str:
    """The web page's text and its description (a meta element), whitespace removed."""
    markup = output(project, lang, slug, "html").read_text(encoding="utf-8")
    description = re.search(r'<meta name="description" content="([^"]*)"', markup).group(1)
    return squeeze(html_text(markup) + __import__("html").unescape(description))


@pytest.mark.parametrize("lang, profile", [("zh-Hant", "s2twp"), ("zh-HK", "s2hk")])
def test_traditional_editions_of_an_english_source_are_converted_from_its_simplified_catalogue(
        project, lang, profile):
    simplified = catalogue_texts(project, "zh-Hans", UDHR)
    page = page_text(project, lang, UDHR)
    for english, text in simplified.items():
        converted = _opencc(profile, plain(text)).translate(str.maketrans("“”‘’", "「」『』"))
        assert squeeze(converted) in page, (lang, english[:30], converted)


def test_simplified_edition_of_a_traditional_source_is_converted_from_it_by_tw2sp(project):
    source = (project / "source" / f"{ROC}.md").read_text(encoding="utf-8")
    body = source.split("---", 2)[2]
    page = page_text(project, "zh-Hans", ROC)
    for line in (line for line in body.splitlines() if line and not line.startswith(("#", "[^"))):
        assert squeeze(_opencc("tw2sp", plain(line))) in page, line
    assert "中华民国宪法（节录）" in page and "中華民國" not in page


@pytest.mark.parametrize("lang, slug", [("zh-Hans", UDHR), ("zh-Hans", ROC), ("zh-Hant", UDHR), ("zh-Hant", ROC),
                                        ("zh-HK", UDHR), ("zh-HK", ROC)])
def test_each_chinese_edition_is_in_one_script_only(project, lang, slug):
    import hanzidentifier

    other = hanzidentifier.TRADITIONAL if lang == "zh-Hans" else hanzidentifier.SIMPLIFIED
    # The web page names the other languages in their own scripts (lang-tagged): only its own text counts.
    texts = {"html": html_text(output(project, lang, slug, "html").read_text(encoding="utf-8"), lang),
             "pdf": pdf_text(output(project, lang, slug, "pdf"))}
    for kind, text in texts.items():
        wrong = sorted({c for c in text if hanzidentifier.identify(c) == other})
        assert not wrong, f"{lang}/{slug}.{kind}: {' '.join(wrong)}"


def test_catalogue_editions_print_their_translators_text(project):
    for lang in ("fr", "ja", "zh-Hans"):
        page = page_text(project, lang, UDHR)
        pdf = squeeze(pdf_text(output(project, lang, UDHR, "pdf")))
        for text in catalogue_texts(project, lang, UDHR).values():
            assert squeeze(plain(text)) in page, (lang, text[:40])
            assert squeeze(plain(text))[:12] in pdf, (lang, text[:40])
    page = html_text(output(project, "en", ROC, "html").read_text(encoding="utf-8"))
    assert "All citizens of the Republic of China" in page and "Laws & Regulations Database" in page


# --- faces, tags, hyphenation and indents by language ----------------------------------------

@pytest.mark.parametrize("lang", ["zh-Hans", "zh-Hant", "zh-HK", "ja", "en", "fr"])
def test_pdf_faces_are_the_languages_own(project, lang):
    fonts = pdf_fonts(output(project, lang, UDHR, "pdf"))
    assert fonts and all(f.embedded and f.subset for f in fonts)
    cjk = [f.name for f in fonts if "CJK" in f.name]
    if lang in REGION:
        assert cjk and all(f"CJK-{REGION[lang]}" in name for name in cjk), (lang, cjk)
    else:
        assert not cjk, (lang, cjk)
        assert all("Noto-Serif" in f.name or "Noto-Sans" in f.name for f in fonts), fonts


def test_a_bilingual_pdf_sets_each_side_in_its_own_faces(project):
    for (a, b), expected in {("ja", "en"): {"JP"}, ("zh-Hant", "zh-Hans"): {"TC", "SC"}}.items():
        fonts = pdf_fonts(project / "output" / "bilingual" / f"{UDHR}.{a}-{b}.pdf")
        regions = {re.search(r"CJK-([A-Z]{2})", f.name).group(1) for f in fonts if "CJK" in f.name}
        assert regions == expected, (a, b, [f.name for f in fonts])


@pytest.mark.parametrize("lang", ["en", "zh-Hans", "zh-Hant", "zh-HK", "fr", "ja"])
def test_every_output_carries_the_language_tag(project, lang):
    import zipfile

    page = output(project, lang, UDHR, "html").read_text(encoding="utf-8")
    assert re.search(rf'<html lang="{lang}"', page)
    assert pdf_lang(output(project, lang, UDHR, "pdf")) == lang
    with zipfile.ZipFile(output(project, lang, UDHR, "epub")) as book:
        opf = book.read("EPUB/content.opf").decode("utf-8")
    assert f"<dc:language>{lang}</dc:language>" in opf


def test_language_names_follow_the_reader_language_convention(project):
    page = output(project, "zh-HK", UDHR, "html").read_text(encoding="utf-8")
    switcher = re.search(r'<nav class="language-switcher".*?</nav>', page, re.S).group(0)
    assert "中文（繁體）" in switcher and "中文 (" not in switcher  # full-width brackets in Chinese
    assert "日本語" in switcher and "français" in switcher


def test_french_is_hyphenated_by_french_rules(project):
    """In the narrow columns of the en–fr book, every break inside a French word is where French
    hyphenation allows it, and at least one is where English rules would not break."""
    import pdfplumber
    import pyphen

    french, english = pyphen.Pyphen(lang="fr"), pyphen.Pyphen(lang="en_US")
    lines = []
    with pdfplumber.open(project / "output" / "bilingual" / f"{UDHR}.en-fr.pdf") as pdf:
        for page in pdf.pages[2:]:  # the French column: the right half of each body page
            lines += (page.crop((page.width / 2, 0, page.width, page.height)).extract_text() or "").splitlines()
    fr_text = squeeze(html_text(output(project, "fr", UDHR, "html").read_text(encoding="utf-8")))
    breaks = []
    for line, following in zip(lines, lines[1:]):
        match = re.search(r"(\w+)‐$", line)
        if match and following.split():
            head, tail = match.group(1), re.match(r"\w+", following.split()[0]).group(0)
            if head + tail in fr_text:
                breaks.append((head, tail))
    assert breaks, "no French word was hyphenated in the narrow columns"
    for head, tail in breaks:
        assert len(head) in french.positions(head + tail), f"{head}-{tail}: not a French break"
    assert any(len(head) not in english.positions(head + tail) for head, tail in breaks), breaks


@pytest.mark.parametrize("lang, chars", [("ja", 1), ("zh-Hans", 2)])
def test_paragraphs_are_indented_as_each_language_sets_them(project, lang, chars):
    """jlreq: a Japanese paragraph starts one character in; clreq: a Chinese one, two."""
    import pdfplumber

    size = 10.5  # the body size of both (typography.CHINESE_BODY)
    with pdfplumber.open(output(project, lang, UDHR, "pdf")) as pdf:
        page = pdf.pages[2]
        body = [c for c in page.chars if abs(c["size"] - size) < 0.1]  # body text: not headings, notes
    starts: dict[float, float] = {}
    for char in body:  # the first character of each line
        top = round(char["top"])
        starts[top] = min(starts.get(top, char["x0"]), char["x0"])
    left = min(starts.values())
    indents = sorted({round((x - left) / size, 1) for x in starts.values() if x - left > 1})
    assert indents == [float(chars)], (lang, indents)


def test_japanese_ui_strings_come_from_the_japanese_catalogue(project):
    page = output(project, "ja", UDHR, "html").read_text(encoding="utf-8")
    assert ">本文へ移動<" in page and ">目次<" in page


# --- every judge on every output ---------------------------------------------------------------

def test_epubcheck_reports_nothing_on_any_e_book(project, tmp_path):
    books = sorted((project / "output").rglob("*.epub"))
    assert len(books) == 20  # 14 editions (4 of them vertical too) and 6 bilingual books
    for book, messages in epubcheck(books, tmp_path).items():
        assert not messages, f"{book.relative_to(project)}:\n" + "\n".join(messages)


def test_nu_html_checker_finds_nothing_on_any_page(project):
    pages = sorted((project / "output").rglob("*.html"))
    assert len(pages) == 23  # 10 editions, 6 bilingual pages, the index, 6 languages' indexes
    found = vnu(pages)
    assert not found, "\n".join(found)


# --- the code names no language ------------------------------------------------------------------

#: Tags and subtags the registry knows by name; none may appear as a literal elsewhere in the code.
LITERALS = re.compile(r"(zh|en|ja|ko|fr|de|es|ru|ar|he)(-[A-Za-z]{2,4})*|zh_Hans|zh_Hant")


def test_no_module_but_the_registry_holds_a_language_tag():
    found = []
    for path in sorted((REPO / "diglot").glob("*.py")):
        if path.name == "languages.py":
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        docstrings = {id(node.body[0].value) for node in ast.walk(tree)
                      if isinstance(node, (ast.Module, ast.FunctionDef, ast.ClassDef, ast.AsyncFunctionDef))
                      and node.body and isinstance(node.body[0], ast.Expr)}
        for node in ast.walk(tree):
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docstrings:
                if LITERALS.fullmatch(node.value):
                    found.append(f"{path.name}:{node.lineno}: {node.value!r}")
    assert not found, "\n".join(found)


def test_names_in_another_script_are_set_in_an_installed_face_not_refused(tmp_path):
    """A Korean, a Hebrew and a Greek name and a box-drawn table in an English text: no face of English has Hangul,
    but an installed one does, and Pango falls back to it as a reader's browser would (a real
    README did this: its contributors' list); the PDF shows the names, in embedded faces."""
    root = sample_project("languages", tmp_path / "project")
    source = root / "source" / f"{UDHR}.md"
    names = "서승우, שלום עליכם and Ἀριστοτέλης"
    table = "┌──────┬─────┐\n│ item │ qty │\n├──────┼─────┤\n│ spam │  42 │\n└──────┴─────┘"
    source.write_text(source.read_text(encoding="utf-8") + f"\nWith thanks to {names}.\n\n```\n{table}\n```\n",
                      encoding="utf-8")
    code, out, err = run_cli(root, "-q", "build", "--format", "pdf", "--lang", "en")
    assert code == 0, err + out
    pdf = root / "output" / "en" / f"{UDHR}.pdf"
    text = squeeze(pdf_text(pdf))
    for name in ("서승우", "Ἀριστοτέλης", "עליכם"):
        assert squeeze(name) in text or squeeze(name[::-1]) in text, name
    faces = pdf_fonts(pdf)
    assert all(f.embedded for f in faces)
    assert any("CJK" in f.name for f in faces), [f.name for f in faces]
    # A table drawn in box-drawing characters keeps its columns: one monospaced face has them all.
    assert "│ item │ qty │" in pdf_text(pdf, layout=True)
    import pdfplumber

    with pdfplumber.open(pdf) as document:
        drawn = {c["fontname"].split("+")[-1] for page in document.pages for c in page.chars if c["text"] in "┌─│┼┘"}
    # The registry's Noto Sans Mono where installed (fonts-noto-core from Debian 13, fonts-noto-extra
    # in Debian 12), else the monospaced face fontconfig gives English (DejaVu Sans Mono): one face.
    from diglot import fonts

    code_face = fonts.face("en", "mono").family
    assert drawn == {code_face.replace(" ", "-")}, drawn
    spacing = subprocess.run(["fc-match", "-f", "%{spacing}", code_face], capture_output=True, text=True).stdout
    assert spacing == "100", f"{code_face} is not monospaced (fontconfig spacing {spacing!r})"


def test_code_is_set_in_one_monospaced_face_with_box_drawing():
    from diglot import fonts

    face = fonts.face("en", "mono").family
    assert {0x2500, 0x2502, 0x250C, 0x0416, 0x03A9} <= fonts.coverage(face), face
