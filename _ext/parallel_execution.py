"""Run the pages that the execution cache lacks side by side, one kernel per core.

MyST-NB executes each page while Sphinx reads it, one after another, so a fresh
build used one core of two. Before the reading starts, this extension executes
every page that has no stored run, as MyST-NB would (its reader, its
``single_nb_execution`` call, its cache record), in a pool of processes, the
longest page first. MyST-NB then finds each run in the cache. A page that fails,
or whose kernel dies, is not stored: MyST-NB runs it again and reports the error
as usual. With one page to run (a code edit) there is nothing to gain, and
MyST-NB runs it itself.
"""

import os
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from jupyter_cache import get_cache
from jupyter_cache.base import CacheBundleIn
from jupyter_cache.executors.utils import single_nb_execution
from myst_nb.core.read import create_nb_reader
from sphinx.util import logging

logger = logging.getLogger(__name__)


def _execute(notebook, cwd, timeout, allow_errors):
    result = single_nb_execution(notebook, cwd=cwd, timeout=timeout, allow_errors=allow_errors,
                                 meta_override=True)
    return notebook, result.time, result.err is None


def execute_missing_pages(app, env, docnames):
    config = env.mystnb_config
    if config.execution_mode != "cache" or config.kernel_rgx_aliases:
        return
    cache = get_cache(config.execution_cache_path)
    pending = []
    for docname in docnames:
        path = Path(env.doc2path(docname))
        text = path.read_text(encoding="utf-8")
        reader = create_nb_reader(str(path), env.myst_config, config, text)
        if reader is None:
            continue
        notebook = reader.read(text)
        if config.metadata_key in notebook.metadata:  # per-page settings: MyST-NB's business
            continue
        try:
            cache.match_cache_notebook(notebook)
        except KeyError:
            pending.append((len(text), docname, path, notebook, reader.read_fmt))
    workers = min(len(pending), os.cpu_count() or 1)
    if workers < 2:
        return
    pending.sort(key=lambda page: page[0], reverse=True)
    with ProcessPoolExecutor(workers) as pool:
        runs = []
        for _, docname, path, notebook, _ in pending:
            logger.info(f"Executing notebook, {workers} at a time", location=docname)
            runs.append(pool.submit(_execute, notebook, str(path.parent),
                                    config.execution_timeout, config.execution_allow_errors))
        for (_, _, path, _, read_format), run in zip(pending, runs):
            try:
                notebook, seconds, succeeded = run.result()
            except Exception:  # noqa: BLE001 - a dead kernel: MyST-NB runs it again, reporting it
                continue
            if succeeded:
                record = cache.add_nb_to_project(str(path), read_data=read_format)
                cache.cache_notebook_bundle(
                    CacheBundleIn(notebook, record.uri, data={"execution_seconds": seconds}),
                    check_validity=False, overwrite=True)


def setup(app):
    app.connect("env-before-read-docs", execute_missing_pages)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
