"""The print-shop PDF: the reading PDF's pages, with bleed, a slug and crop marks for the printer.

Rendering the book a second time with CSS ``bleed`` and ``marks`` would cost a whole
WeasyPrint layout and could, in principle, break lines differently. Instead the
reading PDF is taken page by page (pikepdf): TrimBox is the paper, BleedBox the paper
and 3 mm of bleed on every side, MediaBox that and a slug around it (negative origin,
as WeasyPrint itself writes the boxes). Crop marks continue the trim lines in the slug,
starting where the bleed ends so that the bleed stays clear, as printers expect;
registration targets and a grey step bar can be added in the slug too. All marks are
tagged as pagination artifacts, so the PDF/UA structure is untouched. The two files
therefore have the same pages, lines and text; proof the one, print the other.

Diglot's books print nothing to the paper's edge, so the bleed stays empty.
"""

from __future__ import annotations

import io
from dataclasses import dataclass

MM = 72 / 25.4
#: Bleed on each side of the trimmed page, in points (3 mm).
BLEED = 3 * MM
#: The slug beyond the bleed, on each side: room for the marks (10 mm).
SLUG = 10 * MM
#: Crop marks: their length in the slug, and their stroke (points).
MARK_LENGTH = 5 * MM
MARK_WIDTH = 0.25
#: Registration target radius; grey steps of the colour bar (tints of black) and their size.
TARGET_RADIUS = 2.5 * MM
GREY_STEPS = (1.0, 0.75, 0.5, 0.25, 0.1)
STEP = 4 * MM


@dataclass(frozen=True)
class Marks:
    """What the slug carries besides the crop marks (both off unless a printer asks for them)."""

    registration: bool = False  # a target in the middle of each side, in the registration colour
    colour_bar: bool = False  # grey steps along the foot


def print_shop_pdf(reading: bytes, bleed: float = BLEED, slug: float = SLUG, marks: Marks = Marks()) -> bytes:
    """``reading`` with every page's boxes widened by ``bleed`` and ``slug`` and its marks drawn; same pages."""
    import pikepdf

    with pikepdf.open(io.BytesIO(reading)) as pdf:
        resources = _registration_colour(pdf) if marks.registration else None
        for page in pdf.pages:
            x0, y0, x1, y1 = (float(v) for v in page.trimbox)
            outer = bleed + slug
            page.obj.TrimBox = pikepdf.Array([x0, y0, x1, y1])
            page.obj.BleedBox = pikepdf.Array([x0 - bleed, y0 - bleed, x1 + bleed, y1 + bleed])
            page.obj.MediaBox = pikepdf.Array([x0 - outer, y0 - outer, x1 + outer, y1 + outer])
            if resources is not None:
                if "/ColorSpace" not in page.Resources:
                    page.Resources.ColorSpace = pikepdf.Dictionary()
                page.Resources.ColorSpace[_ALL] = resources
            # The page's own content may leave its coordinate system changed: isolate it first.
            page.contents_add(pdf.make_stream(b"q\n"), prepend=True)
            drawing = crop_marks(x0, y0, x1, y1, bleed)
            if marks.registration:
                drawing += registration_targets(x0, y0, x1, y1, bleed)
            if marks.colour_bar:
                drawing += grey_bar(x0, y0, x1, bleed)
            page.contents_add(pdf.make_stream(b"\nQ\n" + drawing), prepend=False)
        out = io.BytesIO()
        # deterministic_id: the same reading PDF always gives the same bytes (reproducible builds).
        pdf.save(out, deterministic_id=True)
        return out.getvalue()


def _artifact(operators: str) -> bytes:
    # A /Page artifact ("production aids extraneous to the document itself, such as cut marks":
    # ISO 32000-1, 14.8.2.2.2), outside the structure tree.
    return f"\nq /Artifact <</Type /Page>> BDC {operators} EMC Q\n".encode("ascii")


def crop_marks(x0: float, y0: float, x1: float, y1: float, bleed: float, length: float = MARK_LENGTH) -> bytes:
    """Content stream: at each corner, the two trim lines continued in the slug, from the bleed's
    outer edge outwards (the bleed itself stays clear)."""
    segments = []
    for x, outward_x in ((x0, -1), (x1, 1)):
        for y, outward_y in ((y0, -1), (y1, 1)):
            near_x, far_x = x + outward_x * bleed, x + outward_x * (bleed + length)
            near_y, far_y = y + outward_y * bleed, y + outward_y * (bleed + length)
            segments.append((near_x, y, far_x, y))  # the horizontal trim line, beside the page
            segments.append((x, near_y, x, far_y))  # the vertical trim line, above or below it
    lines = " ".join(f"{a:.3f} {b:.3f} m {c:.3f} {d:.3f} l" for a, b, c, d in segments)
    return _artifact(f"0 0 0 RG {MARK_WIDTH} w [] 0 d {lines} S")


#: Resource name of the registration colour (all separations at once).
_ALL = "/DiglotAll"


def _registration_colour(pdf):
    """/Separation /All, grey as its alternate (allowed whatever the PDF/A output intent)."""
    import pikepdf

    tint = pikepdf.Dictionary(FunctionType=2, Domain=[0, 1], C0=[1], C1=[0], N=1)
    return pdf.make_indirect(pikepdf.Array([pikepdf.Name.Separation, pikepdf.Name.All, pikepdf.Name.DeviceGray,
                                            tint]))


def registration_targets(x0: float, y0: float, x1: float, y1: float, bleed: float,
                         radius: float = TARGET_RADIUS) -> bytes:
    """A circle and cross in the middle of each side's slug, in the registration colour."""
    distance = bleed + MARK_LENGTH / 2 + radius
    centres = (((x0 + x1) / 2, y0 - distance), ((x0 + x1) / 2, y1 + distance),
               (x0 - distance, (y0 + y1) / 2), (x1 + distance, (y0 + y1) / 2))
    kappa = 0.5523 * radius  # Bézier approximation of a quarter circle
    shapes = []
    for cx, cy in centres:
        r, k = radius, kappa
        shapes.append(f"{cx + r:.3f} {cy:.3f} m {cx + r:.3f} {cy + k:.3f} {cx + k:.3f} {cy + r:.3f} {cx:.3f} {cy + r:.3f} c "
                      f"{cx - k:.3f} {cy + r:.3f} {cx - r:.3f} {cy + k:.3f} {cx - r:.3f} {cy:.3f} c "
                      f"{cx - r:.3f} {cy - k:.3f} {cx - k:.3f} {cy - r:.3f} {cx:.3f} {cy - r:.3f} c "
                      f"{cx + k:.3f} {cy - r:.3f} {cx + r:.3f} {cy - k:.3f} {cx + r:.3f} {cy:.3f} c "
                      f"{cx - 1.4 * r:.3f} {cy:.3f} m {cx + 1.4 * r:.3f} {cy:.3f} l "
                      f"{cx:.3f} {cy - 1.4 * r:.3f} m {cx:.3f} {cy + 1.4 * r:.3f} l")
    return _artifact(f"{_ALL} CS 1 SCN {MARK_WIDTH} w {' '.join(shapes)} S")


def grey_bar(x0: float, y0: float, x1: float, bleed: float) -> bytes:
    """Grey steps (tints of black) in the slug below the page, left of the centre."""
    top = y0 - bleed - (MARK_LENGTH - STEP) / 2
    start = x0 + (x1 - x0) / 4 - len(GREY_STEPS) * STEP / 2
    patches = " ".join(f"{1 - tint:.2f} g {start + i * STEP:.3f} {top - STEP:.3f} {STEP:.3f} {STEP:.3f} re f"
                       for i, tint in enumerate(GREY_STEPS))
    return _artifact(patches)


__all__ = ["BLEED", "SLUG", "Marks", "crop_marks", "grey_bar", "print_shop_pdf", "registration_targets"]
