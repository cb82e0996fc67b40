"""Diglot: bilingual (Chinese/English) document publishing.

One Simplified Chinese source in ``source/`` and one gettext catalogue per
language in ``translations/`` become web pages, print-ready PDFs and EPUB 3
e-books in zh-Hans, zh-Hant and English.
"""

__version__ = "0.1.0"
