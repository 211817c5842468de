"""Radio buttons and checkboxes in forced colors (Windows High Contrast and the like) as
assertions: not selected, selected, focused, and selected and focused must each look different.

Forced colors replace the page's colours with a few system ones and drop shadows, so a state
drawn with a background or a shadow can vanish. Computed styles cannot tell what is left, so
this takes a picture of one control of each kind in each state and compares what is drawn:

- focus must change at least as much as a 2 CSS px ring around the control would (the size
  WCAG 2.4.13 asks of a focus indicator), whether or not the control is selected;
- selection must change the control itself (the tile, the box or its mark), not only what is
  drawn around it, where a ring would read as focus;
- and no two states may look alike.

"What is drawn" is how much of each colour there is, not where: a ring that only moves out by
two pixels when a selected tile gets the focus is the same ring to a person, and to this test.
States are set without events (no click, no real focus) so the page's script, and its autosave,
see nothing. Pillow reads the pictures; it comes with WeasyPrint.
"""

from __future__ import annotations

import io
from collections import Counter
from itertools import combinations
from typing import TYPE_CHECKING, Any

import pytest
from PIL import Image

if TYPE_CHECKING:
    from playwright.sync_api import CDPSession, Page

CONTROLS = "input[type=radio], input[type=checkbox]"
MARK = 16  # CSS px²: the least a selection may change in the control, a 4 px square
RING = 2  # CSS px: the focus ring's least thickness, over the control's perimeter
MARGIN = 8  # CSS px around the control, where a focus ring is drawn
INSET = 4  # CSS px inside its edge, out of reach of a ring drawn along a rounded corner

# One enabled control of each kind: a kind is how it is drawn (its type, and the classes of the
# box that shows it). The box that shows an invisible input is the element after it. Its look
# adds what else decides the style: the page's style sheets, the body's class, the width.
SAMPLES = """(selector) => {
  const sheets = [...document.styleSheets].map((s) => s.href && new URL(s.href).pathname);
  const page = `${sheets.join(" ")} body.${document.body.className} at ${innerWidth}px`;
  const seen = new Map();
  document.querySelectorAll(selector).forEach((input, index) => {
    if (input.disabled || !input.getClientRects().length) { return; }
    const hidden = getComputedStyle(input).opacity === "0";
    const shown = hidden ? input.nextElementSibling : input;
    if (!shown) { return; }
    const name = (e) => [e.tagName.toLowerCase(), ...e.classList].join(".");
    const kind = `${input.type} shown as ${name(shown)} in ${name(input.parentElement)}`;
    if (!seen.has(kind)) { seen.set(kind, {kind, index, hidden, look: `${kind} | ${page}`}); }
  });
  return [...seen.values()];
}"""

# Clears the control's group (its radio buttons; a checkbox is its own), brings it into view and
# returns where to look: the shown box, and that box with its label and a margin for a ring.
PREPARE = """([selector, index, hidden, margin]) => {
  const input = document.querySelectorAll(selector)[index];
  const group = input.type !== "radio" || !input.name ? [input]
    : [...document.getElementsByName(input.name)]
      .filter((e) => e.type === "radio" && e.form === input.form);
  window.__forcedColorsSaved = group.map((e) => [e, e.checked]);
  group.forEach((e) => { e.checked = false; });
  const shown = hidden ? input.nextElementSibling : input;
  shown.scrollIntoView({block: "center", inline: "center"});
  const box = shown.getBoundingClientRect();
  const boxes = [box, ...[...input.labels].map((l) => l.getBoundingClientRect())];
  const left = Math.max(0, Math.min(...boxes.map((b) => b.left)) - margin);
  const top = Math.max(0, Math.min(...boxes.map((b) => b.top)) - margin);
  const right = Math.min(innerWidth, Math.max(...boxes.map((b) => b.right)) + margin);
  const bottom = Math.min(innerHeight, Math.max(...boxes.map((b) => b.bottom)) + margin);
  return {
    shown: {x: box.left - left, y: box.top - top, width: box.width, height: box.height},
    clip: {x: left, y: top, width: right - left, height: bottom - top},
  };
}"""

SET_CHECKED = """([selector, index, checked]) => {
  document.querySelectorAll(selector)[index].checked = checked;
}"""
RESTORE = """() => {
  (window.__forcedColorsSaved || []).forEach(([e, checked]) => { e.checked = checked; });
  delete window.__forcedColorsSaved;
}"""

STATES = ("not selected", "focused", "selected", "selected and focused")


Colours = Counter[Any]


def _colours(png: bytes, box: tuple[int, int, int, int] | None = None) -> Colours:
    """How many pixels of each colour, at 8 levels a channel so that smoothing does not count."""
    image = Image.open(io.BytesIO(png)).convert("RGB")
    if box is not None:
        image = image.crop(box)
    image = image.point(lambda level: level & 0xE0)
    return Counter({colour: count for count, colour in image.getcolors(image.width * image.height)})


def _change(a: Colours, b: Colours) -> float:
    """How many pixels would have to change colour to turn one picture into the other."""
    return sum(abs(a[c] - b[c]) for c in a.keys() | b.keys()) / 2


def _node_ids(cdp: CDPSession) -> list[int]:
    root = cdp.send("DOM.getDocument", {"depth": 0})["root"]["nodeId"]
    ids: list[int] = cdp.send("DOM.querySelectorAll", {"nodeId": root, "selector": CONTROLS})[
        "nodeIds"
    ]
    return ids


def _pictures(page: Page, cdp: CDPSession, node: int, sample: dict[str, Any]) -> dict[str, Any]:
    args = [CONTROLS, sample["index"], sample["hidden"], MARGIN]
    where = page.evaluate(PREPARE, args)
    shots: dict[str, bytes] = {}
    try:
        for checked in (False, True):
            page.evaluate(SET_CHECKED, [CONTROLS, sample["index"], checked])
            for focused in (False, True):
                forced = ["focus", "focus-visible"] if focused else []
                cdp.send("CSS.forcePseudoState", {"nodeId": node, "forcedPseudoClasses": forced})
                state = STATES[2 * checked + focused]
                shots[state] = page.screenshot(
                    clip=where["clip"], scale="css", animations="disabled", caret="hide"
                )
    finally:
        cdp.send("CSS.forcePseudoState", {"nodeId": node, "forcedPseudoClasses": []})
        page.evaluate(RESTORE)
    return {"where": where, "shots": shots}


def _judge(kind: str, where: dict[str, Any], shots: dict[str, bytes]) -> list[str]:
    shown = where["shown"]
    # Inside the control, clear of its rounded corners, where a ring around it can reach.
    inset = min(INSET, min(shown["width"], shown["height"]) / 5)
    box = (
        round(shown["x"] + inset),
        round(shown["y"] + inset),
        round(shown["x"] + shown["width"] - inset),
        round(shown["y"] + shown["height"] - inset),
    )
    ring = RING * 2 * (shown["width"] + shown["height"])
    whole = {state: _colours(png) for state, png in shots.items()}
    inside = {state: _colours(png, box) for state, png in shots.items()}
    problems = []
    for plain, focused in (STATES[0:2], STATES[2:4]):
        change = _change(whole[plain], whole[focused])
        if change < ring:
            problems.append(
                f"{kind}: {focused} looks almost like {plain} ({change:.0f} px changed; "
                f"a {RING} px ring around it would change {ring:.0f})"
            )
    for plain, selected in ((STATES[0], STATES[2]), (STATES[1], STATES[3])):
        change = _change(inside[plain], inside[selected])
        if change < MARK:
            problems.append(
                f"{kind}: {selected} differs from {plain} only around the control, not in it "
                f"({change:.0f} px changed inside; at least {MARK} needed)"
            )
    for a, b in combinations(STATES, 2):
        change = _change(whole[a], whole[b])
        if change < MARK:
            problems.append(f"{kind}: {a} and {b} look the same ({change:.0f} px changed)")
    return problems


def forced_colors_problems(page: Page, seen: set[str] | None = None) -> list[str]:
    """What the comparison finds for each kind of radio button and checkbox on this page; with
    `seen`, only for looks not in it, which it then holds."""
    samples: list[dict[str, Any]] = page.evaluate(SAMPLES, CONTROLS)
    if seen is not None:
        samples = [s for s in samples if s["look"] not in seen]
        seen.update(s["look"] for s in samples)
    if not samples:
        return []
    problems: list[str] = []
    cdp = page.context.new_cdp_session(page)
    page.emulate_media(forced_colors="active")
    try:
        cdp.send("DOM.enable")
        cdp.send("CSS.enable")
        nodes = _node_ids(cdp)
        for sample in samples:
            pictures = _pictures(page, cdp, nodes[sample["index"]], sample)
            problems += _judge(sample["kind"], pictures["where"], pictures["shots"])
    finally:
        page.emulate_media(forced_colors="null")
        cdp.detach()
    return problems


# Looks already photographed in this run: the same control drawn by the same style sheets at the
# same width looks the same on every page, and each photograph costs a screenshot.
_seen: set[str] = set()


def assert_forced_colors(page: Page) -> None:
    """Fail when a kind of radio button or checkbox on the page, not yet checked in this run,
    shows two of its states alike in forced colors."""
    problems = forced_colors_problems(page, _seen)
    if problems:
        pytest.fail(
            f"forced colors: {len(problems)} problem(s) on {page.url}\n"
            + "\n".join(f"- {p}" for p in problems),
            pytrace=False,
        )
