/* The book's own script (site/mlp_site.py adds it to every page, deferred).
 *
 * 0. MathJax, loaded once the page has painted its text. site/mlp_site.py replaces
 *    its deferred <script> by <script id="mlp-mathjax"> (its address and integrity): a
 *    deferred MathJax (1.2 MB) is fetched together with the stylesheets the first paint
 *    waits for, and often runs before that paint. The math is typeset a frame later.
 * 1. The widget runtime, loaded late. A page with explorers names its widget state
 *    (<page>.widgets.json) and the scripts that render it (require.js, the ipywidgets
 *    HTML manager) in <script id="mlp-widget-runtime">; they load once an explorer
 *    comes within a screen or two of the viewport, or when the page is printed, so
 *    the text and math paint first and a reader who never reaches an explorer never
 *    downloads them. The state becomes the <script> the HTML manager reads.
 *    The HTML manager typesets widget labels with MathJax 2's MathJax.Hub.Queue; under
 *    MathJax 3 that object is missing, so it gets a Hub whose Queue hands
 *    ["Typeset", hub, element] to MathJax 3's typesetPromise.
 * 2. Names and values of the explorers' controls. ipywidgets draws a slider as a
 *    noUiSlider handle with role="slider", no name and the option's index as its
 *    value; each handle gets its visible label as name (aria-labelledby) and the
 *    shown value ("0.5") as aria-valuetext. A group of toggle buttons becomes a
 *    role="group" named by its label, and each button says whether it is selected
 *    (aria-pressed). Widgets render after the page has loaded and change when used,
 *    so this runs again whenever they do.
 */
(function () {
  "use strict";
  let counter = 0;
  let runtime = null; // the promise of the loaded widget runtime
  let mathjax = null; // the promise of MathJax, loaded and started

  // -- 0. MathJax ----------------------------------------------------------------------

  function loadScript(entry) {
    return new Promise(function (resolve, reject) {
      const script = document.createElement("script");
      script.src = entry.src;
      script.integrity = entry.integrity;
      script.onload = resolve;
      script.onerror = function () { reject(new Error("could not load " + entry.src)); };
      document.head.appendChild(script);
    });
  }

  function loadMathJax() {
    if (mathjax) return mathjax;
    const entry = document.getElementById("mlp-mathjax");
    mathjax = !entry ? Promise.resolve() : loadScript(JSON.parse(entry.textContent))
      .then(function () {
        const mj = window.MathJax;
        return mj && mj.startup && mj.startup.promise;
      });
    return mathjax;
  }

  function afterPaint(callback) {
    // Once the browser has recorded the first paint: the time a frame reached the
    // screen, which on a busy machine can come a little after the frame's rendering.
    // Without paint timing, a task after the next frame (a requestAnimationFrame
    // callback runs just before a paint; a task it queues runs after it).
    const types = (window.PerformanceObserver && PerformanceObserver.supportedEntryTypes) || [];
    if (types.indexOf("paint") < 0) {
      requestAnimationFrame(function () { setTimeout(callback, 0); });
      return;
    }
    const observer = new PerformanceObserver(function () {
      observer.disconnect();
      setTimeout(callback, 0);
    });
    observer.observe({type: "paint", buffered: true});
  }

  // -- 1. the widget runtime ---------------------------------------------------------

  function shimMathJax2() {
    const mj = window.MathJax;
    if (!mj || mj.Hub || typeof mj.typesetPromise !== "function") return;
    mj.Hub = {
      Queue: function () {
        Array.prototype.forEach.call(arguments, function (job) {
          if (Array.isArray(job) && job[0] === "Typeset" && job[2]) {
            mj.typesetPromise([job[2]]).catch(function (error) { console.warn(error); });
          }
        });
      },
    };
  }

  function loadState(url) {
    return fetch(url).then(function (response) {
      if (!response.ok) throw new Error("could not load " + url + ": " + response.status);
      return response.text();
    }).then(function (text) {
      const script = document.createElement("script");
      script.type = "application/vnd.jupyter.widget-state+json";
      script.textContent = text;
      document.body.appendChild(script);
    });
  }

  function loadWidgets() {
    if (runtime) return runtime;
    const list = document.getElementById("mlp-widget-runtime");
    if (!list) return Promise.resolve();
    const config = JSON.parse(list.textContent);
    runtime = Promise.all([loadState(config.state), loadMathJax()]).then(function () {
      shimMathJax2();
      return config.scripts.reduce(function (previous, entry) {
        return previous.then(function () { return loadScript(entry); });
      }, Promise.resolve());
    });
    return runtime;
  }
  window.mlpLoadWidgets = loadWidgets;

  function watchExplorers() {
    const views = document.querySelectorAll(
      'script[type="application/vnd.jupyter.widget-view+json"]');
    if (!views.length || !document.getElementById("mlp-widget-runtime")) return;
    window.addEventListener("beforeprint", loadWidgets);
    if (!("IntersectionObserver" in window)) { loadWidgets(); return; }
    const observer = new IntersectionObserver(function (entries) {
      if (entries.some(function (e) { return e.isIntersecting; })) {
        observer.disconnect();
        loadWidgets();
      }
    }, {rootMargin: "150% 0px"});
    views.forEach(function (view) { observer.observe(view.parentElement); });
  }

  // -- 2. names and values of the controls -----------------------------------------------

  function labelId(control) {
    const label = control.querySelector(":scope > .widget-label");
    if (!label || !label.textContent.trim()) return null;
    if (!label.id) label.id = "mlp-control-label-" + (++counter);
    return label.id;
  }

  function set(element, name, value) {
    if (element.getAttribute(name) !== value) element.setAttribute(name, value);
  }

  function nameControls(root) {
    root.querySelectorAll(".widget-slider, .widget-toggle-buttons").forEach(function (control) {
      const id = labelId(control);
      if (control.classList.contains("widget-toggle-buttons")) {
        const group = control.querySelector(".widget-toggle-buttons") || control;
        if (id) {
          set(group, "role", "group");
          set(group, "aria-labelledby", id);
        }
        group.querySelectorAll("button").forEach(function (button) {
          set(button, "aria-pressed", String(button.classList.contains("mod-active")));
        });
        return;
      }
      const readout = control.querySelector(".widget-readout");
      control.querySelectorAll("[role='slider']").forEach(function (handle) {
        if (id) set(handle, "aria-labelledby", id);
        if (readout && readout.textContent.trim()) {
          set(handle, "aria-valuetext", readout.textContent.trim());
        }
      });
    });
  }

  function start() {
    afterPaint(loadMathJax);
    watchExplorers();
    nameControls(document);
    let pending = false;
    new MutationObserver(function () {
      if (pending) return;
      pending = true;
      // Once per frame at most: the controls change in bursts.
      requestAnimationFrame(function () { pending = false; nameControls(document); });
    }).observe(document.body, {childList: true, subtree: true, characterData: true,
                               attributes: true, attributeFilter: ["class", "aria-valuenow"]});
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
