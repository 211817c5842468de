"""The checkers themselves: a page with known mistakes must fail, or a clean run means nothing."""

from __future__ import annotations

import re
import shutil

import pytest
from playwright.sync_api import Page

from . import checks
from .forced_colors import forced_colors_problems
from .layout import layout_problems


@pytest.fixture
def checkers_present() -> None:
    if not (checks.AXE.exists() and checks.VNU.exists() and shutil.which("java")):
        pytest.skip("needs node_modules (npm ci) and java")


@pytest.mark.usefixtures("checkers_present")
def test_axe_reports_an_image_without_alt_text(page: Page):
    page.goto("/login")
    page.evaluate(
        """() => {
            const img = document.createElement("img");
            img.src = "/static/clinic.css";
            document.querySelector("main").append(img);
        }"""
    )
    with pytest.raises(pytest.fail.Exception, match=r"image-alt \(critical\)[\s\S]*at img: <img"):
        checks.assert_accessible(page)


@pytest.mark.usefixtures("checkers_present")
def test_the_html_checker_reports_an_unclosed_element():
    broken = b'<!doctype html><html lang="en"><title>x</title><main><div></main>'
    with pytest.raises(pytest.fail.Exception, match="line 1.*Unclosed element “div”"):
        checks.assert_valid_html(broken, "broken.html")
    checks.assert_valid_html(b'<!doctype html><html lang="en"><title>x</title><p>fine</p>')


def _add(page: Page, html: str, css: str = "") -> None:
    """Put markup, and a style sheet for it, into the page (a constructed sheet: the CSP holds)."""
    page.evaluate(
        """([html, css]) => {
            document.querySelector("main").insertAdjacentHTML("beforeend", html);
            const sheet = new CSSStyleSheet();
            sheet.replaceSync(css);
            document.adoptedStyleSheets = [...document.adoptedStyleSheets, sheet];
        }""",
        [html, css],
    )


def test_reflow_reports_a_page_wider_than_320_px(page: Page):
    page.goto("/login")
    assert layout_problems(page) == []
    _add(page, '<p class="wide">wide</p>', ".wide { width: 400px; }")
    [problem] = layout_problems(page)
    assert problem.startswith("at 320px, the page scrolls sideways at 320px (")
    assert "p.wide reaches" in problem
    assert page.viewport_size == {"width": 1280, "height": 800}  # put back


def test_reflow_allows_a_data_table_to_scroll_in_its_box_and_nothing_else(page: Page):
    page.goto("/login")
    wide = ".scroll { overflow-x: auto; } .wide { width: 600px; }"
    _add(page, '<div class="scroll"><table class="wide"><tr><td>1</td></tr></table></div>', wide)
    assert layout_problems(page) == []
    _add(page, '<div class="scroll" id="words"><p class="wide">words</p></div>')
    assert layout_problems(page) == [
        "at 320px, main#main.wrap > div#words.scroll scrolls sideways but holds no data table"
    ]


def test_text_spacing_reports_text_out_of_its_box_overlapping_or_cut_off(page: Page):
    page.goto("/login")
    css = """
        .box { width: 8rem; }
        .pile { position: relative; height: 3rem; }
        .pile span { position: absolute; left: 0; top: 0; }
        .cut { overflow: hidden; height: 1.6rem; width: 6rem; }
    """
    # Each fits with the page's own spacing; the spacing WCAG 1.4.12 allows breaks them.
    _add(
        page,
        '<p class="box">Counselingroom</p>'
        '<div class="pile"><span>One</span><span>&nbsp;&nbsp;&nbsp;Two</span></div>'
        '<div class="cut"><p>Short words in a small box</p></div>',
        css,
    )
    problems = "\n".join(layout_problems(page))
    assert re.search(r'"Counselingroom" runs \d+px out of main#main.wrap > p.box', problems)
    assert '"One" in main#main.wrap > div.pile > span overlaps "Two"' in problems
    assert re.search(r'"\w+" is cut off by main#main.wrap > div.cut', problems)


def test_forced_colors_reports_a_selection_shown_only_by_a_ring(page: Page):
    page.goto("/login")
    assert forced_colors_problems(page) == []  # no radio buttons or checkboxes here
    # Like the partner's tiles before the fix: the input lies invisible over its label, and in
    # forced colors the chosen tile has only an outline, the focused one the same outline moved.
    css = """
        .tile { position: relative; display: inline-block; }
        .tile input { position: absolute; opacity: 0; inset: 0; margin: 0; }
        .tile span { display: block; padding: 1rem; border: 1px solid; }
        .tile input:focus-visible + span { outline: 3px solid; outline-offset: 2px; }
        .tile input:checked + span { background: teal; outline: 3px solid Highlight; }
    """
    _add(
        page, '<label class="tile"><input type="radio" name="t" id="t1"><span>1</span></label>', css
    )
    problems = forced_colors_problems(page)
    kind = "radio shown as span in label.tile"
    assert f"{kind}: selected and focused looks almost like selected" in "\n".join(problems)
    assert any(
        p.startswith(f"{kind}: selected differs from not selected only around") for p in problems
    )
    assert not page.locator("#t1").is_checked()  # put back as it was
    assert page.evaluate("matchMedia('(forced-colors: active)').matches") is False


def test_forced_colors_passes_a_native_checkbox(page: Page):
    page.goto("/login")
    _add(page, '<p><input type="checkbox" id="c1"> <label for="c1">Yes</label></p>')
    assert forced_colors_problems(page) == []
