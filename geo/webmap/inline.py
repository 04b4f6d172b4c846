"""Vendored assets as text to put inside a page's ``<script>`` or ``<style>`` element.

For: the self-contained page (``geo.webmap``) and offline folium maps (``geo.webmap.offline``).
The images a stylesheet names become ``data:`` URIs, and a text that could end its element
early is refused.  It never reads anything outside geo/assets and never fetches anything.
"""

from __future__ import annotations

import base64
import functools
import posixpath
import re
from urllib.parse import urlsplit

from geo import basemap

MEDIA_TYPES = {".png": "image/png", ".svg": "image/svg+xml"}
"""The files a vendored stylesheet may name, by extension: they are inlined as ``data:`` URIs."""

_CSS_URL = re.compile(r"""url\(\s*(['"]?)([^'")]*)\1\s*\)""")
_ENDS_ELEMENT = re.compile(r"</(script|style)|<!--", re.IGNORECASE)


@functools.cache
def inline_text(relpath: str) -> str:
    """The vendored asset ``relpath`` ready to inline: CSS images as data: URIs; never able to close its element.

    Raises ValueError if the text holds ``</script``, ``</style`` or ``<!--``, or if a stylesheet
    names a file that is not a vendored image (``MEDIA_TYPES``) beside it.
    """
    text = basemap.asset_text(relpath)
    if relpath.endswith(".css"):
        text = _CSS_URL.sub(lambda match: _inlined_url(relpath, match), text)
    if _ENDS_ELEMENT.search(text):
        raise ValueError(f"asset {relpath} contains text that would end its element early")
    return text


def data_uri(relpath: str) -> str:
    """The vendored image ``relpath`` (one of ``MEDIA_TYPES``) as a base64 ``data:`` URI."""
    media_type = MEDIA_TYPES[posixpath.splitext(relpath)[1].lower()]
    return f"data:{media_type};base64,{base64.b64encode(basemap.asset_bytes(relpath)).decode('ascii')}"


def _inlined_url(stylesheet: str, match: re.Match) -> str:
    target = match.group(2)
    if target.startswith(("data:", "#")):  # already inline; "#default#VML" is an old IE behaviour, not a file
        return match.group(0)
    if urlsplit(target).scheme or posixpath.splitext(target)[1].lower() not in MEDIA_TYPES:
        raise ValueError(f"asset {stylesheet} names {target!r}, which is not a vendored image beside it")
    return f"url({data_uri(posixpath.join(posixpath.dirname(stylesheet), target))})"
