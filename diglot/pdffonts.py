"""Smaller PDFs: each embedded font cut down, after rendering, to the glyphs its pages show.

WeasyPrint 70 subsets fonts keeping their glyph ids (HarfBuzz retain-gids), so a Noto CJK
subset of 600 glyphs still carries 63,000 glyph slots, each with metrics (hmtx, vmtx) and an
empty charstring: most of a Chinese PDF's bytes. Diglot's renders have HarfBuzz cut a CID-keyed
CFF font to its glyphs alone instead (diglot.pdf, book_layout: compact_cid_subset), in an
OpenType wrapper that readers would read by glyph index. Here (fontTools, pikepdf) every CID font
is rewritten so that its program holds only the glyphs shown, and the codes in the content
streams stay as they are: a CID-keyed CFF font becomes a bare CID-keyed CFF (FontFile3
/CIDFontType0C) whose charset gives each kept glyph, by name (cidNNNNN), the CID its code is;
other CFF fonts are subset by fontTools to the same form; a TrueType font gets compact glyph ids
and a CIDToGIDMap from the old ids. Which glyphs a font shows is what its widths (W) list:
WeasyPrint measures every glyph it draws. Pages, text, ToUnicode maps, structure tree and
metadata are untouched; the widths keep their values, written with a default width (DW).
"""

from __future__ import annotations

import io
import logging
import zlib
from collections import Counter

log = logging.getLogger("diglot.pdffonts")

def shrink_fonts(data: bytes) -> bytes:
    """``data`` (a PDF) with each Identity-H CID font cut to the glyphs it shows; same pages, same text."""
    import pikepdf

    with pikepdf.open(io.BytesIO(data)) as pdf:
        shrunk = bare = 0
        for objgen in fonts_in_use(pdf):
            font = pdf.get_object(objgen)
            wrapped = _opentype_cff(font)
            done = _shrink_font(pdf, font)
            shrunk, bare = shrunk + done, bare + (done and wrapped)
        if not shrunk:
            return data
        out = io.BytesIO()
        # deterministic_id: the same rendering always gives the same bytes (reproducible builds);
        # the XMP packet is kept byte for byte (pikepdf would otherwise rewrite it).
        pdf.save(out, deterministic_id=True, compress_streams=True, fix_metadata_version=False,
                 object_stream_mode=pikepdf.ObjectStreamMode.generate)
    # Latin-only PDFs have little to gain and the rewrite has a small overhead: keep the smaller,
    # unless a CFF font was made bare: HarfBuzz's compact subset of one is read by its CIDs only so.
    return out.getvalue() if bare or out.tell() < len(data) else data


def _opentype_cff(font) -> bool:
    descriptor = font.DescendantFonts[0].get("/FontDescriptor") if "/DescendantFonts" in font else None
    return descriptor is not None and "/FontFile3" in descriptor and descriptor.FontFile3.get("/Subtype") == "/OpenType"


def fonts_in_use(pdf) -> dict[tuple[int, int], set[int]]:
    """Each CID font (Identity-H) a page or form of ``pdf`` uses → the codes its widths (W) list:
    every glyph WeasyPrint drew with it (it measures each glyph it draws)."""
    return {font.objgen: _width_cids(font.DescendantFonts[0])
            for fonts in _font_dicts(pdf) for font in fonts.values() if _is_identity_cid(font)}


def _font_dicts(pdf):
    """Each /Font resource dictionary of ``pdf``'s pages and of the forms they draw, once."""
    seen: set = set()

    def visit(resources):
        if resources is None or resources.objgen != (0, 0) and resources.objgen in seen:
            return
        seen.add(resources.objgen)
        if resources.get("/Font") is not None:
            yield resources.Font
        for form in resources.get("/XObject", {}).values():
            if form.get("/Subtype") == "/Form" and form.objgen not in seen:
                seen.add(form.objgen)
                yield from visit(form.get("/Resources"))

    for page in pdf.pages:
        yield from visit(page.obj.get("/Resources"))


def _is_identity_cid(font) -> bool:
    """A Type0 font whose codes are CIDs (Identity-H); WeasyPrint's own CMap (glyphs it could not
    find) maps codes elsewhere, and such a font is left as it is."""
    return font.get("/Subtype") == "/Type0" and font.get("/Encoding") == "/Identity-H" and "/DescendantFonts" in font


def _shrink_font(pdf, font, loaded=None) -> bool:
    """``font`` cut to the glyphs its widths list; ``loaded``: its program already loaded (merge_fonts)."""
    cid_font = font.DescendantFonts[0]
    descriptor = cid_font.get("/FontDescriptor")
    if descriptor is None:
        return False
    keep = sorted(_width_cids(cid_font) | {0})
    if "/FontFile3" in descriptor and descriptor.FontFile3.get("/Subtype") == "/OpenType":
        program = _cff_program(loaded or descriptor.FontFile3.read_bytes(), keep)
        if program is None:
            return False
        descriptor.FontFile3 = _stream(pdf, program, Subtype="/CIDFontType0C")
        if "/CIDToGIDMap" in cid_font:  # meaningful for TrueType CIDFonts only
            del cid_font["/CIDToGIDMap"]
    elif "/FontFile2" in descriptor:
        program = _truetype_program(loaded or descriptor.FontFile2.read_bytes(), keep)
        if program is None:
            return False
        descriptor.FontFile2 = _stream(pdf, program, Length1=len(program))
        cid_font.CIDToGIDMap = _stream(pdf, _cid_to_gid(keep))
    else:
        return False
    _compact_widths(cid_font)
    return True


def _stream(pdf, data: bytes, **entries):
    import pikepdf

    stream = pikepdf.Stream(pdf, data)
    for key, value in entries.items():
        stream[f"/{key}"] = pikepdf.Name(value) if isinstance(value, str) else value
    return stream


def _subset(data: bytes, keep: list[int]):
    """The font in ``data`` with only the glyphs ``keep`` (sorted old ids), in that order."""
    from fontTools import subset
    from fontTools.ttLib import TTFont, TTLibError

    try:
        font = data if isinstance(data, TTFont) else TTFont(io.BytesIO(data))
        order = font.getGlyphOrder()
        if keep[-1] >= len(order):
            return None
        # Shaping is done: layout tables go; outlines, hints and metrics stay as they were.
        options = subset.Options(retain_gids=False, notdef_outline=True, glyph_names=True, hinting=True,
                                 desubroutinize=True, layout_features=[],
                                 drop_tables=["GSUB", "GPOS", "GDEF", "BASE", "JSTF", "DSIG"])
        subsetter = subset.Subsetter(options)
        subsetter.populate(gids=keep)
        subsetter.subset(font)
    except (TTLibError, AssertionError, KeyError, ValueError) as exc:
        log.debug("font left as it was: %s", exc)
        return None
    if font.getGlyphOrder() != [order[gid] for gid in keep]:  # a glyph added or lost: ids would not match
        return None
    return font


def _cff_program(data, keep: list[int]) -> bytes | None:
    """A bare CID-keyed CFF of the kept glyphs; glyph ``keep[i]`` keeps its id as its CID."""
    from fontTools.ttLib import TTFont, TTLibError

    try:
        loaded = data if isinstance(data, TTFont) else TTFont(io.BytesIO(data), lazy=True, recalcBBoxes=False)
        if "CFF " in loaded and _cid_keyed(loaded):
            # (A compact subset, glyphs not at their ids, is embedded bare even if one is missing.)
            return _cid_cff([loaded], [set(keep)]) or (loaded.reader["CFF "] if not _keeps_ids(loaded) else None)
    except (TTLibError, AssertionError, KeyError, ValueError, IndexError) as exc:
        log.debug("font left as it was: %s", exc)
        return None
    font = _subset(data, keep)
    if font is None or "CFF " not in font:
        return None
    cff = font["CFF "].cff
    top = cff.topDictIndex[0]
    if not hasattr(top, "ROS"):  # a name-keyed CFF has no charset of CIDs to carry the old ids
        return None
    names = [".notdef"] + [f"cid{gid:05d}" for gid in keep[1:]]
    renamed = dict(zip(font.getGlyphOrder(), names))
    charstrings = top.CharStrings
    charstrings.charStrings = {renamed[name]: value for name, value in charstrings.charStrings.items()}
    top.charset = names
    font.setGlyphOrder(names)
    out = io.BytesIO()
    cff.compile(out, font)
    return out.getvalue()


def ids_are_cids(data: bytes, index: int) -> bool:
    """Whether the font ``index`` of ``data`` (a font file) is a CID-keyed CFF font whose every glyph
    id is its CID (Noto CJK, Source Han): its glyphs can then be cut out with their CIDs as names,
    and a page's code (a glyph id) still finds its glyph (diglot.pdf, _compact_cid_subset)."""
    key = (len(data), index, zlib.crc32(data[:1 << 20]))
    if key not in _IDS_ARE_CIDS:
        from fontTools.ttLib import TTFont, TTLibError

        try:
            font = TTFont(io.BytesIO(data), fontNumber=index, lazy=True)
            _IDS_ARE_CIDS[key] = ("CFF " in font and hasattr(font["CFF "].cff.topDictIndex[0], "ROS")
                                  and _keeps_ids(font))
        except (TTLibError, AssertionError, KeyError, ValueError, IndexError):
            _IDS_ARE_CIDS[key] = False
    return _IDS_ARE_CIDS[key]


_IDS_ARE_CIDS: dict[tuple, bool] = {}


def is_cid_subset(data: bytes, glyphs: list[int]) -> bool:
    """Whether ``data``, HarfBuzz's subset of such a font to the glyph ids ``glyphs``, is a
    CID-keyed CFF holding each of them under its CID, every charstring standing alone."""
    from fontTools.ttLib import TTFont, TTLibError

    try:
        program = TTFont(io.BytesIO(data), lazy=True)
        return "CFF " in program and _cid_keyed(program) and {_name(gid) for gid in glyphs} <= set(program.getGlyphOrder())
    except (TTLibError, AssertionError, KeyError, ValueError, IndexError):
        return False


def _cid_keyed(program) -> bool:
    """A CID-keyed CFF whose charstrings stand alone (HarfBuzz desubroutinized them for WeasyPrint)."""
    cff = program["CFF "].cff
    top = cff.topDictIndex[0]
    if not hasattr(top, "ROS") or not hasattr(top, "FDArray") or len(cff.GlobalSubrs):
        return False
    return not any(len(getattr(fd.Private, "Subrs", ())) for fd in top.FDArray)


def _keeps_ids(program) -> bool:
    """Whether each glyph of ``program`` (CID-keyed) sits at the glyph id its CID is."""
    identity = _identity_charset(program)
    if identity is not None:
        return identity
    return all(name == _name(gid) for gid, name in enumerate(program.getGlyphOrder()))


def _identity_charset(program) -> bool | None:
    """Whether the CFF charset of ``program`` (CID-keyed) gives each glyph id its own CID, read from
    the charset's ranges (a CJK face's is one range of 65,000 glyphs) rather than from the 65,000
    glyph names fontTools makes of it (0.05-0.1 s a face, once per face and worker); None if the
    charset is not one to read so (then the names are compared)."""
    try:
        offset = program["CFF "].cff.topDictIndex[0].rawDict.get("charset")
        data, glyphs = program.reader["CFF "], program["maxp"].numGlyphs
    except (KeyError, AttributeError, IndexError, ValueError, TypeError):
        return None
    if not isinstance(offset, int) or offset < 3 or offset >= len(data) or glyphs < 1:
        return None  # (0-2: a predefined charset, never a CID-keyed face's)
    fmt, at = data[offset], offset + 1
    if fmt not in (1, 2):  # (0: a CID per glyph, which fontTools writes for few glyphs only)
        return None
    size, expected = 1 if fmt == 1 else 2, 1
    while expected < glyphs:  # ranges: (first CID, how many more)
        if at + 2 + size > len(data):
            return None
        first, left = int.from_bytes(data[at:at + 2], "big"), int.from_bytes(data[at + 2:at + 2 + size], "big")
        if first != expected:
            return False
        expected, at = expected + left + 1, at + 2 + size
    return expected == glyphs


def _cid_cff(programs, wanted: list[set[int]]) -> bytes | None:
    """One bare CID-keyed CFF with the glyphs of CIDs ``wanted[i]`` from ``programs[i]`` (each a
    CID-keyed CFF, a glyph named by its CID: cidNNNNN), the first program's top dict its own (its
    FontBBox too: the font's, which holds any of its glyphs; fontTools would draw every glyph to
    measure it again); None when a wanted glyph is in none of them."""
    from fontTools.cffLib import FDSelect

    glyphs: dict[str, tuple] = {}
    for program, cids in zip(programs, wanted):
        if not _cid_keyed(program):
            return None
        top = program["CFF "].cff.topDictIndex[0]
        charstrings = top.CharStrings
        for cid in sorted(cids | {0}):
            name = _name(cid)
            if name not in glyphs and name in charstrings:
                charstring, selector = charstrings.getItemAndSelector(name)
                glyphs[name] = (charstring, top.FDArray[selector or 0])
    if any(_name(cid) not in glyphs for cids in wanted for cid in cids):
        return None
    base = programs[0]
    cff = base["CFF "].cff
    top = cff.topDictIndex[0]
    order = sorted(glyphs, key=lambda name: int(name[3:]) if name != ".notdef" else -1)
    fds: list = []
    index: dict[str, int] = {}
    select = FDSelect(None, None, 3)
    for name in order:
        fd = glyphs[name][1]
        if fd.FontName not in index:  # one font dict (hints) per name, as the font has it
            index[fd.FontName] = len(fds)
            fds.append(fd)
        select.append(index[fd.FontName])
    top.FDArray.items = fds
    top.FDSelect = select
    charstrings = top.CharStrings
    charstrings.charStringsAreIndexed = 0
    charstrings.charStrings = {name: glyphs[name][0] for name in order}
    charstrings.fdArray, charstrings.fdSelect = top.FDArray, select
    top.charset = order
    top.CIDCount = max(int(getattr(top, "CIDCount", 0)), int(order[-1][3:]) + 1 if len(order) > 1 else 1)
    base.setGlyphOrder(order)
    out = io.BytesIO()
    cff.compile(out, base)
    return out.getvalue()


def _truetype_program(data: bytes, keep: list[int]) -> bytes | None:
    font = _subset(data, keep)
    if font is None or "glyf" not in font:
        return None
    out = io.BytesIO()
    font.save(out)
    return out.getvalue()


def _cid_to_gid(keep: list[int]) -> bytes:
    """CIDToGIDMap: for each CID (the old glyph id) up to the largest, its new glyph id (2 bytes)."""
    table = bytearray(2 * (keep[-1] + 1))
    for new, old in enumerate(keep):
        table[2 * old:2 * old + 2] = new.to_bytes(2, "big")
    return bytes(table)


def _width_cids(cid_font) -> set[int]:
    return set(_widths(cid_font))


def _widths(cid_font) -> dict[int, float]:
    """CID → width from a W array ([c [w…]] and [c_first c_last w] entries)."""
    import pikepdf

    widths: dict[int, float] = {}
    entries = list(cid_font.get("/W", []))
    i = 0
    while i < len(entries):
        first = int(entries[i])
        if i + 1 < len(entries) and isinstance(entries[i + 1], pikepdf.Array):
            for offset, width in enumerate(entries[i + 1]):
                widths[first + offset] = float(width)
            i += 2
        else:
            last, width = int(entries[i + 1]), float(entries[i + 2])
            widths.update({cid: width for cid in range(first, last + 1)})
            i += 3
    return widths


def _compact_widths(cid_font) -> None:
    """The same widths, with the commonest as DW and only the others listed in W."""
    import pikepdf

    widths = _widths(cid_font)
    if not widths:
        return
    default = float(cid_font.get("/DW", 1000))
    common, count = Counter(widths.values()).most_common(1)[0]
    if count > sum(1 for width in widths.values() if width == default):
        default = common
    runs: list = []
    for cid in sorted(widths):
        width = widths[cid]
        if width == default:
            continue
        number = int(width) if float(width).is_integer() else round(width, 3)
        if runs and runs[-2] + len(runs[-1]) == cid:
            runs[-1].append(number)
        else:
            runs.extend([cid, [number]])
    cid_font.DW = int(default) if float(default).is_integer() else default
    cid_font.W = pikepdf.Array([pikepdf.Array(item) if isinstance(item, list) else item for item in runs])


def merge_fonts(pdf) -> int:
    """``pdf`` (pikepdf, joined from the parts of a book: diglot.pdfjoin) with one font per face:
    the parts' subsets of a face (a glyph is the same CID in each) made one, with every glyph,
    width and ToUnicode entry any of them has, and every page pointed at it; a font not merged is
    cut to its glyphs as shrink_fonts does. Returns how many fonts were merged into others."""
    codes = fonts_in_use(pdf)
    faces: dict[tuple, list] = {}
    for objgen in codes:
        font = pdf.get_object(objgen)
        faces.setdefault(_face(font), []).append(font)
    replaced, merged = {}, 0
    for face in faces.values():
        fonts = _merged_face(pdf, face, codes) if len(face) > 1 else None
        if fonts is not None:
            for other in fonts[1:]:
                replaced[other.objgen] = fonts[0]
            merged += len(fonts) - 1
        else:
            for font in face:
                _shrink_font(pdf, font)
    if replaced:
        _repoint(pdf, replaced)
    return merged


def _merged_face(pdf, fonts, codes) -> list | None:
    """One face's ``fonts`` made one (the first of the list returned, the others to be replaced by
    it), or None when they cannot be merged: not subsets of one face whose glyphs are its CIDs."""
    programs = [_program(font) for font in fonts]
    if any(program is None for program in programs):
        return None
    try:
        if all("CFF " in program and _cid_keyed(program) for program in programs):
            program = _cid_cff(programs, [codes[font.objgen] for font in fonts])
            if program is None:
                return None
            first = fonts[0]
            _merge_widths(first, fonts[1:])
            _merge_to_unicode(pdf, first, fonts[1:])
            cid_font = first.DescendantFonts[0]
            cid_font.FontDescriptor.FontFile3 = _stream(pdf, program, Subtype="/CIDFontType0C")
            if "/CIDToGIDMap" in cid_font:
                del cid_font["/CIDToGIDMap"]
            _compact_widths(cid_font)
            return fonts
        kept = _merged_program(fonts, programs, codes)  # subsets keeping glyph ids (TrueType)
    except (KeyError, IndexError, AttributeError, AssertionError, ValueError) as exc:
        log.debug("fonts left apart: %s", exc)
        return None
    if kept is None:
        return None
    fonts, program = kept
    first = fonts[0]
    _merge_widths(first, fonts[1:])  # (and so the glyphs it is cut to: every font's)
    _merge_to_unicode(pdf, first, fonts[1:])
    if not _shrink_font(pdf, first, program):  # kept whole: the merged font, uncut
        _store_program(pdf, first, program)
    return fonts


def _face(font) -> tuple:
    descriptor = font.DescendantFonts[0].get("/FontDescriptor", {})
    kind = next((key for key in ("/FontFile3", "/FontFile2") if key in descriptor), "")
    return str(font.BaseFont), str(font.DescendantFonts[0].get("/Subtype")), kind


def _program(font):
    """The font program of a WeasyPrint subset, loaded (fontTools), or None."""
    from fontTools.ttLib import TTFont, TTLibError

    descriptor = font.DescendantFonts[0].get("/FontDescriptor")
    stream = descriptor.get("/FontFile3") if descriptor is not None else None
    if stream is not None and stream.get("/Subtype") != "/OpenType":
        return None
    stream = stream if stream is not None else descriptor.get("/FontFile2") if descriptor is not None else None
    if stream is None:
        return None
    try:
        return TTFont(io.BytesIO(stream.read_bytes()), recalcBBoxes=False)
    except (TTLibError, AssertionError, ValueError):
        return None


def _merged_program(fonts, programs, codes):
    """``fonts`` in the order merged (the base first) and one program (of ``programs``, theirs) with
    the glyphs each of them shows, or None when they cannot be merged (not the same face's subsets
    with glyph ids kept)."""
    # A subset keeping glyph ids ends at its last glyph: the longest is the base, the others' glyph
    # orders are the start of its.
    ranked = sorted(zip(programs, fonts), key=lambda pair: -len(pair[0].getGlyphOrder()))
    programs, fonts = [program for program, _ in ranked], [font for _, font in ranked]
    first = programs[0]
    order = first.getGlyphOrder()
    # A code is a glyph id, the base's glyph of that id: WeasyPrint's subsets keep the ids and end at
    # the last glyph they show, so each is the start of the font's glyph order. (A glyph's name is
    # no test: a TrueType subset's names are its post table's, or made up from its ids.)
    if any(code >= len(order) for font in fonts for code in codes[font.objgen]):
        return None
    have = set(codes[fonts[0].objgen])
    try:
        if "CFF " in first:
            merged = _merged_cff(first, programs, fonts, codes, have, order)
        elif "glyf" in first:
            merged = _merged_truetype(first, programs, fonts, codes, have, order)
        else:
            return None
        return (fonts, merged) if merged is not None else None
    except (KeyError, IndexError, AttributeError, AssertionError) as exc:
        log.debug("fonts left apart: %s", exc)
    return None


def _name(code: int) -> str:
    return f"cid{code:05d}" if code else ".notdef"


def _merged_cff(first, programs, fonts, codes, have: set, order):
    top = first["CFF "].cff.topDictIndex[0]
    keyed = hasattr(top, "FDArray")  # CID-keyed: each glyph's font dict (its hints) goes with it
    if keyed:
        indexes = {fd.FontName: number for number, fd in enumerate(top.FDArray)}
    charstrings = top.CharStrings
    for program, font in zip(programs[1:], fonts[1:]):
        other = program["CFF "].cff.topDictIndex[0]
        if hasattr(other, "FDArray") != keyed:
            return None
        for gid in sorted(codes[font.objgen] - have):
            name = order[gid]
            charstrings[name] = other.CharStrings[name]
            if keyed:  # the subsets keep the font dicts they use, in their own order: matched by name
                fd = other.FDArray[other.FDSelect[program.getGlyphID(name)]]
                if fd.FontName not in indexes:
                    top.FDArray.append(fd)
                    indexes[fd.FontName] = len(top.FDArray) - 1
                top.FDSelect[gid] = indexes[fd.FontName]
        have |= codes[font.objgen]
    return first


def _merged_truetype(first, programs, fonts, codes, have: set, order):
    """The glyphs of the other subsets copied into ``first`` by glyph id: each subset names its
    glyphs its own way (from its cmap, or after their ids), so a glyph, and each component of a
    composite one, is found by its id and stored under the name ``first`` gives that id."""
    glyf, hmtx = first["glyf"], first["hmtx"]
    for program, font in zip(programs[1:], fonts[1:]):
        names = program.getGlyphOrder()
        wanted = sorted(codes[font.objgen] - have)
        while wanted:
            gid = wanted.pop()
            glyph = program["glyf"][names[gid]]
            if glyph.isComposite():  # its components, where ``first`` has none
                for component in glyph.components:
                    part = program.getGlyphID(component.glyphName)
                    component.glyphName = order[part]
                    if not glyf[order[part]].numberOfContours and not glyf[order[part]].isComposite():
                        wanted.append(part)
            glyf[order[gid]] = glyph
            hmtx[order[gid]] = program["hmtx"][names[gid]]
        have |= codes[font.objgen]
    return first


def _store_program(pdf, font, program) -> None:
    out = io.BytesIO()
    program.save(out)
    descriptor = font.DescendantFonts[0].FontDescriptor
    if "/FontFile3" in descriptor:
        descriptor.FontFile3 = _stream(pdf, out.getvalue(), Subtype="/OpenType")
    else:
        descriptor.FontFile2 = _stream(pdf, out.getvalue(), Length1=out.tell())


def _merge_widths(first, others) -> None:
    import pikepdf

    widths = {}
    for font in (*others, first):
        widths.update(_widths(font.DescendantFonts[0]))
    entries = []
    for cid in sorted(widths):
        width = widths[cid]
        entries += [cid, pikepdf.Array([int(width) if float(width).is_integer() else width])]
    first.DescendantFonts[0].W = pikepdf.Array(entries)


def _merge_to_unicode(pdf, first, others) -> None:
    """One ToUnicode CMap with every code → text pair of ``first`` and ``others``."""
    import re

    pairs: dict[str, str] = {}
    for font in (*others, first):
        if "/ToUnicode" in font:
            text = font.ToUnicode.read_bytes().decode("latin-1")
            for block in re.findall(r"beginbfchar(.*?)endbfchar", text, re.S):
                pairs.update(re.findall(r"<([0-9a-fA-F]+)>\s*<([0-9a-fA-F]+)>", block))
    if not pairs:
        return
    items = sorted(pairs.items(), key=lambda item: int(item[0], 16))
    blocks = []
    for start in range(0, len(items), 100):  # a CMap block holds at most 100 entries
        chunk = items[start:start + 100]
        blocks.append(f"{len(chunk)} beginbfchar\n" + "".join(f"<{code}> <{text}>\n" for code, text in chunk)
                      + "endbfchar\n")
    cmap = ("/CIDInit /ProcSet findresource begin\n12 dict begin\nbegincmap\n/CIDSystemInfo\n"
            "<< /Registry (Adobe)\n/Ordering (UCS)\n/Supplement 0\n>> def\n/CMapName /Adobe-Identity-UCS def\n"
            "/CMapType 2 def\n1 begincodespacerange\n<0000> <ffff>\nendcodespacerange\n" + "".join(blocks)
            + "endcmap\nCMapName currentdict /CMap defineresource pop\nend\nend")
    first.ToUnicode = _stream(pdf, cmap.encode("latin-1"))


def _repoint(pdf, replaced: dict) -> None:
    """Every page's and form's font resource that is one of ``replaced`` made its replacement."""
    for fonts in _font_dicts(pdf):
        for name, font in list(fonts.items()):
            if font.objgen in replaced:
                fonts[name] = replaced[font.objgen]


__all__ = ["fonts_in_use", "ids_are_cids", "is_cid_subset", "merge_fonts", "shrink_fonts"]
