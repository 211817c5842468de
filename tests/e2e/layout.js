((options) => {
  /* Page layout checks that axe-core does not make, run in the page by tests/e2e/layout.py.
     One expression: a function of {spacing: boolean}; returns a list of problems in words.

     Reflow (WCAG 1.4.10): the page itself never scrolls sideways; an element that does must be
     a scroll container holding a data table.
     Text spacing (WCAG 1.4.12), with spacing: true: under the spacing a reader may set, no line
     of text runs out of its box, overlaps another line or is cut off. */
  "use strict";
  const spacing = Boolean(options.spacing);
  const TOLERANCE = 1; // CSS px: rounding, not layout
  const problems = [];

  const name = (element) => {
    let text = element.tagName.toLowerCase();
    if (element.id) { text += "#" + element.id; }
    for (const c of element.classList) { text += "." + c; }
    return text;
  };
  const where = (element) => {
    const parts = [];
    for (let e = element; e && e !== document.body && parts.length < 4; e = e.parentElement) {
      parts.unshift(name(e));
    }
    return parts.join(" > ");
  };
  const quote = (text) => JSON.stringify(text.trim().replace(/\s+/g, " ").slice(0, 50));

  // Hidden on purpose: the visually-hidden pattern (a clipped 1px box), opacity 0 (the partner's
  // inputs lie invisibly over their labels), visibility hidden.
  const hiddenCache = new Map();
  const hidden = (element) => {
    if (!element || element === document.documentElement) { return false; }
    if (hiddenCache.has(element)) { return hiddenCache.get(element); }
    const style = getComputedStyle(element);
    const box = element.getBoundingClientRect();
    const result = style.visibility === "hidden" || style.opacity === "0"
      || (style.overflow !== "visible" && (box.width <= 1 || box.height <= 1))
      || hidden(element.parentElement);
    hiddenCache.set(element, result);
    return result;
  };
  const scrolls = (style) => style.overflowX === "auto" || style.overflowX === "scroll";
  const clips = (value) => value === "hidden" || value === "clip";

  // -- Reflow ------------------------------------------------------------------------------------
  const root = document.scrollingElement;
  const width = root.clientWidth;
  if (root.scrollWidth > width + TOLERANCE) {
    // Name the outermost boxes that reach past the right edge outside any scroll container. In
    // one, only a positioned box can escape it (its containing block may lie outside).
    const culprits = [];
    const visit = (element, inScroller) => {
      const style = getComputedStyle(element);
      if (style.display === "none") { return; }
      const escapes = !inScroller || style.position === "absolute" || style.position === "fixed";
      if (escapes && element.getBoundingClientRect().right > width + TOLERANCE) {
        culprits.push(element);
        return;
      }
      const inside = inScroller || scrolls(style) || clips(style.overflowX);
      for (const child of element.children) { visit(child, inside); }
    };
    visit(document.body, false);
    const blame = culprits.map((e) => `${where(e)}${hidden(e) ? " (visually hidden)" : ""}`
      + ` reaches ${Math.round(e.getBoundingClientRect().right)}px`);
    problems.push(`the page scrolls sideways at ${width}px (${root.scrollWidth}px wide): `
      + ([...new Set(blame)].slice(0, 4).join("; ") || "no single box to blame"));
  }
  for (const element of document.body.querySelectorAll("*")) {
    if (element.matches("input, textarea, select")) { continue; } // fields scroll their own text
    const style = getComputedStyle(element);
    if (!scrolls(style) || element.scrollWidth <= element.clientWidth + TOLERANCE) { continue; }
    if (!element.querySelector("table")) {
      problems.push(`${where(element)} scrolls sideways but holds no data table`);
    }
  }
  if (!spacing) { return problems; }

  // -- Text spacing ------------------------------------------------------------------------------
  // Constructed, not a <style> element: the app's Content-Security-Policy stays on.
  const sheet = new CSSStyleSheet();
  sheet.replaceSync(`
    *, *::before, *::after { line-height: 1.5 !important; letter-spacing: 0.12em !important;
      word-spacing: 0.16em !important; }
    p { margin-bottom: 2em !important; }`);
  document.adoptedStyleSheets = [...document.adoptedStyleSheets, sheet];
  hiddenCache.clear();
  try {
    // Not laid out as text on the page (an SVG's title and desc are lower case in the DOM).
    const NOT_TEXT = new Set(
      ["SCRIPT", "STYLE", "NOSCRIPT", "TEXTAREA", "OPTION", "title", "desc"]);
    const blockOf = (element) => {
      for (let e = element; e; e = e.parentElement) {
        const display = getComputedStyle(e).display;
        if (display !== "inline" && display !== "contents") { return e; }
      }
      return document.body;
    };
    // Every word on the page, as the boxes the browser lays its glyphs in (a word broken over
    // lines has one a line). Words, not whole lines: a space at the end of a line may hang past
    // its box, and no one reads a space.
    const words = [];
    const range = document.createRange();
    const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      const element = node.parentElement;
      if (!node.data.trim() || !element || NOT_TEXT.has(element.tagName) || hidden(element)) {
        continue;
      }
      // Letter spacing follows every letter, the last one too: that much blank may hang over.
      const trailing = parseFloat(getComputedStyle(element).letterSpacing) || 0;
      for (const match of node.data.matchAll(/\S+/g)) {
        range.setStart(node, match.index);
        range.setEnd(node, match.index + match[0].length);
        for (const box of range.getClientRects()) {
          if (box.width < 0.5 || box.height < 0.5 || box.right <= 0) { continue; } // off-screen
          words.push({ node, element, box, word: match[0], trailing });
        }
      }
    }
    const past = (w, outer) => Math.max(outer.left - w.box.left,
      w.box.right - w.trailing - outer.right, outer.top - w.box.top, w.box.bottom - outer.bottom);

    const reported = new Set();
    for (const w of words) {
      // A chart's labels are placed by coordinates inside their drawing, not laid out in boxes.
      if (reported.has(w.node) || w.element.closest("svg")) { continue; }
      const block = blockOf(w.element);
      const over = past(w, block.getBoundingClientRect());
      if (over > TOLERANCE) {
        reported.add(w.node);
        problems.push(`with text spacing, ${quote(w.word)} runs ${Math.round(over)}px out of `
          + `${where(block)}: ${quote(w.node.data)}`);
        continue;
      }
      for (let a = block.parentElement; a && a !== document.body; a = a.parentElement) {
        const style = getComputedStyle(a);
        const outer = a.getBoundingClientRect();
        const cutX = clips(style.overflowX)
          && Math.max(outer.left - w.box.left, w.box.right - w.trailing - outer.right) > TOLERANCE;
        const cutY = clips(style.overflowY)
          && Math.max(outer.top - w.box.top, w.box.bottom - outer.bottom) > TOLERANCE;
        if (cutX || cutY) {
          reported.add(w.node);
          problems.push(`with text spacing, ${quote(w.word)} is cut off by ${where(a)}: `
            + quote(w.node.data));
          break;
        }
      }
    }
    const pairs = new Set();
    words.sort((p, q) => p.box.top - q.box.top);
    for (let i = 0; i < words.length; i++) {
      const p = words[i];
      for (let j = i + 1; j < words.length && words[j].box.top < p.box.bottom - TOLERANCE; j++) {
        const q = words[j];
        if (q.node === p.node) { continue; }
        const across = Math.min(p.box.right - p.trailing, q.box.right - q.trailing)
          - Math.max(p.box.left, q.box.left);
        const down = Math.min(p.box.bottom, q.box.bottom) - Math.max(p.box.top, q.box.top);
        if (across > TOLERANCE && down > TOLERANCE && !pairs.has(p.node) && !pairs.has(q.node)) {
          pairs.add(p.node);
          pairs.add(q.node);
          problems.push(`with text spacing, ${quote(p.word)} in ${where(p.element)} overlaps `
            + `${quote(q.word)} in ${where(q.element)}`);
        }
      }
    }
  } finally {
    document.adoptedStyleSheets = document.adoptedStyleSheets.filter((s) => s !== sheet);
  }
  return problems;
})
