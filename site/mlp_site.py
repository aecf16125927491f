"""Sphinx extension of the book: a self-contained site, accessible theme fixes.

Every script, font and stylesheet a page loads is served from the built site
itself, never from a CDN:

- require.js and the ipywidgets HTML manager (``nb_ipywidgets_js``) and MathJax 3
  (``mathjax_path``) come from the npm packages pinned in ``site/package.json``
  (``npm ci`` in ``site/``, run by ``make book``) and are copied into
  ``_static/vendor/`` of the build, each ``<script>`` with the sha256 integrity of
  the file it loads;
- the HTML manager's bundled Font Awesome stylesheet asks for its font files at
  ``@jupyter-widgets/html-manager/dist/<hash>.woff2`` relative to the page, so they
  are copied there, beside every page that shows widgets.

Two fixes of generated markup (:func:`fix_page_markup`): on the references page,
docutils writes each entry of the ``role="list"`` bibliography with the deprecated
``role="doc-biblioentry"``, which leaves the list without list items (axe:
aria-required-children), so the entries become ``role="listitem"``; MyST-NB's
``<summary aria-label="Toggle hidden content">`` of a hidden cell hides its visible
text "Show code cell source" from its name (axe: label-content-name-mismatch), so the
visible text becomes the name.

It also adds the book's templates (``site/templates``: the theme's search buttons,
with an accessible name that contains their visible text) and its stylesheet and
script (``site/static``: contrast, dark mode of the explorers, names of the sliders).
"""

import base64
import hashlib
import shutil
from pathlib import Path

SITE = Path(__file__).resolve().parent
NODE_MODULES = SITE / "node_modules"
VENDOR = "vendor"  # inside _static

#: (package, file or folder inside it, where it goes inside _static/vendor)
VENDOR_FILES = [
    ("requirejs", "require.js", "requirejs/require.js"),
    ("@jupyter-widgets/html-manager", "dist/embed-amd.js", "html-manager/embed-amd.js"),
    ("mathjax", "es5/tex-chtml.js", "mathjax/tex-chtml.js"),
    # What tex-chtml.js loads on demand, relative to itself.
    ("mathjax", "es5/output/chtml/fonts", "mathjax/output/chtml/fonts"),
    ("mathjax", "es5/input/tex/extensions", "mathjax/input/tex/extensions"),
    ("mathjax", "es5/a11y", "mathjax/a11y"),
    ("mathjax", "es5/sre", "mathjax/sre"),
    ("mathjax", "es5/ui", "mathjax/ui"),
    ("mathjax", "es5/adaptors", "mathjax/adaptors"),
]
HTML_MANAGER_DIST = ("@jupyter-widgets/html-manager", "dist")
#: Where the HTML manager's stylesheet looks for its fonts, relative to the page.
HTML_MANAGER_FONTS = "@jupyter-widgets/html-manager/dist"
FONT_SUFFIXES = {".woff", ".woff2", ".ttf", ".eot", ".svg"}


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


def configure(app, config):
    """Point the widget and math scripts at the local copies, with integrity hashes."""
    require, embed, mathjax = ((_source(p, s), t) for p, s, t in VENDOR_FILES[:3])
    config.nb_ipywidgets_js = {
        _vendor_uri(require[1]): {"integrity": integrity(require[0])},
        # No widget module is loaded from a CDN: embed-amd.js bundles base, controls
        # and output, the only ones the pages use.
        _vendor_uri(embed[1]): {"integrity": integrity(embed[0])},
    }
    config.mathjax_path = _vendor_uri(mathjax[1])
    config.mathjax_options = {**config.mathjax_options, "integrity": integrity(mathjax[0])}
    config.templates_path = [str(SITE / "templates"), *config.templates_path]
    config.html_static_path = [*config.html_static_path, str(SITE / "static")]


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


def fix_page_markup(app, pagename, templatename, context, doctree):
    """Citation entries as list items; hidden cells' toggles named by their visible text."""
    body = context.get("body", "")
    if 'class="citation-list"' in body:
        body = body.replace('role="doc-biblioentry"', 'role="listitem"')
    context["body"] = body.replace('<summary aria-label="Toggle hidden content">', "<summary>")


def setup(app):
    app.connect("config-inited", configure, priority=400)
    app.add_css_file("mlp-book.css")
    app.add_js_file("mlp-book.js", defer="defer")
    app.connect("html-page-context", fix_page_markup)
    app.connect("build-finished", copy_vendor_files)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
