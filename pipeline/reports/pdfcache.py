"""Roadmap and briefing PDFs for the web: a cache per firm/county keyed by the data stamp, rendered by a
background render process, with a per-user limit on concurrent renders (issue 12, item 6).

* The cache key is (document, firm or county, today, the one data stamp of ``services/stamp.py``): any
  committed write anywhere changes the stamp, so a cached PDF is never served across a data change.
  Files live in ``PDF_CACHE_DIR`` (one per document and target: a new one replaces the older ones).
* A miss is rendered by a render process (``PDF_RENDER_WORKERS`` per web worker, spawned, at
  ``nice`` ``PDF_RENDER_NICE`` so page requests keep the CPU, killed with its parent). The web worker
  waits on it at most ``PDF_WAIT_SECONDS``; past that the user gets a "being generated, refresh" page
  while the render goes on into the cache. Requests for the same PDF in one web worker share one render.
* A user may have at most ``PDF_MAX_RENDERS_PER_USER`` renders running at once, counted across all web
  workers of the host by ``flock``ed slot files (a crashed worker's slots free themselves).
"""

from __future__ import annotations

import fcntl
import logging
import os
import threading
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from concurrent.futures.process import BrokenProcessPool
from datetime import date
from multiprocessing import get_context
from pathlib import Path

from flask import current_app

log = logging.getLogger(__name__)

KINDS = ("roadmap", "briefing")


class RenderLimit(Exception):
    """The user already has the allowed number of renders running."""


class StillRendering(Exception):
    """The render did not finish within PDF_WAIT_SECONDS; it goes on into the cache."""


def cache_dir() -> Path:
    cfg = current_app.config
    path = Path(cfg.get("PDF_CACHE_DIR") or Path(cfg["EXPORT_DIR"]).parent / "pdf-cache")
    path.mkdir(parents=True, exist_ok=True)
    return path


def cache_path(kind: str, target: str, today: date) -> Path | None:
    """The file for this document, target, day and data; None when there is no stamp (no caching)."""
    from pipeline.services import stamp

    n = stamp.current()
    if n is None:
        return None
    return cache_dir() / f"{kind}-{target}-{today.isoformat()}-{n}.pdf"


# ----------------------------------------------------------------------------- the render process

_pool: ProcessPoolExecutor | None = None
_pool_lock = threading.Lock()
_inflight: dict[str, Future] = {}


def _pool_for(app) -> ProcessPoolExecutor:
    global _pool
    with _pool_lock:
        if _pool is None:
            from pipeline.reports.jobs import _worker_config

            cfg = _worker_config()
            _pool = ProcessPoolExecutor(
                max_workers=int(app.config.get("PDF_RENDER_WORKERS", 1)),
                mp_context=get_context("spawn"),
                initializer=_init_render_worker,
                initargs=(cfg, os.getpid(), int(app.config.get("PDF_RENDER_NICE", 10))),
            )
        return _pool


def _ready() -> int:
    """A task that does nothing: submitting it makes the pool spawn and initialise its render process."""
    return os.getpid()


def start(app) -> Future | None:
    """Spawn and warm this web worker's render process now, in the background (gunicorn's
    ``post_worker_init``), so the first PDF a user asks for does not wait for a new interpreter, the
    app and WeasyPrint to start (issue 15: that made the first PDF after start ~4× a warm one).
    Returns the warm-up's future (None when PDFs render inline, e.g. an in-memory database)."""
    if _inline(app):
        return None
    with app.app_context():  # the render process's settings are read from the app's config
        return _pool_for(app).submit(_ready)


def _reset_pool() -> None:
    global _pool
    with _pool_lock:
        if _pool is not None:
            _pool.shutdown(wait=False, cancel_futures=True)
        _pool = None


_render_app = None


def _init_render_worker(cfg: dict, parent_pid: int, niceness: int) -> None:
    global _render_app
    from pipeline import create_app
    from pipeline.reports.jobs import die_with_parent
    from pipeline.reports.render import warm_up

    die_with_parent(parent_pid)
    if niceness:
        os.nice(niceness)
    _render_app = create_app(cfg)
    warm_up(_render_app, sample=True)


def render_to(kind: str, target: str, today_iso: str, path: str) -> str:
    """In the render process (or inline): render the document and write it atomically to ``path``."""
    app = _render_app or current_app._get_current_object()
    with app.app_context():
        from pipeline.extensions import db

        try:
            data = _render(kind, target, date.fromisoformat(today_iso))
        finally:
            db.session.rollback()  # issue 13, allowed: a render process only reads; end its transaction
            db.session.remove()
    out = Path(path)
    part = out.with_name(out.name + f".{os.getpid()}.part")
    part.write_bytes(data)
    os.replace(part, out)
    kind_part, target_part, _day = out.name.split("-", 2)
    for old in out.parent.glob(f"{kind_part}-{target_part}-*.pdf"):  # older days / data of this target
        if old != out:
            old.unlink(missing_ok=True)
    return path


def _render(kind: str, target: str, today: date) -> bytes:
    from pipeline.extensions import db
    from pipeline.models import County
    from pipeline.reports.documents import render_briefing, render_roadmap

    if kind == "roadmap":
        return bytes(render_roadmap(int(target), today))
    county = None if target == "city" else db.session.get(County, int(target))
    return bytes(render_briefing(county, today))


# ----------------------------------------------------------------------------- per-user slots


class _Slot:
    def __init__(self, fh):
        self.fh = fh

    def release(self, *_args) -> None:
        if self.fh is not None:
            try:
                fcntl.flock(self.fh, fcntl.LOCK_UN)
            finally:
                self.fh.close()
                self.fh = None


def _take_slot(user_id: int) -> _Slot:
    limit = int(current_app.config.get("PDF_MAX_RENDERS_PER_USER", 2))
    folder = cache_dir() / "slots"
    folder.mkdir(exist_ok=True)
    for i in range(limit):
        fh = open(folder / f"u{user_id}-{i}", "a+")  # noqa: SIM115 (held until the render ends)
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            fh.close()
            continue
        return _Slot(fh)
    raise RenderLimit(limit)


# ----------------------------------------------------------------------------- the entry point


def _inline(app) -> bool:
    uri = app.config.get("SQLALCHEMY_DATABASE_URI", "")
    return bool(app.config.get("PDF_RENDER_INLINE")) or uri in ("sqlite://", "sqlite:///:memory:")


def get_pdf(user_id: int, kind: str, target: str, today: date) -> bytes:
    """The PDF bytes, from the cache or from a render; raises RenderLimit or StillRendering."""
    app = current_app._get_current_object()
    path = cache_path(kind, target, today)
    if path is None:  # no data stamp: nothing can be cached safely, render now
        return _render(kind, target, today)
    if path.is_file():
        return path.read_bytes()
    key = path.name
    with _pool_lock:
        fut = _inflight.get(key)
    if fut is None:
        slot = _take_slot(user_id)
        try:
            if _inline(app):
                fut = Future()
                fut.set_result(render_to(kind, target, today.isoformat(), str(path)))
                slot.release()
            else:
                fut = _submit(app, kind, target, today, path)
                fut.add_done_callback(slot.release)
        except BaseException:
            slot.release()
            raise
        with _pool_lock:
            _inflight[key] = fut
        fut.add_done_callback(lambda _f: _inflight.pop(key, None))
    try:
        fut.result(timeout=float(app.config.get("PDF_WAIT_SECONDS", 60)))
    except FutureTimeout:
        raise StillRendering() from None
    except BrokenProcessPool:
        _reset_pool()
        raise
    return path.read_bytes()


def _submit(app, kind: str, target: str, today: date, path: Path) -> Future:
    try:
        return _pool_for(app).submit(render_to, kind, target, today.isoformat(), str(path))
    except (BrokenProcessPool, RuntimeError):
        _reset_pool()
        return _pool_for(app).submit(render_to, kind, target, today.isoformat(), str(path))
