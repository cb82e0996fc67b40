"""The print-shop PDF: the reading PDF's pages, with bleed and crop marks for the printer.

Rendering the book a second time with CSS ``bleed`` and ``marks`` would cost a whole
WeasyPrint layout and could, in principle, break lines differently. Instead the
reading PDF is taken page by page (pikepdf): MediaBox and BleedBox grow by the bleed
on every side (negative origin, as WeasyPrint itself writes them), TrimBox is the
paper, and crop marks are drawn in the bleed at the trim lines, tagged as pagination
artifacts so the PDF/UA structure is untouched. The two files therefore have the same
pages, lines and text; proof the one, print the other.

Diglot's books print nothing to the paper's edge, so the bleed stays empty.
"""

from __future__ import annotations

import io

#: Bleed on each side of the trimmed page, in points (3 mm).
BLEED = 3 * 72 / 25.4
#: Crop-mark stroke, in points.
MARK_WIDTH = 0.25


def print_shop_pdf(reading: bytes, bleed: float = BLEED) -> bytes:
    """``reading`` with every page's boxes widened by ``bleed`` and crop marks drawn; same pages."""
    import pikepdf

    with pikepdf.open(io.BytesIO(reading)) as pdf:
        for page in pdf.pages:
            x0, y0, x1, y1 = (float(v) for v in page.trimbox)
            media = pikepdf.Array([x0 - bleed, y0 - bleed, x1 + bleed, y1 + bleed])
            page.obj.TrimBox = pikepdf.Array([x0, y0, x1, y1])
            page.obj.MediaBox = media
            page.obj.BleedBox = media
            # The page's own content may leave its coordinate system changed: isolate it first.
            page.contents_add(pdf.make_stream(b"q\n"), prepend=True)
            page.contents_add(pdf.make_stream(b"\nQ\n" + crop_marks(x0, y0, x1, y1, bleed)), prepend=False)
        out = io.BytesIO()
        # deterministic_id: the same reading PDF always gives the same bytes (reproducible builds).
        pdf.save(out, deterministic_id=True)
        return out.getvalue()


def crop_marks(x0: float, y0: float, x1: float, y1: float, bleed: float) -> bytes:
    """Content stream: at each corner, the two trim lines extended into the bleed's outer half."""
    half = bleed / 2
    segments = []
    for x, outward_x in ((x0, -1), (x1, 1)):
        for y, outward_y in ((y0, -1), (y1, 1)):
            far_x, near_x = x + outward_x * bleed, x + outward_x * half
            far_y, near_y = y + outward_y * bleed, y + outward_y * half
            segments.append((far_x, y, near_x, y))  # the horizontal trim line, beside the page
            segments.append((x, far_y, x, near_y))  # the vertical trim line, above or below it
    lines = " ".join(f"{a:.3f} {b:.3f} m {c:.3f} {d:.3f} l" for a, b, c, d in segments)
    # A /Page artifact ("production aids extraneous to the document itself, such as cut marks":
    # ISO 32000-1, 14.8.2.2.2), outside the structure tree.
    return (f"q /Artifact <</Type /Page>> BDC 0 0 0 RG {MARK_WIDTH} w [] 0 d "
            f"{lines} S EMC Q").encode("ascii")


__all__ = ["BLEED", "crop_marks", "print_shop_pdf"]
