"""Figures' images: checked where the source names them, sanitized before any output holds them.

An image is a file of the project's source folder (PNG, JPEG, WebP, GIF or SVG), decoded by
Pillow (raster) or lxml (SVG) to prove it is what its name says. A language's own variant
sits beside it (chart.zh-Hant.png beside chart.png). SVG is rewritten from an allowlist: no
scripts, no event handlers, no references outside the file. Nothing is ever fetched.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from .errors import DiglotError

#: Extension → media type of the images Diglot publishes (EPUB 3.3 core media types).
MEDIA_TYPES = {".png": "image/png", ".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".gif": "image/gif",
               ".webp": "image/webp", ".svg": "image/svg+xml"}
#: Pillow's format name for each raster extension.
_FORMATS = {".png": "PNG", ".jpg": "JPEG", ".jpeg": "JPEG", ".gif": "GIF", ".webp": "WEBP"}
MAX_IMAGE_BYTES = 20_000_000
MAX_IMAGE_PIXELS = 100_000_000
_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:")


@dataclass(frozen=True)
class Image:
    """One figure's image: its path under the source folder, and each language's own variant."""

    src: str  # posix path relative to the source folder
    media_type: str
    width: int  # pixels (SVG: its viewport in CSS px, 0 when it has none)
    height: int
    variants: tuple[tuple[str, str], ...] = ()  # (BCP 47 tag, path relative to the source folder)

    def for_language(self, lang: str) -> str:
        """The file an edition in ``lang`` shows: its own variant, else the image itself."""
        return dict(self.variants).get(lang, self.src)

    @property
    def files(self) -> tuple[str, ...]:
        return (self.src, *(path for _lang, path in self.variants))


class ImageCheck:
    """Checks the images one document names, against the project's source folder."""

    def __init__(self, source_root: Path, document: Path):
        self.root = source_root.resolve()
        self.folder = document.parent

    def check(self, src: str, line: int) -> Image:
        """The image ``src`` (relative to the document) names, or a DiglotError saying why not."""
        path = self._locate(src)
        media_type = _check_file(path, src)
        width, height = _dimensions(path, src)
        rel = path.resolve().relative_to(self.root).as_posix()
        return Image(rel, media_type, width, height, self._variants(path))

    def _locate(self, src: str) -> Path:
        from urllib.parse import unquote

        target = unquote(src.strip())
        if _SCHEME.match(target) or target.startswith("//"):
            raise DiglotError(f"image {src!r}: figures are files of the project (e.g. images/chart.png); "
                              "Diglot fetches nothing from the network")
        if not target or target.startswith("/") or "\\" in target:
            raise DiglotError(f"image {src!r}: write a path relative to the document, e.g. images/chart.png")
        path = self.folder / target
        resolved = path.resolve()
        if not resolved.is_relative_to(self.root):
            where = "is a symbolic link out of" if path.is_symlink() else "lies outside"
            raise DiglotError(f"image {src!r} {where} the source folder; figures must be files under source/")
        if not resolved.exists():
            raise DiglotError(f"image {src!r}: no such file")
        if not resolved.is_file():
            raise DiglotError(f"image {src!r}: not a regular file")
        return path

    def _variants(self, path: Path) -> tuple[tuple[str, str], ...]:
        """chart.zh-Hant.png beside chart.png: the same figure for one language."""
        from .languages import language

        found = []
        for other in sorted(path.parent.glob(f"{path.stem}.*{path.suffix}")):
            tag = other.name[len(path.stem) + 1: -len(path.suffix)]
            try:
                tag = language(tag).tag
            except DiglotError:
                continue
            resolved = other.resolve()
            if not resolved.is_relative_to(self.root) or not resolved.is_file():
                raise DiglotError(f"image variant {other.name!r} is not a file under source/")
            _check_file(other, other.name)
            found.append((tag, resolved.relative_to(self.root).as_posix()))
        return tuple(found)


def _check_file(path: Path, src: str) -> str:
    suffix = path.suffix.lower()
    if suffix not in MEDIA_TYPES:
        raise DiglotError(f"image {src!r}: {suffix or 'no extension'} is not an image Diglot publishes "
                          f"(allowed: {', '.join(sorted(set(MEDIA_TYPES)))})")
    size = path.stat().st_size
    if size > MAX_IMAGE_BYTES:
        raise DiglotError(f"image {src!r} is {size:,} bytes; the limit is {MAX_IMAGE_BYTES:,}")
    if suffix == ".svg":
        sanitize_svg(path.read_bytes(), src)
    else:
        _check_raster(path, src, _FORMATS[suffix])
    return MEDIA_TYPES[suffix]


def _check_raster(path: Path, src: str, expected: str) -> None:
    from PIL import Image as Pillow, UnidentifiedImageError

    try:
        with Pillow.open(path) as image:
            found = image.format
            if image.width * image.height > MAX_IMAGE_PIXELS:
                raise DiglotError(f"image {src!r} has {image.width}×{image.height} pixels; the limit is "
                                  f"{MAX_IMAGE_PIXELS:,}")
            image.verify()
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
        raise DiglotError(f"image {src!r} is not a readable image: it is damaged or not what its name "
                          "says") from None
    if found != expected:
        raise DiglotError(f"image {src!r} is a {found} file, not the {expected} its name says")


def _dimensions(path: Path, src: str) -> tuple[int, int]:
    if path.suffix.lower() == ".svg":
        root = _svg_tree(path.read_bytes(), src)
        width, height = (_css_px(root.get(name)) for name in ("width", "height"))
        if not (width and height) and root.get("viewBox"):
            parts = [float(p) for p in re.split(r"[\s,]+", root.get("viewBox").strip())[2:4]]
            width, height = (int(p) for p in parts)
        return width, height
    from PIL import Image as Pillow

    with Pillow.open(path) as image:
        return image.width, image.height


def _css_px(value: str | None) -> int:
    match = re.fullmatch(r"\s*([\d.]+)\s*(px)?\s*", value or "")
    return int(float(match.group(1))) if match else 0


# --- SVG --------------------------------------------------------------------------------------------

SVG_NS = "http://www.w3.org/2000/svg"
XLINK_NS = "http://www.w3.org/1999/xlink"
#: Elements an SVG figure may hold: shapes, text, paint servers, filters. No script, foreignObject,
#: animation (which can set a link to javascript:), nor external content.
SVG_ELEMENTS = frozenset("""svg g defs symbol use path rect circle ellipse line polyline polygon text tspan
textPath title desc metadata linearGradient radialGradient stop clipPath mask pattern marker filter style
feBlend feColorMatrix feComponentTransfer feComposite feConvolveMatrix feDiffuseLighting feDisplacementMap
feDistantLight feDropShadow feFlood feFuncA feFuncB feFuncG feFuncR feGaussianBlur feImage feMerge
feMergeNode feMorphology feOffset fePointLight feSpecularLighting feSpotLight feTile feTurbulence image
switch view""".split())
#: Elements that show what their href names: kept only with a reference inside the file.
_NEEDS_HREF = frozenset(("image", "use", "feImage", "textPath"))
_URL = re.compile(r"url\(\s*(['\"]?)(.*?)\1\s*\)", re.I)


def _svg_tree(data: bytes, src: str):
    from lxml import etree

    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False,
                             remove_pis=True, remove_comments=True)
    try:
        root = etree.fromstring(data, parser)
    except etree.XMLSyntaxError as exc:
        raise DiglotError(f"image {src!r} is not well-formed SVG: {exc}") from None
    if root.tag != f"{{{SVG_NS}}}svg":
        raise DiglotError(f"image {src!r} is not an SVG image (its root element is {root.tag!r})")
    return root


@lru_cache(maxsize=64)
def sanitize_svg(data: bytes, src: str = "image") -> bytes:
    """The SVG with only allowlisted elements and attributes: nothing that runs or fetches."""
    from lxml import etree

    root = _svg_tree(data, src)
    for element in list(root.iter()):
        if not isinstance(element.tag, str):
            continue
        namespace, _, name = element.tag[1:].partition("}") if element.tag.startswith("{") else ("", "", element.tag)
        if namespace != SVG_NS or name not in SVG_ELEMENTS:
            element.getparent().remove(element)
            continue
        for attribute, value in list(element.attrib.items()):
            if not _safe_attribute(attribute, value):
                del element.attrib[attribute]
        if name in _NEEDS_HREF and not any(a.rsplit("}", 1)[-1] == "href" for a in element.attrib):
            element.getparent().remove(element)  # its only reference led outside the file
            continue
        if name == "style" and element.text:
            element.text = _safe_css(element.text)
    etree.cleanup_namespaces(root, top_nsmap={None: SVG_NS, "xlink": XLINK_NS})
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


def _safe_attribute(attribute: str, value: str) -> bool:
    name = attribute.rsplit("}", 1)[-1].lower()
    namespace = attribute[1:].split("}", 1)[0] if attribute.startswith("{") else ""
    if namespace not in ("", XLINK_NS, "http://www.w3.org/XML/1998/namespace"):
        return False
    if name.startswith("on"):
        return False
    if name == "href":
        return value.strip().startswith("#") or bool(re.match(r"data:image/(png|jpeg|gif|webp)[;,]", value.strip()))
    return not any(not target.startswith("#") for _q, target in _URL.findall(value)) \
        and not re.search(r"javascript:|expression\s*\(", value, re.I)


def _safe_css(css: str) -> str:
    css = re.sub(r"@import[^;]*;?", "", css, flags=re.I)
    return _URL.sub(lambda m: m.group(0) if m.group(2).startswith("#") else "none", css)


def image_bytes(source_root: Path, rel: str) -> bytes:
    """What an output holds of an image: the file, SVG sanitized."""
    path = source_root / rel
    data = path.read_bytes()
    return sanitize_svg(data, rel) if path.suffix.lower() == ".svg" else data
