"""QR codes of survey links, for the check-out desk or a kiosk: an SVG drawn by segno (pure Python,
no dependencies, ISO/IEC 18004), inlined in the page so it needs no image request and no `data:` URL."""

from __future__ import annotations

import segno

# Level M restores up to about 15 % of damaged modules (ISO/IEC 18004): enough for a screen or a
# slightly creased print-out, while keeping a 60-character link at version 4 (33 x 33 modules).
ERROR_CORRECTION = "m"
SCALE = 6


def qr_svg(link: str) -> str:
    """An <svg> element (no XML declaration, no style attribute: the strict CSP allows it) of the link."""
    code = segno.make(link, error=ERROR_CORRECTION, micro=False)
    svg: str = code.svg_inline(scale=SCALE, dark="#000", light="#fff", border=4, svgclass="qr-code", lineclass="qr-line")
    return svg
