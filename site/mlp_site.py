"""Sphinx extension of the book: a self-contained, fast site, accessible theme fixes.

Every script, font and stylesheet a page loads is served from the built site
itself, never from a CDN:

- require.js and the ipywidgets HTML manager and MathJax 3 (``mathjax_path``, its
  loader) come from the npm packages pinned in ``site/package.json`` (``npm ci`` in
  ``site/``, run by ``make book``) and are copied into ``_static/vendor/`` of the
  build, each loaded with the sha256 integrity of its file (MathJax's loader fetches
  its components and fonts from beside itself, without one);
- the HTML manager's bundled Font Awesome stylesheet asks for its font files at
  ``@jupyter-widgets/html-manager/dist/<hash>.woff2`` relative to the page, so they
  are copied there, beside every page that shows widgets.

Pages paint their text first, then their math, then the widget runtime, which they may
never need:

- MathJax (1.2 MB of script) is not in the ``<head>`` either: ``mlp-book.js`` loads it
  once the page has painted its text (:func:`load_mathjax_after_paint`), so it neither
  shares the bandwidth with the stylesheets the first paint waits for nor runs before
  that paint (Lighthouse then counted all of it into the largest contentful paint);
  its components load as separate scripts (``MATHJAX_COMPONENTS``), so that no single
  task blocks the main thread for long;
- MathJax typesets only the math near the viewport, the rest as the reader scrolls or
  prints (its ``ui/lazy`` extension, ``mathjax3_config``);

- the widget runtime (require.js and the 4.4 MB ``embed-amd.js``) is not in the
  ``<head>``: ``site/static/mlp-book.js`` loads it once an explorer comes near the
  viewport (or the page is printed), from the list in ``<script id="mlp-widget-runtime">``,
  and first gives it the MathJax 2 call it makes (``MathJax.Hub.Queue``) on top of MathJax 3;
- the widget state (up to 0.9 MB of JSON, the explorers' pictures) moves from the
  ``<head>`` to a file beside the page, ``<page>.widgets.json``, which mlp-book.js
  fetches with the runtime and hands to it as the ``<script>`` it reads;
- ``site/templates/layout.html`` drops the theme's ``fontawesome.js`` (its stylesheet
  already draws the icons with the Font Awesome web font) and defers the search scripts;
  every other external script is deferred too (:func:`defer_scripts`);
- sphinx-thebe, which Jupyter Book always loads and this book never uses, is switched
  off (its inline script was added twice and threw on every page).

Fixes of generated markup (:func:`fix_page_markup`), so the pages are valid HTML and
pass axe: bibliography entries as list items (docutils writes the deprecated
``role="doc-biblioentry"`` in a ``role="list"``); MyST-NB's toggles of hidden cells
name themselves by their visible text and hold no ``<p>`` in their ``<summary>``;
sphinx-exercise's ``exercise-content``/``solution-content`` ids made unique; no list
inside a ``<p>`` (napoleon's "Returns" of several values in the reference); one
``<meta name="viewport">``; a ``<meta name="description">`` per page (its first
paragraph).

It also adds the book's templates (``site/templates``), its favicon, its stylesheet and
script (``site/static``: no cut-off equations or code, contrast, dark mode and print,
names and values of the explorers' controls), a default colour mode ("auto", the
reader's system setting) and the chapter PDF in the download menu (``make book``
prints it, ``site/chapter_pdf.py``).
"""

import base64
import hashlib
import html
import json
import re
import shutil
from pathlib import Path

from docutils import nodes

SITE = Path(__file__).resolve().parent
NODE_MODULES = SITE / "node_modules"
VENDOR = "vendor"  # inside _static
#: The chapter PDF at the site's root (site/chapter_pdf.py, run by make book).
CHAPTER_PDF = "neural-network-math-review.pdf"

#: (package, file or folder inside it, where it goes inside _static/vendor)
VENDOR_FILES = [
    ("requirejs", "require.js", "requirejs/require.js"),
    ("@jupyter-widgets/html-manager", "dist/embed-amd.js", "html-manager/embed-amd.js"),
    # MathJax's loader (startup.js) and the components it loads, each its own script
    # (MATHJAX_COMPONENTS), relative to itself.
    ("mathjax", "es5/startup.js", "mathjax/startup.js"),
    ("mathjax", "es5/core.js", "mathjax/core.js"),
    ("mathjax", "es5/input/tex.js", "mathjax/input/tex.js"),
    ("mathjax", "es5/output/chtml.js", "mathjax/output/chtml.js"),
    ("mathjax", "es5/output/chtml/fonts", "mathjax/output/chtml/fonts"),
    ("mathjax", "es5/input/tex/extensions", "mathjax/input/tex/extensions"),
    ("mathjax", "es5/a11y", "mathjax/a11y"),
    ("mathjax", "es5/sre", "mathjax/sre"),
    ("mathjax", "es5/ui", "mathjax/ui"),
    ("mathjax", "es5/adaptors", "mathjax/adaptors"),
]
#: What tex-chtml.js bundles into one 1.2 MB script (startup and core come with them),
#: and the lazy typesetting. As separate scripts each runs as a task of its own; the one
#: task of tex-chtml.js blocks the main thread for 140-250 ms (Lighthouse, 2 busy cores).
MATHJAX_COMPONENTS = ["input/tex", "output/chtml", "ui/menu", "a11y/assistive-mml", "ui/lazy"]
HTML_MANAGER_DIST = ("@jupyter-widgets/html-manager", "dist")
#: Where the HTML manager's stylesheet looks for its fonts, relative to the page.
HTML_MANAGER_FONTS = "@jupyter-widgets/html-manager/dist"
FONT_SUFFIXES = {".woff", ".woff2", ".ttf", ".eot", ".svg"}
WIDGET_STATE_TYPE = "application/vnd.jupyter.widget-state+json"
#: The widget state of ``<page>.html`` is ``<page>.widgets.json`` beside it.
WIDGET_STATE_SUFFIX = ".widgets.json"


def _source(package, path):
    source = NODE_MODULES / package / path
    if not source.exists():
        raise FileNotFoundError(
            f"{source} is missing: run `npm ci` in site/ (make book does it)")
    return source


def integrity(path):
    """The ``sha256-...`` subresource integrity of a file."""
    digest = hashlib.sha256(Path(path).read_bytes()).digest()
    return "sha256-" + base64.b64encode(digest).decode("ascii")


def _vendor_uri(target):
    return f"{VENDOR}/{target}"


def widget_runtime():
    """``[(path inside _static, integrity)]``: the scripts that render the widgets, in order.

    No widget module is loaded from a CDN: embed-amd.js bundles base, controls and
    output, the only ones the pages use."""
    return [(_vendor_uri(target), integrity(_source(package, path)))
            for package, path, target in VENDOR_FILES[:2]]


def configure(app, config):
    """Local MathJax with its integrity; no widget script in the <head>; the book's
    templates, static files, favicon and default colour mode."""
    _, _, (package, path, target) = VENDOR_FILES[:3]
    # MyST-NB would put require.js and embed-amd.js, synchronous, into the <head> of
    # every page with widgets; mlp-book.js loads them when an explorer is near.
    config.nb_ipywidgets_js = {}
    config.mathjax_path = _vendor_uri(target)
    config.mathjax_options = {**config.mathjax_options,
                              "integrity": integrity(_source(package, path))}
    # MathJax typesets the math near the viewport, and the rest as the reader scrolls
    # or prints (its ui/lazy extension): a long page no longer blocks for all of it.
    mathjax3 = dict(config.mathjax3_config or {})
    mathjax3["loader"] = {**mathjax3.get("loader", {}), "load": MATHJAX_COMPONENTS}
    config.mathjax3_config = mathjax3
    config.templates_path = [str(SITE / "templates"), *config.templates_path]
    config.html_static_path = [*config.html_static_path, str(SITE / "static")]
    config.html_favicon = str(SITE / "static" / "favicon.svg")
    # pydata-sphinx-theme logs an error when no mode is stored or set.
    config.html_context = {**config.html_context, "default_mode": "auto"}
    # One search entry point: the field in the sidebar (on a phone, the button in the
    # article's header), not a second field in a header bar of its own.
    config.html_theme_options = {**config.html_theme_options, "navbar_persistent": []}


def switch_off_thebe(app):
    """Disconnect sphinx-thebe (loaded by Jupyter Book, unused here) and drop its stylesheet."""
    for listeners in app.events.listeners.values():
        for listener in list(listeners):
            if getattr(listener.handler, "__module__", "") == "sphinx_thebe":
                app.disconnect(listener.id)
    app.registry.css_files = [(name, attributes) for name, attributes in app.registry.css_files
                              if name != "sphinx-thebe.css"]


def copy_vendor_files(app, exception):
    """Copy the vendor files into ``_static/vendor`` and the widget fonts beside the pages."""
    if exception is not None or app.builder.format != "html":
        return
    static = Path(app.outdir) / "_static" / VENDOR
    for package, path, target in VENDOR_FILES:
        source, destination = _source(package, path), static / target
        destination.parent.mkdir(parents=True, exist_ok=True)
        if source.is_dir():
            shutil.copytree(source, destination, dirs_exist_ok=True)
        else:
            shutil.copyfile(source, destination)
    fonts = [f for f in _source(*HTML_MANAGER_DIST).iterdir() if f.suffix in FONT_SUFFIXES]
    metadata = getattr(app.env, "nb_metadata", {})
    widget_dirs = {Path(app.outdir, docname).parent for docname, data in metadata.items()
                   if "ipywidgets_state" in data.get("js_files", {})}
    for folder in widget_dirs:
        (folder / HTML_MANAGER_FONTS).mkdir(parents=True, exist_ok=True)
        for font in fonts:
            shutil.copyfile(font, folder / HTML_MANAGER_FONTS / font.name)


# -- the page's markup --------------------------------------------------------------------

SUMMARY_PARAGRAPHS = re.compile(
    r'<summary( aria-label="Toggle hidden content")?>\s*'
    r'<p class="collapsed admonition-title">(.*?)</p>\s*'
    r'<p class="expanded admonition-title">(.*?)</p>\s*</summary>', re.S)
REPEATED_IDS = re.compile(r'id="(exercise-content|solution-content)"')
DOCUTILS_VIEWPORT = re.compile(r'\s*<meta name="viewport"[^>]*>')
#: napoleon's "Returns" with several values: a list inside a <p>, which HTML closes early.
LIST_IN_PARAGRAPH = re.compile(r'<p>\s*(<ul class="simple">.*?</ul>)\s*</p>', re.S)


def _summary(match):
    """A toggle's <summary> with its two captions as spans (no <p> allowed in it), named by
    its visible text rather than aria-label "Toggle hidden content"."""
    return (f'<summary><span class="collapsed admonition-title">{match.group(2)}</span>'
            f'<span class="expanded admonition-title">{match.group(3)}</span></summary>')


def _unique_ids(body):
    count = {}

    def number(match):
        name = match.group(1)
        count[name] = count.get(name, 0) + 1
        return f'id="{name}-{count[name]}"'

    return REPEATED_IDS.sub(number, body)


def description(doctree, limit=160):
    """The page's first paragraph of prose as plain text, at most ``limit`` characters."""
    if doctree is None:
        return ""
    for paragraph in doctree.findall(nodes.paragraph):
        if paragraph.next_node(nodes.Admonition, ascend=False) or any(
                isinstance(parent, (nodes.Admonition, nodes.table, nodes.list_item))
                for parent in _parents(paragraph)):
            continue
        text = " ".join(paragraph.astext().split())
        if len(text) < 40:
            continue
        if len(text) > limit:
            text = text[:limit - 1].rsplit(" ", 1)[0].rstrip(",;:") + "…"
        return text
    return ""


def _parents(node):
    while node.parent is not None:
        node = node.parent
        yield node


#: The theme's toggle of a navigation entry with sub-pages (section 3): a <summary> with
#: only a decorative chevron in it, which has no accessible name without a label.
NAV_TOGGLE = re.compile(r'(<a class="(?:current )?reference internal" href="[^"]*">([^<]*)</a>'
                        r'<details(?: open="open")?><summary)>')


def _named_nav_toggles(generate_toctree_html):
    """The theme's sidebar with each sub-page toggle named after its entry."""
    def generate(*args, **kwargs):
        return NAV_TOGGLE.sub(lambda m: f'{m.group(1)} aria-label="Pages of {m.group(2)}">',
                              str(generate_toctree_html(*args, **kwargs)))
    return generate


def fix_page_markup(app, pagename, templatename, context, doctree):
    """Valid, accessible markup; the widget state at the end of the body; the runtime list."""
    if "generate_toctree_html" in context:
        context["generate_toctree_html"] = _named_nav_toggles(context["generate_toctree_html"])
    body = context.get("body", "")
    if 'class="citation-list"' in body:
        body = body.replace('role="doc-biblioentry"', 'role="listitem"')
    body = SUMMARY_PARAGRAPHS.sub(_summary, body)
    body = _unique_ids(body)
    body = LIST_IN_PARAGRAPH.sub(r"\1", body)
    scripts = context.get("script_files", [])
    state = [s for s in scripts if getattr(s, "attributes", {}).get("type") == WIDGET_STATE_TYPE]
    if state:
        # The widget state goes to a file of its own beside the page, fetched with the runtime.
        scripts[:] = [s for s in scripts if s not in state]
        target = Path(app.outdir, pagename + WIDGET_STATE_SUFFIX)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(state[0].attributes["body"], encoding="utf-8")
        pathto = context["pathto"]
        runtime = {"state": Path(pagename).name + WIDGET_STATE_SUFFIX,  # beside the page
                   "scripts": [{"src": pathto(f"_static/{path}", 1), "integrity": digest}
                               for path, digest in widget_runtime()]}
        body += (f'\n<script type="application/json" id="mlp-widget-runtime">'
                 f'{json.dumps(runtime)}</script>\n')
    context["body"] = body
    metatags = DOCUTILS_VIEWPORT.sub("", context.get("metatags", ""))
    text = description(doctree)
    if text:
        metatags += f'\n<meta name="description" content="{html.escape(text)}" />'
    context["metatags"] = metatags


#: Scripts that inline scripts of the page use as they run: they stay synchronous.
KEEP_SYNCHRONOUS = ("documentation_options.js",)


def defer_scripts(app, pagename, templatename, context, doctree):
    """Every external script of the <head> deferred: none is needed to paint the page
    (sphinx-book-theme, togglebutton, copybutton, sphinx-design and Sphinx's own run once
    the document is parsed), so the text paints without waiting for them."""
    from sphinx.builders.html._assets import _JavaScript

    scripts = context.get("script_files", [])
    for index, script in enumerate(scripts):
        attributes = getattr(script, "attributes", {})
        filename = str(getattr(script, "filename", "") or "")
        if (not filename or "async" in attributes or "defer" in attributes
                or filename.endswith(KEEP_SYNCHRONOUS)):
            continue
        scripts[index] = _JavaScript(filename, priority=script.priority,
                                     **{**attributes, "defer": "defer"})


def load_mathjax_after_paint(app, pagename, templatename, context, doctree):
    """MathJax's ``<script>`` replaced by ``<script id="mlp-mathjax">``, its address and
    integrity, from which ``mlp-book.js`` loads it once the page has painted.

    A deferred MathJax is fetched with the stylesheets and, on a fast connection, runs
    before the browser has painted the text: readers on a slow connection wait longer for
    the text, and Lighthouse counts the whole script into the largest contentful paint
    (GoogleChrome/lighthouse#11014). The inline ``window.MathJax = {...}`` configuration stays."""
    from sphinx.builders.html._assets import _JavaScript

    scripts = context.get("script_files", [])
    for index, script in enumerate(scripts):
        filename = str(getattr(script, "filename", "") or "")
        if not filename.endswith(app.config.mathjax_path):  # "_static/" + mathjax_path
            continue
        entry = {"src": context["pathto"](filename, 1),
                 "integrity": script.attributes["integrity"]}
        scripts[index] = _JavaScript("", priority=script.priority, type="application/json",
                                     id="mlp-mathjax", body=json.dumps(entry))


def offer_chapter_pdf(app, pagename, templatename, context, doctree):
    """The download menu's ".pdf" gets the chapter PDF instead of the browser's print dialog."""
    for button in context.get("header_buttons", []):
        if button.get("label") != "download-buttons":
            continue
        for entry in button.get("buttons", []):
            if entry.get("label") == "download-pdf-button":
                entry.clear()
                entry.update({"type": "link", "url": context["pathto"](CHAPTER_PDF, 1),
                              "text": ".pdf", "icon": "fas fa-file-pdf",
                              "tooltip": "Download the chapter as a PDF",
                              "label": "download-pdf-button"})


def setup(app):
    app.connect("config-inited", configure, priority=400)
    app.connect("builder-inited", switch_off_thebe)
    app.add_css_file("mlp-book.css")
    app.add_js_file("mlp-book.js", defer="defer")
    app.connect("html-page-context", fix_page_markup, priority=800)  # after MyST-NB (500)
    app.connect("html-page-context", offer_chapter_pdf, priority=600)
    # After every extension has added its scripts for the page (MyST-NB at 500).
    app.connect("html-page-context", defer_scripts, priority=900)
    app.connect("html-page-context", load_mathjax_after_paint, priority=900)
    app.connect("build-finished", copy_vendor_files)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
