"""What a summary PDF may fetch while it is laid out: data: URLs and the project's own font
files, nothing else (no disk, no network); everything else is refused and counted."""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit
from urllib.request import DataHandler, Request, url2pathname

from .. import ROOT

FONTS_DIR = ROOT / "clinic" / "static" / "fonts"


def _font_path(url: str) -> Path | None:
    """The shipped font file a file: URL names, or None when it is anything else."""
    parts = urlsplit(url)
    if parts.scheme.lower() != "file" or parts.netloc not in ("", "localhost") or parts.query:
        return None
    try:
        path = Path(url2pathname(unquote(parts.path))).resolve(strict=True)
    except (OSError, RuntimeError, ValueError):
        return None
    fonts = FONTS_DIR.resolve()
    if not path.is_relative_to(fonts) or not path.is_file():
        return None
    if path.suffix.lower() not in (".ttf", ".otf", ".woff", ".woff2"):
        return None
    return path


@functools.cache
def _fetcher_class() -> type:
    """The locked-down fetcher class, built on first use so WeasyPrint loads only then."""
    from weasyprint import URLFetcher
    from weasyprint.urls import URLFetcherResponse

    class LockedFetcher(URLFetcher):  # type: ignore[misc]  # WeasyPrint is untyped
        """Serves data: URLs and the project's own font files; refuses and counts the rest.

        Nothing goes through urllib's openers (proxies, redirects, FTP): data: URLs are decoded
        here and font files read here.
        """

        def __init__(self) -> None:
            super().__init__(timeout=1, allowed_protocols=("data", "file"), allow_redirects=False)
            self.refused: list[str] = []
            self.served: list[str] = []

        def fetch(self, url: str, headers: Any = None) -> Any:
            scheme = url.split(":", 1)[0].lower() if ":" in url else ""
            if scheme == "data":
                response = DataHandler().data_open(Request(url))
                self.served.append("data:")
                return URLFetcherResponse(
                    "data:", body=response.read(), headers=dict(response.headers.items())
                )
            path = _font_path(url) if scheme == "file" else None
            if path is not None:
                self.served.append(path.name)
                kind = path.suffix.lower().lstrip(".")
                return URLFetcherResponse(
                    path.as_uri(), body=path.read_bytes(), headers={"Content-Type": f"font/{kind}"}
                )
            self.refused.append(url[:200])
            raise ValueError("summaries fetch nothing: refused " + url[:80])

    return LockedFetcher


def make_fetcher() -> Any:
    """A fresh locked-down fetcher; its .refused and .served lists tell what was asked for."""
    return _fetcher_class()()
