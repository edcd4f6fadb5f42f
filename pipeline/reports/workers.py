"""Start-up of a batch job's render worker, kept in a module that imports nothing heavy.

A spawned worker unpickles its initializer by reference, importing the initializer's module first.
Here that import is cheap, so the app, SQLAlchemy and WeasyPrint are imported inside ``boot`` with
the garbage collector off: the collections the imports would trigger (hundreds of thousands of new
objects, none of them garbage) were ~0.4 s of each worker's 1.8 s of start-up (issue 15).
"""

from __future__ import annotations

import gc


def boot(cfg: dict, parent_pid: int | None = None) -> None:
    """The pool's initializer: build the worker's app with the collector off, then freeze what it made."""
    gc.disable()
    try:
        from pipeline.reports import jobs

        jobs._init_worker(cfg, parent_pid)
    finally:
        gc.enable()
