"""One PDF from a book's parts laid out apart (diglot/parts.py): pages, structure, outline, links, folios.

In: the PDF of the front matter (title page and contents), the PDF of each further part (a
chapter), where blank pages go (a chapter that starts on a right-hand page), and a PDF of the
folios (one page per page of the book). Out: the book's PDF as one render would make it. The
front matter's catalogue (language, metadata, viewer preferences) is the book's; the other
parts' pages follow it. WeasyPrint tags each page's content under one Document element, page by
page, so their structure trees join as they are: the Document's kids one after the other, the
ParentTree renumbered (pages first, then the link annotations, as WeasyPrint numbers them), table
header IDs made unique. The outlines are joined into one, the named destinations into one name
tree, where each anchor is that of the part holding it (a part only linking to it held a stand-in,
diglot.pdf.write_pdf_part); each part's fonts are merged with the other parts' subsets of the same
face (diglot.pdffonts.merge_fonts). Folios are drawn on their pages as pagination artifacts.
"""

from __future__ import annotations

import io
import json
import warnings
from dataclasses import dataclass

PART_KEY = "/DiglotPart"


@dataclass(frozen=True)
class PartInfo:
    """What the join learns of one part's PDF."""

    pages: int
    anchors: dict[str, int]  # anchor → its page in the part (0-based); stand-ins left out
    folios: list[list[str]]  # per page: the page-counter margin boxes it had (@bottom-center)


def part_info(data: bytes) -> PartInfo:
    import pikepdf

    with pikepdf.open(io.BytesIO(data)) as pdf:
        info = json.loads(str(pdf.Root[PART_KEY]))
        borrowed = set(info["borrowed"])
        pages = {page.objgen: number for number, page in enumerate(pdf.pages)}
        anchors = {}
        if "/Names" in pdf.Root and "/Dests" in pdf.Root.Names:
            for name, dest in pikepdf.NameTree(pdf.Root.Names.Dests).items():
                if name not in borrowed:
                    anchors[str(name)] = pages[dest[0].objgen]
        return PartInfo(len(pdf.pages), anchors, info["folios"])


def join(front: bytes, parts: list[bytes], blanks: set[int], folios: bytes | None) -> bytes:
    """The book: ``front``'s pages then each part's; a blank page before part ``i`` (1-based,
    counting the front as 0) for each ``i`` in ``blanks``; ``folios``' page ``n`` drawn on page ``n``."""
    import pikepdf

    from .pdffonts import merge_fonts

    out = pikepdf.open(io.BytesIO(front))
    sources = [pikepdf.open(io.BytesIO(data)) for data in parts]
    try:
        joined = _Joined(out)
        joined.add(out, 0, own=True)
        for number, source in enumerate(sources, start=1):
            if number in blanks:
                joined.add_blank()
            joined.add(source, number)
        joined.finish()
        if folios is not None:
            with pikepdf.open(io.BytesIO(folios)) as layer:
                _draw_folios(out, layer)
        merge_fonts(out)
        if PART_KEY in out.Root:
            del out.Root[PART_KEY]
        buffer = io.BytesIO()
        out.save(buffer, deterministic_id=True, compress_streams=True, fix_metadata_version=False,
                 object_stream_mode=pikepdf.ObjectStreamMode.generate)
        return buffer.getvalue()
    finally:
        for source in sources:
            source.close()
        out.close()


class _Joined:
    """The book being put together in ``out`` (the front matter's PDF)."""

    def __init__(self, out):
        import pikepdf

        self.out = out
        self.tagged = "/StructTreeRoot" in out.Root
        self.page_nums: list = []  # per page of the book: its ParentTree entry (struct elems by MCID)
        self.annotations: list = []  # (annotation, its struct elem), in order
        self.dests: dict[str, object] = {}  # anchor → destination, from the part holding it
        self.stand_ins: dict[str, object] = {}  # anchor → a part's stand-in, if no part holds it
        self.outline: list = []
        if self.tagged:
            self.document = out.Root.StructTreeRoot.K[0]
            self.kids = pikepdf.Array()

    def add(self, source, number: int, own: bool = False) -> None:
        import pikepdf

        info = json.loads(str(source.Root[PART_KEY]))
        borrowed = set(info["borrowed"])
        tree = _parent_tree(source) if self.tagged else {}
        if self.tagged and not own:
            _detach(source, number)
        first = len(self.out.pages)
        if not own:
            with warnings.catch_warnings():  # (named destinations are joined below, by _Joined itself)
                warnings.simplefilter("ignore", pikepdf.PageCopyWarning)
                self.out.pages.extend(source.pages)
        pages = list(self.out.pages)[first:] if not own else list(self.out.pages)
        copy = (lambda obj: obj) if own else (lambda obj: _copy(self.out, obj))
        source_pages = list(source.pages)
        for page, original in zip(pages, source_pages):
            key = original.obj.get("/StructParents")
            entry = tree.get(int(key)) if key is not None else None
            entry = copy(entry) if entry is not None else pikepdf.Array()
            if not own:
                _reattach(entry, self.document)
            self.page_nums.append(entry)
            for annot, original_annot in zip(page.obj.get("/Annots", []), original.obj.get("/Annots", [])):
                parent = original_annot.get("/StructParent")
                if parent is not None and int(parent) in tree:
                    element = copy(tree[int(parent)])
                    if not own:
                        _reattach([element], self.document)
                    self.annotations.append((annot, element))
        if self.tagged:
            for kid in source.Root.StructTreeRoot.K[0].K:
                kid = copy(kid)
                kid.P = self.document
                self.kids.append(kid)
        names = source.Root.get("/Names", {}).get("/Dests")
        for name, dest in (pikepdf.NameTree(names).items() if names is not None else ()):
            name = str(name)
            target = self.stand_ins if name in borrowed else self.dests
            if name not in target:
                target[name] = _copy_dest(dest, copy)
        if "/Outlines" in source.Root:
            self.outline += _outline_items(source.Root.Outlines, copy)

    def add_blank(self) -> None:
        """A page left blank (a chapter starts on the right): as WeasyPrint writes one."""
        import pikepdf

        last = self.out.pages[-1].obj
        height = float(last.MediaBox[3]) - float(last.MediaBox[1])
        page = pikepdf.Dictionary(Type=pikepdf.Name.Page, MediaBox=last.MediaBox, Resources=pikepdf.Dictionary())
        for box in ("/TrimBox", "/BleedBox"):
            if box in last:
                page[box] = last[box]
        if "/Tabs" in last:
            page.Tabs = last.Tabs
        content = f"1 0 0 -1 0 {height:f} cm\nq\n0.75 0 0 0.75 0 0 cm\nQ".encode()
        page.Contents = self.out.make_stream(content)
        self.out.pages.append(pikepdf.Page(page))
        self.page_nums.append(pikepdf.Array())

    def finish(self) -> None:
        import pikepdf

        out = self.out
        if self.tagged:
            self.document.K = self.kids
            nums = pikepdf.Array()
            for number, (page, entry) in enumerate(zip(out.pages, self.page_nums)):
                page.obj.StructParents = number
                nums.extend([number, out.make_indirect(entry) if not entry.is_indirect else entry])
            for key, (annot, element) in enumerate(self.annotations, start=len(self.page_nums)):
                annot.StructParent = key
                nums.extend([key, element])
            out.Root.StructTreeRoot.ParentTree = out.make_indirect(pikepdf.Dictionary(Nums=nums))
        dests = {**self.stand_ins, **self.dests}
        if dests:
            tree = pikepdf.NameTree.new(out)
            for name in sorted(dests):
                tree[name] = dests[name]
            if "/Names" not in out.Root:
                out.Root.Names = pikepdf.Dictionary()
            out.Root.Names.Dests = tree.obj
        if self.outline:
            out.Root.Outlines = _write_outline(out, self.outline)


def _parent_tree(pdf) -> dict[int, object]:
    """The ParentTree's entries (WeasyPrint writes a flat /Nums)."""
    import pikepdf

    tree = pdf.Root.StructTreeRoot.ParentTree
    return {int(key): value for key, value in pikepdf.NumberTree(tree).items()}


def _detach(source, number: int) -> None:
    """Ready ``source``'s structure elements to be copied into another PDF: none refers to its
    Document (or the copy would bring its whole structure tree along: the kids point up to it,
    and so do the elements of the running heads, which WeasyPrint maps but leaves out of the
    tree), and its table header IDs are prefixed with the part's number (IDs are per PDF)."""
    document = source.Root.StructTreeRoot.K[0]
    seen: set = set()
    stack = list(document.K) + [element for entry in _parent_tree(source).values()
                                for element in (entry if hasattr(entry, "append") else [entry])]
    prefix = f"p{number}-"
    while stack:
        element = stack.pop()
        if not hasattr(element, "get") or element.objgen in seen:
            continue
        seen.add(element.objgen)
        if element.get("/Type") != "/StructElem":
            continue
        parent = element.get("/P")
        if parent is not None and parent.objgen == document.objgen:
            del element["/P"]
        elif parent is not None:
            stack.append(parent)  # (an element of the running heads is reached from its kids)
        if "/ID" in element:
            element.ID = prefix + str(element.ID)
        attributes = element.get("/A")
        if attributes is not None and hasattr(attributes, "get") and "/Headers" in attributes:
            attributes.Headers = [prefix + str(header) for header in attributes.Headers]
        kids = element.get("/K")
        if kids is not None and hasattr(kids, "append"):
            stack.extend(kids)
        elif kids is not None and hasattr(kids, "get"):
            stack.append(kids)


def _reattach(elements, document) -> None:
    """The copied ``elements``' topmost ancestors, whose parent was a part's Document (see
    _detach), get the book's."""
    for element in elements:
        while hasattr(element, "get") and element.get("/Type") == "/StructElem":
            parent = element.get("/P")
            if parent is None:
                element.P = document
                break
            if parent.objgen == document.objgen:
                break
            element = parent


def _copy(out, obj):
    """``obj`` of another PDF in ``out``: an indirect object copied (once: the copies of what it
    refers to are shared), a direct array element by element."""
    import pikepdf

    if not isinstance(obj, pikepdf.Object):
        return obj  # a number, a boolean: a value, not an object
    if obj.is_indirect:
        return out.copy_foreign(obj)
    if isinstance(obj, pikepdf.Array):
        return pikepdf.Array([_copy(out, item) for item in obj])
    if isinstance(obj, pikepdf.Dictionary):
        return pikepdf.Dictionary({key: _copy(out, value) for key, value in obj.items()})
    return obj


def _copy_dest(dest, copy):
    """An explicit destination ([page /XYZ x y zoom]) of another PDF, its page that page's copy."""
    import pikepdf

    return pikepdf.Array([copy(dest[0]), *dest[1:]])


def _outline_items(outlines, copy) -> list:
    """A PDF outline as (title, destination, children, open) items, destinations copied."""
    import pikepdf

    items = []
    item = outlines.get("/First")
    while item is not None:
        title = pikepdf.String(bytes(item.Title))
        items.append((title, _copy_dest(item.Dest, copy), _outline_items(item, copy), int(item.get("/Count", 0)) >= 0))
        item = item.get("/Next")
    return items


def _write_outline(out, items, parent=None):
    """The outline dictionaries of ``items``, linked as WeasyPrint links them (pdf/anchors.py,
    add_outlines); returns the outline root (or, below it, the list of items and their count)."""
    import pikepdf

    made, count = [], len(items)
    for title, dest, children, is_open in items:
        outline = out.make_indirect(pikepdf.Dictionary(Title=title, Dest=dest))
        below, below_count = _write_outline(out, children, outline) if children else ([], 0)
        outline.Count = below_count if is_open else -below_count
        if is_open:
            count += below_count
        if made:
            outline.Prev = made[-1]
            made[-1].Next = outline
        if below:
            outline.First, outline.Last = below[0], below[-1]
        if parent is not None:
            outline.Parent = parent
        made.append(outline)
    if parent is not None:
        return made, count
    root = out.make_indirect(pikepdf.Dictionary(Count=count, First=made[0], Last=made[-1]))
    for outline in made:
        outline.Parent = root
    return root


# --- folios -----------------------------------------------------------------------------------

def _draw_folios(out, layer) -> None:
    """Each page of ``layer`` drawn over the book's page of the same number, as a pagination
    artifact, its resources added to the page's under names of their own."""
    import pikepdf

    done: set = set()
    for page, folio in zip(out.pages, layer.pages):
        operations = list(pikepdf.parse_content_stream(folio))
        if not any(str(operator) in ("Tj", "TJ", "'", '"') for _operands, operator in operations):
            continue
        resources = folio.obj.get("/Resources", pikepdf.Dictionary())
        renamed = _renamed(resources)
        own = page.obj.get("/Resources")
        if own is None:
            own = page.obj.Resources = pikepdf.Dictionary()
        if own.objgen == (0, 0) or own.objgen not in done:
            done.add(own.objgen)
            for category, names in renamed.items():
                if category not in own:
                    own[category] = pikepdf.Dictionary()
                for old, new in names.items():
                    own[category][new] = _copy(out, resources[category][old])
        flat = {old: new for names in renamed.values() for old, new in names.items()}
        kept = []
        for operands, operator in operations:
            if str(operator) in ("BDC", "BMC", "EMC"):
                continue  # the layer's own tags: the folio is an artifact here
            kept.append(([pikepdf.Name(flat[str(o)]) if isinstance(o, pikepdf.Name) and str(o) in flat else o
                          for o in operands], operator))
        drawing = pikepdf.unparse_content_stream(kept)
        page.contents_add(out.make_stream(b"q\n"), prepend=True)
        page.contents_add(out.make_stream(b"\nQ\n/Artifact <</Type /Pagination>> BDC\nq\n" + drawing
                                          + b"\nQ\nEMC\n"), prepend=False)


def _renamed(resources) -> dict[str, dict[str, str]]:
    """Category (/Font …) → the layer's resource name → a name no page of the book uses."""
    renamed: dict[str, dict[str, str]] = {}
    for category in ("/Font", "/ExtGState", "/ColorSpace", "/Pattern", "/Shading", "/XObject"):
        entries = resources.get(category)
        if entries is not None:
            renamed[category] = {str(name): f"/DgFolio{category[1:]}{str(name)[1:]}" for name in entries.keys()}
    return renamed


__all__ = ["PartInfo", "join", "part_info"]
