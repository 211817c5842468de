"""The checkers themselves: a page with known mistakes must fail, or a clean run means nothing."""

from __future__ import annotations

import shutil

import pytest
from playwright.sync_api import Page

from . import checks


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
