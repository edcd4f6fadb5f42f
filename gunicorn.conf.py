"""gunicorn settings read from the repository root (``gunicorn app:app`` finds this file by itself).

Each worker, once it has loaded the app: starts its PDF render process (a new interpreter that warms
WeasyPrint and the CJK fonts in itself, so the first PDF costs what a warm one does), warms the same in
the worker meanwhile, waits for the render process, and freezes the start-up objects out of the garbage
collector's generations (the collector then stops rescanning them on every request: fewer latency spikes).
"""

import gc
import logging


def post_worker_init(worker):
    app = getattr(worker, "wsgi", None)
    if getattr(app, "name", None) == "pipeline":
        try:
            from pipeline.reports.pdfcache import start
            from pipeline.reports.render import warm_up

            ready = start(app)  # the render process: a new interpreter that loads the app and warms itself
            took = warm_up(app)  # this worker warms meanwhile
            if ready is not None:
                ready.result(timeout=120)  # before this worker takes its first request
            logging.getLogger("gunicorn.error").info(
                "worker %s: PDF renderer warmed in %.2f s; render process ready", worker.pid, took
            )
        except Exception:  # a worker without fonts still serves pages
            logging.getLogger("gunicorn.error").exception("PDF warm-up failed")
    gc.collect()
    gc.freeze()
