"""gunicorn settings read from the repository root (``gunicorn app:app`` finds this file by itself).

Each worker, once it has loaded the app: warms WeasyPrint and the CJK fonts, and starts its PDF render
process, which warms the same in itself (the first PDF then costs what a warm one does) and freezes the start-up objects out of the garbage collector's generations
(the collector then stops rescanning them on every request: fewer latency spikes).
"""

import gc
import logging


def post_worker_init(worker):
    app = getattr(worker, "wsgi", None)
    if getattr(app, "name", None) == "pipeline":
        try:
            from pipeline.reports.pdfcache import start
            from pipeline.reports.render import warm_up

            took = warm_up(app)
            ready = start(app)  # the render process: a new interpreter that loads the app and warms itself
            if ready is not None:
                ready.result(timeout=120)  # before this worker takes its first request
            logging.getLogger("gunicorn.error").info(
                "worker %s: PDF renderer warmed in %.2f s; render process ready", worker.pid, took
            )
        except Exception:  # a worker without fonts still serves pages
            logging.getLogger("gunicorn.error").exception("PDF warm-up failed")
    gc.collect()
    gc.freeze()
