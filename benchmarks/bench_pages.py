"""Page speed of the built book: Lighthouse (desktop preset) on every page, medians of runs.

``make bench`` runs it after the training benchmark. It serves the built HTML
(``_build/html``, or ``--html-dir``) with ``python -m http.server`` on 127.0.0.1, as
``make serve`` does (no compression), and runs Lighthouse (``benchmarks/package.json``,
``npm ci`` by ``make bench``) with the Debian Chromium on each page ``--runs`` times.
It prints, per page, the medians of

- Performance: Lighthouse's score, 0-100;
- FCP and LCP: first and largest contentful paint, in seconds;
- TBT: total blocking time, in milliseconds;
- bytes: what the page transferred until the network went quiet (Lighthouse's
  ``total-byte-weight``), in MB (10^6 bytes).

The machine's load (``/proc/loadavg``) is printed before and after: on a shared 2-core
machine, timings depend on it; the byte counts do not. The book's targets are
Performance >= 90, FCP <= 1.5 s and <= 3 MB per page.
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "site"))
from chapter_pdf import serve  # noqa: E402  (python -m http.server, as make serve)

LIGHTHOUSE = ROOT / "benchmarks" / "node_modules" / "lighthouse" / "cli" / "index.js"
CHROMIUM = "/usr/bin/chromium"
CHROME_FLAGS = ("--headless=new --no-sandbox --disable-gpu --disable-background-networking "
                "--disable-component-update --disable-sync --no-first-run")
PAGES = ["book/intro.html", "book/01_composition.html", "book/02_index.html",
         "book/02_forward_pass.html", "book/02_xor_seeds.html",
         "book/03_index.html", "book/03_backpropagation.html", "book/03_gradient_check.html",
         "book/03_training_on_digits.html", "book/04_index.html", "book/04_what_next.html",
         "book/04_beyond_sgd.html", "book/references.html",
         "book/reference.html"]
TARGETS = {"performance": (90, ">="), "fcp": (1.5, "<="), "mb": (3.0, "<=")}


def lighthouse(url):
    """One Lighthouse run on ``url``: the figures this script prints."""
    with tempfile.TemporaryDirectory() as tmp:
        report = Path(tmp) / "report.json"
        subprocess.run(
            ["node", str(LIGHTHOUSE), url, "--preset=desktop", "--only-categories=performance",
             "--output=json", f"--output-path={report}", "--quiet",
             f"--chrome-flags={CHROME_FLAGS}"],
            check=True, env={**os.environ, "CHROME_PATH": CHROMIUM}, cwd=tmp)
        data = json.loads(report.read_text())
    audits = data["audits"]
    return {"performance": 100 * (data["categories"]["performance"]["score"] or 0),
            "fcp": audits["first-contentful-paint"]["numericValue"] / 1000,
            "lcp": audits["largest-contentful-paint"]["numericValue"] / 1000,
            "tbt": audits["total-blocking-time"]["numericValue"],
            "mb": audits["total-byte-weight"]["numericValue"] / 1e6}


def meets(key, value):
    target, sign = TARGETS[key]
    return value >= target if sign == ">=" else value <= target


def load():
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--html-dir", type=Path, default=ROOT / "_build" / "html")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("pages", nargs="*", default=PAGES)
    args = parser.parse_args(argv)
    if not LIGHTHOUSE.is_file():
        sys.exit(f"{LIGHTHOUSE} is missing: run `npm ci` in benchmarks/ (make bench does)")
    print(f"Lighthouse desktop preset, median of {args.runs} runs per page; "
          f"load average before: {load()}")
    header = f"{'page':<28}{'Perf':>6}{'FCP s':>8}{'LCP s':>8}{'TBT ms':>8}{'MB':>7}"
    print(header)
    failed = []
    with serve(args.html_dir) as base:
        for page in args.pages:
            runs = [lighthouse(f"{base}/{page}") for _ in range(args.runs)]
            median = {key: statistics.median(run[key] for run in runs) for key in runs[0]}
            misses = [key for key in TARGETS if not meets(key, median[key])]
            failed += [f"{page}: {key}" for key in misses]
            print(f"{page:<28}{median['performance']:>6.0f}{median['fcp']:>8.2f}"
                  f"{median['lcp']:>8.2f}{median['tbt']:>8.0f}{median['mb']:>7.2f}"
                  + (f"  misses {', '.join(misses)}" if misses else ""), flush=True)
    print(f"load average after: {load()}")
    print("targets: Performance >= 90, FCP <= 1.5 s, <= 3 MB per page: "
          + ("all met" if not failed else f"{len(failed)} missed"))


if __name__ == "__main__":
    main()
