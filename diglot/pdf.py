"""HTML + CSS → PDF with WeasyPrint: the only module that imports it.

WeasyPrint would fetch any URL it meets (file://, http://) and embed
``rel=attachment`` targets; our fetcher serves files below the allowed roots
and refuses everything else, recording what it refused.
"""

from __future__ import annotations

import logging
from pathlib import Path
from urllib.parse import unquote, urlparse

log = logging.getLogger("diglot.pdf")


def _fetcher_class():
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    class ConfinedFetcher(URLFetcher):
        """Serve ``file:`` URLs below ``roots``; refuse the network and the rest of the disk."""

        def __init__(self, roots: list[Path]):
            super().__init__(allowed_protocols=("file",), allow_redirects=False)
            self.roots = [root.resolve() for root in roots]
            self.refused: list[str] = []

        def fetch(self, url, headers=None):
            parsed = urlparse(url)
            path = Path(unquote(parsed.path)).resolve() if parsed.scheme == "file" else None
            if path is None or not any(path.is_relative_to(root) for root in self.roots) or not path.is_file():
                self.refused.append(url)
                log.warning("refused to fetch %s (only files inside the project are used)", url)
                raise ValueError(f"Diglot refused to fetch {url}")
            return URLFetcherResponse(url, path.read_bytes())

    return ConfinedFetcher


def write_pdf(html: str, stylesheets: list[Path], base_dir: Path, roots: list[Path], *,
              variant: str | None = "pdf/ua-1", **options) -> tuple[bytes, list[str]]:
    """Render ``html`` to PDF bytes; return them and the URLs that were refused."""
    from weasyprint import CSS, HTML

    fetcher = _fetcher_class()(roots)
    document = HTML(string=html, base_url=str(base_dir) + "/", url_fetcher=fetcher)
    css = [CSS(string=path.read_text(encoding="utf-8"), base_url=str(path.parent) + "/", url_fetcher=fetcher)
           for path in stylesheets]
    pdf = document.write_pdf(stylesheets=css, pdf_variant=variant, **options)
    return pdf, fetcher.refused


def weasyprint_version() -> str:
    import weasyprint

    return weasyprint.__version__


def warm_up() -> None:
    """Import WeasyPrint and load the CJK and Latin faces once (worker start-up)."""
    from weasyprint import HTML

    HTML(string='<p lang="zh-Hans" style="font-family: \'Noto Serif CJK SC\'">网络</p>'
                '<p lang="zh-Hant" style="font-family: \'Noto Serif CJK TC\'">網路</p>'
                '<p lang="en" style="font-family: \'Noto Serif\'">Net</p>').write_pdf()
