"""The chapter as one PDF, printed from the built HTML by headless Chromium.

``make book`` runs ``python site/chapter_pdf.py _build/html`` after the HTML build. It
serves the built site on 127.0.0.1 (every request outside it is aborted), opens each
page of the chapter in the Debian Chromium through Playwright, waits for MathJax and
the explorers, and prints it with the book's print stylesheet (``site/static/mlp-book.css``:
hidden code stays out, no toggle captions, code wraps, solutions left out), then joins
the pages in the order of ``_toc.yml`` into ``neural-network-math-review.pdf`` at the
site's root, with one bookmark per page. The mlp_core reference is left out (it is the
package's documentation, not the chapter); the references page is in.

Printing is incremental: each page's PDF is kept in ``_build/pdf/`` under the hash of
its HTML, the site's static files and this script, so after a prose edit only the
edited page is printed again, and nothing is when no input changed.
"""

import argparse
import contextlib
import hashlib
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import yaml

SITE = Path(__file__).resolve().parent
ROOT = SITE.parent
sys.path.insert(0, str(SITE))
from mlp_site import CHAPTER_PDF  # noqa: E402

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
#: Back matter that is not part of the printed chapter.
LEFT_OUT = {"book/reference"}
WIDGET_VIEW = 'script[type="application/vnd.jupyter.widget-view+json"]'


def chapter_pages(toc=ROOT / "_toc.yml"):
    """The documents of the chapter in reading order (``book/intro``, ``book/01_...``, ...)."""
    data = yaml.safe_load(toc.read_text())
    pages = [data["root"]]
    for part in data.get("parts", []):
        for chapter in part.get("chapters", []):  # a section page, then its sub-pages
            pages += [chapter["file"], *(sub["file"] for sub in chapter.get("sections", []))]
    return [page for page in pages if page not in LEFT_OUT]


def inputs_hash(html_file):
    """What a page's PDF depends on: its HTML, the site's own static files, this script."""
    digest = hashlib.sha256(html_file.read_bytes())
    for path in sorted((SITE / "static").iterdir()) + [Path(__file__)]:
        digest.update(path.name.encode() + path.read_bytes())
    return digest.hexdigest()


@contextlib.contextmanager
def serve(directory):
    """``http://127.0.0.1:<port>`` serving ``directory`` with ``python -m http.server``."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    process = subprocess.Popen([sys.executable, "-m", "http.server", "--bind", "127.0.0.1",
                                str(port)], cwd=directory, stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 15
        while True:
            try:
                with urllib.request.urlopen(base + "/", timeout=2):
                    break
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"http.server for {directory} did not start") from None
                time.sleep(0.1)
        yield base
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def print_page(browser, base, page_name, target):
    """Print ``base/<page_name>.html`` to ``target`` as the reader's browser would."""
    context = browser.new_context(viewport={"width": 1000, "height": 1400}, color_scheme="light")
    context.route("**/*", lambda route: route.continue_()
                  if route.request.url.startswith(base + "/") else route.abort())
    page = context.new_page()
    try:
        page.goto(f"{base}/{page_name}.html", wait_until="load")
        if page.locator("span.math, div.math").count():
            page.wait_for_function("() => window.MathJax && MathJax.startup", timeout=30_000)
            # MathJax typesets lazily; all of it now, as a browser's print does.
            page.evaluate("() => MathJax.startup.promise.then("
                          "() => MathJax.startup.document.lazyTypesetAll())")
        if page.locator(WIDGET_VIEW).count():
            page.evaluate("() => window.mlpLoadWidgets()")
            page.wait_for_function(
                """n => document.querySelectorAll('.mlp-explorer .mlp-run img.mlp-figure').length
                   >= n""", arg=page.locator(WIDGET_VIEW).count(), timeout=60_000)
        page.emulate_media(media="print")
        page.pdf(path=str(target), format="A4", print_background=True, outline=False,
                 margin={"top": "18mm", "bottom": "18mm", "left": "16mm", "right": "16mm"})
        return page.title().split(" \u2014 ")[0]
    finally:
        context.close()


def build(html_dir, cache_dir):
    """Print the pages whose inputs changed and join all of them; returns what was printed."""
    from playwright.sync_api import sync_playwright
    from pypdf import PdfWriter

    cache_dir.mkdir(parents=True, exist_ok=True)
    pages = chapter_pages()
    stale = []
    for name in pages:
        html_file = html_dir / f"{name}.html"
        if not html_file.is_file():
            raise FileNotFoundError(f"{html_file} is missing: build the HTML first")
        key = inputs_hash(html_file)
        stem = cache_dir / name.replace("/", "__")
        if not (stem.with_suffix(".pdf").is_file()
                and stem.with_suffix(".key").is_file()
                and stem.with_suffix(".key").read_text().split("\n")[0] == key):
            stale.append((name, stem, key))
    output = html_dir / CHAPTER_PDF
    if stale:
        with serve(html_dir) as base, sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            try:
                for name, stem, key in stale:
                    title = print_page(browser, base, name, stem.with_suffix(".pdf"))
                    stem.with_suffix(".key").write_text(f"{key}\n{title}\n")
            finally:
                browser.close()
    if stale or not output.is_file():
        writer = PdfWriter()
        for name in pages:
            stem = cache_dir / name.replace("/", "__")
            title = stem.with_suffix(".key").read_text().split("\n")[1]
            start = len(writer.pages)
            writer.append(str(stem.with_suffix(".pdf")))
            writer.add_outline_item(title=title, page_number=start)
        writer.add_metadata({"/Title": "Neural Network Math Review"})
        with open(output, "wb") as handle:
            writer.write(handle)
    return [name for name, _, _ in stale]


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("html_dir", type=Path)
    parser.add_argument("--cache-dir", type=Path, default=None,
                        help="where each page's PDF is kept (default: pdf/ beside html_dir)")
    args = parser.parse_args(argv)
    cache = args.cache_dir or args.html_dir.resolve().parent / "pdf"
    started = time.monotonic()
    printed = build(args.html_dir.resolve(), cache)
    print(f"{CHAPTER_PDF}: printed {len(printed)} page(s) "
          f"{'(' + ', '.join(printed) + ') ' if printed else ''}"
          f"in {time.monotonic() - started:.1f} s")


if __name__ == "__main__":
    main()
