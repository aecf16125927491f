/* The book's own script (site/mlp_site.py adds it to every page).
 *
 * ipywidgets draws a slider as a noUiSlider handle with role="slider" and no name,
 * beside a visible <label> with the control's description. Each handle gets that
 * label as its accessible name (aria-labelledby); a group of toggle buttons becomes
 * a role="group" named by its label. Widgets render after the page has loaded, so
 * new ones are named as they appear.
 */
(function () {
  "use strict";
  let counter = 0;

  function labelId(control) {
    const label = control.querySelector(":scope > .widget-label");
    if (!label || !label.textContent.trim()) return null;
    if (!label.id) label.id = "mlp-control-label-" + (++counter);
    return label.id;
  }

  function nameControls(root) {
    root.querySelectorAll(".widget-slider, .widget-toggle-buttons").forEach(function (control) {
      const id = labelId(control);
      if (!id) return;
      if (control.classList.contains("widget-toggle-buttons")) {
        const group = control.querySelector(".widget-toggle-buttons");
        const target = group || control;
        target.setAttribute("role", "group");
        target.setAttribute("aria-labelledby", id);
        return;
      }
      control.querySelectorAll("[role='slider']").forEach(function (handle) {
        if (handle.getAttribute("aria-labelledby") !== id) handle.setAttribute("aria-labelledby", id);
      });
    });
  }

  function start() {
    nameControls(document);
    new MutationObserver(function (mutations) {
      if (mutations.some(function (m) { return m.addedNodes.length; })) nameControls(document);
    }).observe(document.body, {childList: true, subtree: true});
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
