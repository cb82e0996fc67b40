"""The documented bounds on what Diglot reads (README, "Limits"): hostile sizes fail early, never hang a build."""

import resource

MAX_SOURCE_BYTES = 2_000_000
MAX_SEGMENT_CHARS = 100_000
MAX_SEGMENTS = 20_000
#: Lists and quotes inside one another. markdown-it silently drops what lies deeper than its
#: own nesting limit, so sources are parsed with room to spare and refused beyond this.
MAX_NESTING = 20
#: Markdown in one block (a paragraph, an item, a cell, a note, a msgstr), outside code: a run
#: of one delimiter (` * _ ~ ^ [ ] < { $ :), and how many '[' (links, note calls) and emphasis
#: marks (* _ ~ ^) it holds. pandoc's reader pairs links and emphasis in time quadratic in how
#: many a block holds (8,000 links: 49 s; 10,000 '*a_': 2 s), markdown-it's footnotes too.
MAX_DELIMITER_RUN = 100
MAX_BRACKETS = 100
MAX_EMPHASIS = 1_000
#: An XLIFF file an agency returns (diglot/xliff.py): many times any project's catalogues of one language.
MAX_XLIFF_BYTES = 50_000_000
#: Any other file Diglot reads from the project (a catalogue, a template or stylesheet, the
#: configuration, a glossary, phrase rules, a translation memory): far beyond any real one, so a huge or endless
#: file is refused by its size before it is read (diglot.safety.confined).
MAX_INPUT_BYTES = 64 * 1024 * 1024

#: Bounds on each engine call (README, "Limits"): a hostile input fails, it never hangs the build.
#: Renders run in worker processes under them (diglot.workers), the importer's pandoc too.
JOB_SECONDS = 300
JOB_MEMORY = 4 << 30

#: A text file to import: room for a source's worth of text in UTF-16 or with pdftotext's
#: layout spaces; what it makes must still be a source of at most MAX_SOURCE_BYTES.
MAX_IMPORT_TEXT_BYTES = 4 * MAX_SOURCE_BYTES
#: A Word file to import, pictures included (they are not imported, but pandoc reads them).
MAX_IMPORT_DOCX_BYTES = 50_000_000
#: A Word file's parts, uncompressed, measured before pandoc sees the file (a zip bomb is
#: refused, never unpacked): all of them; the XML among them (pandoc needs about 90 bytes of
#: memory per byte of it and up to a second per megabyte: 20 MB of short paragraphs took
#: 1.8 GB and 20 s); how much one part may have shrunk in the zip (Word's XML: 3 to 15 times);
#: how many parts.
MAX_DOCX_UNPACKED = 100_000_000
MAX_DOCX_XML = 25_000_000
MAX_DOCX_RATIO = 100
MAX_DOCX_MEMBERS = 10_000


def limit_memory(limit: int | None = None) -> None:
    """Bound this process's address space (RLIMIT_AS) to ``limit`` (JOB_MEMORY by default), or
    to its hard limit when that is lower: a render worker's, or pandoc's run by the importer."""
    limit = JOB_MEMORY if limit is None else limit
    soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    resource.setrlimit(resource.RLIMIT_AS, (limit if hard == resource.RLIM_INFINITY else min(limit, hard), hard))
