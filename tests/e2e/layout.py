"""Reflow and text spacing (WCAG 1.4.10 and 1.4.12) as assertions on the page now shown: at the
tab's own size and again at 320 CSS px, the width of a phone held upright at 400 % zoom.

The work is done in the page by layout.js; this side resizes the tab and puts it back.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from playwright.sync_api import Page

SCRIPT = Path(__file__).with_name("layout.js").read_text(encoding="utf-8")
NARROW = 320  # CSS px, from WCAG 1.4.10


def layout_problems(page: Page) -> list[str]:
    """What reflow and text spacing find on this page, at its size and at 320 px wide."""
    size = page.viewport_size
    assert size is not None, "the tab has no fixed viewport to resize"
    problems = [f"at {size['width']}px, {p}" for p in page.evaluate(SCRIPT, {"spacing": True})]
    if size["width"] > NARROW:
        page.set_viewport_size({"width": NARROW, "height": size["height"]})
        try:
            found = page.evaluate(SCRIPT, {"spacing": True})
        finally:
            page.set_viewport_size(size)
        problems += [f"at {NARROW}px, {p}" for p in found]
    return problems


def assert_layout(page: Page) -> None:
    """Fail when the page scrolls sideways (other than a data table in its scroll box) or when,
    under WCAG text spacing, text runs out of its box, overlaps other text or is cut off."""
    problems = layout_problems(page)
    if problems:
        pytest.fail(
            f"layout: {len(problems)} problem(s) on {page.url}\n"
            + "\n".join(f"- {p}" for p in problems[:20])
            + (f"\n  ... and {len(problems) - 20} more" if len(problems) > 20 else ""),
            pytrace=False,
        )
