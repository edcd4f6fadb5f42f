"""The request's one transaction boundary (issue 13).

Services flush and never commit. Every request ends its transaction here, once:

- **commit** when the response is a success or a redirect (status < 400) and the view did not refuse;
- **roll back** on an exception (Flask answers it with an error status), on any error status
  (>= 400), and when the view called :func:`refuse`.

So a view that re-renders a form after a domain error answers 4xx (422 invalid, 409 stale or a clash),
and a view that answers a domain error with a message and a redirect back calls ``refuse(message)``.
Either way nothing the failed service had flushed is kept. Error pages call :func:`abandon` before
they render (they read the current user, which a failed flush would otherwise block).

A commit that fails here (the database went away, a deferred constraint) propagates: the response
becomes the error page (503 or 500) and nothing was written.
"""

from __future__ import annotations

from flask import Flask, flash, g

from pipeline.extensions import db

_REFUSED = "_tx_refused"


def refuse(message: str, category: str = "danger") -> None:
    """Show ``message`` on the next page and roll this request back (a redirect would commit)."""
    flash(message, category)
    setattr(g, _REFUSED, True)


def abandon() -> None:
    """Roll back now: an error page is about to render (the request will not commit)."""
    try:
        db.session.rollback()
    except Exception:  # the database is what failed: nothing more to do here
        pass


def end(response):
    """The boundary itself: one commit or one rollback per request."""
    refused = bool(g.pop(_REFUSED, False))
    if response.status_code < 400 and not refused:
        try:
            db.session.commit()
        except Exception:
            abandon()
            raise
    else:
        abandon()
    return response


def register(app: Flask) -> None:
    app.after_request(end)
