// A box that scrolls sideways (a wide table, the timeline, a chart on a phone) must be
// reachable by keyboard, or its hidden columns are out of reach (WCAG 2.1.1; axe-core:
// scrollable-region-focusable). Each such box that actually scrolls becomes a named region
// in the tab order; the arrow keys then scroll it. Checked again when the window resizes.
(function () {
  "use strict";
  var SELECTOR = ".table-scroll, .timeline__scroll, .chart-figure__scroll";

  function label(box) {
    var caption = box.querySelector("caption");
    var section = box.closest("section");
    var heading = section && section.querySelector("h2, h3");
    var name = caption ? caption.textContent : heading ? heading.textContent : "Tabelle";
    return name.trim() + " (waagerecht scrollbar)";
  }

  function mark() {
    document.querySelectorAll(SELECTOR).forEach(function (box) {
      if (box.hasAttribute("data-kim-static")) {
        return;
      }
      if (box.hasAttribute("tabindex") && !box.hasAttribute("data-kim-scroll")) {
        box.setAttribute("data-kim-static", "");  // the template made it focusable itself
        return;
      }
      var scrolls = box.scrollWidth > box.clientWidth + 1;
      if (scrolls) {
        box.setAttribute("data-kim-scroll", "");
        box.setAttribute("tabindex", "0");
        box.setAttribute("role", "region");
        box.setAttribute("aria-label", label(box));
      } else if (box.hasAttribute("data-kim-scroll")) {
        box.removeAttribute("data-kim-scroll");
        box.removeAttribute("tabindex");
        box.removeAttribute("role");
        box.removeAttribute("aria-label");
      }
    });
  }

  // The browser tests call it after changing the window's width.
  window.kimMarkScrollRegions = mark;
  window.addEventListener("resize", mark);
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", mark);
  } else {
    mark();
  }
})();
