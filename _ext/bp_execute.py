"""Chapter execution for the build: in parallel, and never stale after a change to ``bp``.

MyST-NB's ``cache`` mode executes a notebook while Sphinx reads it, one after another
(``sphinx-build -j`` does not help: Jupyter Book's numbering extension is not
parallel-safe). This module, loaded by ``bp_book``, does two things before Sphinx reads:

* **Invalidation.** The execution cache is keyed on a notebook's code only, so after an
  edit to ``bp/`` every chapter would keep its old outputs and skip every assertion.
  A hash of the library's sources (and of ``chapters/matplotlibrc``, which styles every
  figure) is kept beside the cache and in the Sphinx environment; when it changes, the
  cache is cleared and every notebook page is read (so executed) again.
* **Parallel execution.** The notebooks Sphinx is about to read and that have no
  cached outputs are executed first, in a pool of one process per core (longest
  first, by their last recorded time), exactly as MyST-NB would execute them (same
  reader, same working directory, timeout and error policy) and put in the cache.
  Sphinx then reads them as cache hits. A notebook that fails here is not cached:
  MyST-NB executes it again while reading and reports the error with its traceback,
  as it always has.
"""
from __future__ import annotations

import hashlib
import json
import os
import time
from concurrent.futures import ProcessPoolExecutor, as_completed
from multiprocessing import get_context
from pathlib import Path
from typing import Any

import nbformat
from sphinx.application import Sphinx
from sphinx.environment import BuildEnvironment
from sphinx.util import logging

logger = logging.getLogger(__name__)

#: What the outputs of a chapter depend on besides its own code.
WATCHED = ("bp/**/*.py", "chapters/matplotlibrc", "pyproject.toml")
HASH_FILE = "bp-source.sha256"
TIMES_FILE = "execution-seconds.json"      # kept across cache clears: longest first


def source_hash(root: Path) -> str:
    """SHA-256 over the watched files' relative paths and contents."""
    digest = hashlib.sha256()
    for pattern in WATCHED:
        for path in sorted(root.glob(pattern)):
            if "__pycache__" in path.parts or not path.is_file():
                continue
            digest.update(path.relative_to(root).as_posix().encode() + b"\0")
            digest.update(path.read_bytes() + b"\0")
    return digest.hexdigest()


def _cache_mode(app: Sphinx) -> bool:
    config = getattr(app.env, "mystnb_config", None)
    return config is not None and config.execution_mode == "cache"


def _cache(app: Sphinx):
    from jupyter_cache import get_cache
    return get_cache(app.env.mystnb_config.execution_cache_path or ".jupyter_cache")


def _is_notebook_source(path: Path) -> bool:
    if path.suffix == ".ipynb":
        return True
    head = path.read_text(encoding="utf-8")[:2000] if path.suffix == ".md" else ""
    return head.startswith("---") and "kernelspec" in head.split("\n---", 1)[0]


def invalidate_on_library_change(app: Sphinx, env: BuildEnvironment, added: set[str],
                                 changed: set[str], removed: set[str]) -> list[str]:
    """``env-get-outdated``: after a change to ``bp``, clear the cache and re-read every
    notebook page."""
    if not _cache_mode(app):
        return []
    current = source_hash(Path(app.confdir))
    cache = _cache(app)
    marker = Path(cache.path) / HASH_FILE
    if not marker.is_file() or marker.read_text().strip() != current:
        if marker.is_file():
            logger.info("[bp] bp/ changed since the last execution: clearing the cache")
        times = Path(cache.path) / TIMES_FILE
        kept = times.read_text() if times.is_file() else None
        if Path(cache.path).exists():
            cache.clear_cache()
        Path(cache.path).mkdir(parents=True, exist_ok=True)
        marker.write_text(current + "\n")
        if kept is not None:
            times.write_text(kept)
    previous = getattr(env, "bp_source_hash", None)
    env.bp_source_hash = current
    if previous is None or previous == current:
        return []
    again = sorted(d for d in env.found_docs - added - changed
                   if _is_notebook_source(Path(env.doc2path(d))))
    logger.info(f"[bp] bp/ changed: re-executing {len(again)} notebook page(s)")
    return again


def _execute(path: str, nb_json: str, timeout: int, allow_errors: bool) -> tuple:
    """Worker: execute one notebook in its own folder (as MyST-NB does)."""
    from jupyter_cache.executors.utils import single_nb_execution

    nb = nbformat.reads(nb_json, as_version=4)
    result = single_nb_execution(nb, cwd=str(Path(path).parent), timeout=timeout,
                                 allow_errors=allow_errors, meta_override=True)
    error = None if result.err is None else (result.exc_string or repr(result.err))
    return path, nbformat.writes(nb), result.time, error


def execute_in_parallel(app: Sphinx, env: BuildEnvironment, docnames: list[str]) -> None:
    """``env-before-read-docs``: execute the uncached notebooks among ``docnames``."""
    if not _cache_mode(app) or app.builder.name not in {"html", "singlehtml", "dirhtml",
                                                          "gettext"}:
        return
    from jupyter_cache.base import CacheBundleIn
    from myst_nb.core.read import create_nb_reader

    cache = _cache(app)
    jobs: dict[str, tuple[Any, Any]] = {}
    for docname in docnames:
        path = Path(env.doc2path(docname))
        if not _is_notebook_source(path):
            continue
        text = path.read_text(encoding="utf-8")
        reader = create_nb_reader(str(path), env.myst_config, env.mystnb_config, text)
        if reader is None:
            continue
        notebook = reader.read(text)
        try:
            cache.match_cache_notebook(notebook)
            continue                                # already executed with this code
        except KeyError:
            jobs[str(path)] = (notebook, reader.read_fmt)
    if len(jobs) < 2:
        return                                      # nothing to gain: MyST-NB runs it
    times_file = Path(cache.path) / TIMES_FILE
    last = json.loads(times_file.read_text()) if times_file.is_file() else {}
    order = sorted(jobs, key=lambda p: -last.get(p, Path(p).stat().st_size / 1e4))
    config = env.mystnb_config
    workers = min(os.cpu_count() or 1, len(order))
    logger.info(f"[bp] executing {len(order)} notebook(s) on {workers} processes")
    start = time.perf_counter()
    with ProcessPoolExecutor(max_workers=workers, mp_context=get_context("spawn")) as pool:
        futures = [pool.submit(_execute, p, nbformat.writes(jobs[p][0]),
                               config.execution_timeout, config.execution_allow_errors)
                   for p in order]
        for future in as_completed(futures):
            path, nb_json, seconds, error = future.result()
            name = Path(path).relative_to(app.srcdir).as_posix()
            if error is not None:
                logger.info(f"[bp] {name} failed ({seconds:.1f} s); the build runs it "
                            "again to report the error")
                continue
            read_fmt = jobs[path][1]
            stage = cache.add_nb_to_project(path, read_data=read_fmt)
            executed = nbformat.reads(nb_json, as_version=4)
            cache.cache_notebook_bundle(CacheBundleIn(executed, stage.uri,
                                                      data={"execution_seconds": seconds}),
                                        check_validity=False, overwrite=True)
            logger.info(f"[bp] executed {name} in {seconds:.1f} s")
            last[path] = round(seconds, 1)
    times_file.write_text(json.dumps(last, indent=1, sort_keys=True) + "\n")
    logger.info(f"[bp] parallel execution took {time.perf_counter() - start:.1f} s")


def setup(app: Sphinx) -> None:
    app.connect("env-get-outdated", invalidate_on_library_change)
    app.connect("env-before-read-docs", execute_in_parallel)
