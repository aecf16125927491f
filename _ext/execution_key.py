"""Key Jupyter Book's execution cache on everything the pages' outputs depend on.

With ``execute_notebooks: cache`` MyST-NB asks jupyter-cache for a stored run of
each page, matched on the page's code cells alone: a change in ``mlp_core`` would
leave stale outputs. This extension puts the cache in a folder named after a
hash of the package's sources, ``pyproject.toml``, ``requirements.txt``,
``_config.yml``, the explorer mode (``MLP_CORE_WIDGETS``) and the SIMD kernels
(``OPENBLAS_CORETYPE``, ``NPY_DISABLE_CPU_FEATURES``: they change the rounding):
``_build/.jupyter_cache/<key>``. A change in any of them gives a new, empty
cache, so every page is executed again; a page whose code cells and key are
unchanged takes its outputs from the cache. The key is also a Sphinx config
value that rebuilds the environment, so Sphinx re-reads every page when it
changes, with or without ``--all``.
"""

import hashlib
import os
from pathlib import Path

#: Files, relative to the book's root, whose change must re-execute every page.
KEYED_FILES = ("mlp_core/*.py", "pyproject.toml", "requirements.txt", "_config.yml")
#: Environment variables that change what the pages print.
KEYED_VARIABLES = ("MLP_CORE_WIDGETS", "OPENBLAS_CORETYPE", "NPY_DISABLE_CPU_FEATURES")


def execution_key(root, environment=None):
    """Hex digest of the keyed files under ``root`` and the keyed variables."""
    environment = os.environ if environment is None else environment
    root = Path(root)
    digest = hashlib.sha256()
    paths = sorted({path for pattern in KEYED_FILES for path in root.glob(pattern)})
    for path in paths:
        digest.update(path.relative_to(root).as_posix().encode() + b"\0")
        digest.update(hashlib.sha256(path.read_bytes()).digest())
    for name in KEYED_VARIABLES:
        digest.update(f"{name}={environment.get(name, '')}\0".encode())
    return digest.hexdigest()[:16]


def key_the_cache(app, config):
    key = execution_key(app.srcdir)
    base = Path(app.srcdir, config.nb_execution_cache_path or Path(app.outdir).parent / ".jupyter_cache")
    config.nb_execution_cache_path = str(base / key)
    config.execution_key = key


def setup(app):
    app.add_config_value("execution_key", "", "env", str)
    app.connect("config-inited", key_the_cache)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
