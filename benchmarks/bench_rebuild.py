"""Rebuild times of `make book` after the three kinds of edit an author makes.

What it measures
----------------
The real `make book` target, run in a temporary copy of this repository
(the project's files and its `_build`, so the execution cache is warm; the
copy uses this repository's `.venv`), timed after

1. a prose edit of one page (a sentence added to section 2), five times, each
   a new sentence: no page is executed again; the goal is a median of at most 15 s;
2. an edit of a code cell of one page (section 2's imports): that page alone
   is executed again;
3. a change in mlp_core (a comment added to network.py): every page is
   executed again.

It prints each time (for the prose edit the median and the range of the five)
and which pages the build executed. The repository itself
is never edited. Run it after `make book`:
`.venv/bin/python benchmarks/bench_rebuild.py`.
"""

import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PROSE_GOAL_SECONDS = 15
PROSE_REPEATS = 5
COPIED = ["Makefile", "_config.yml", "_toc.yml", "pyproject.toml", "requirements.txt",
          "README.md", "_ext", "book", "mlp_core", "_build"]
# (label, file, old text, new text ({n}: the repetition), repetitions)
EDITS = [
    ("prose edit of one page", "book/02_forward_pass.md",
     "\n## ", "\nSentence {n} added by the rebuild benchmark.\n\n## ", PROSE_REPEATS),
    ("code edit of one page", "book/02_forward_pass.md",
     "\nfrom mlp_core.experiments import train_xor\n",
     "\nfrom mlp_core.experiments import train_xor  # benchmark\n", 1),
    ("change in mlp_core", "mlp_core/network.py",
     "\nclass TrainingDiverged(",
     "\n# A comment added by the rebuild benchmark.\nclass TrainingDiverged(", 1),
]


def copy_project(target):
    for name in COPIED:
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(source, target / name, symlinks=True,
                            ignore=shutil.ignore_patterns("__pycache__", "*.egg-info"))
        else:
            shutil.copy2(source, target / name)
    (target / ".venv").symlink_to(ROOT / ".venv")
    (target / "site").symlink_to(ROOT / "site")  # with its npm packages, already installed


def make_book(folder):
    start = time.perf_counter()
    result = subprocess.run(["make", "book"], cwd=folder, capture_output=True, text=True)
    seconds = time.perf_counter() - start
    if result.returncode != 0:
        sys.exit(result.stdout[-3000:] + result.stderr[-3000:])
    executed = sorted(set(re.findall(r"(book/\w+)\.md: Executing notebook", result.stdout)))
    return seconds, executed


def main():
    if not (ROOT / "_build" / "html" / ".built").exists():
        sys.exit("run `make book` first: the benchmark starts from a built book")
    with tempfile.TemporaryDirectory() as folder:
        folder = Path(folder)
        copy_project(folder)
        seconds, executed = make_book(folder)
        if executed:
            sys.exit(f"the copy was not up to date: the build executed {executed}")
        print(f"{'edit':26} {'make book':>10}  pages executed again")
        for label, path, old, new, repetitions in EDITS:
            times = []
            for n in range(1, repetitions + 1):
                text = (folder / path).read_text()
                if old not in text:
                    sys.exit(f"{path} no longer contains {old!r}")
                (folder / path).write_text(text.replace(old, new.format(n=n), 1))
                seconds, executed = make_book(folder)
                times.append(seconds)
            median = statistics.median(times)
            spread = f" (range {min(times):.1f}-{max(times):.1f} s)" if repetitions > 1 else ""
            print(f"{label:26} {median:9.1f}s  {', '.join(executed) or 'none'}{spread}")
            if label.startswith("prose") and median > PROSE_GOAL_SECONDS:
                print(f"  median over the goal of {PROSE_GOAL_SECONDS} s")


if __name__ == "__main__":
    main()
