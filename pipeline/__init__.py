"""小升高 cultivation pipeline tracker.

Importing the package stays cheap: the pure engines (``pipeline.criteria``, ``pipeline.roadmap``,
``pipeline.forecast``) and their command-line doors must not pay for Flask. ``create_app`` imports
the web stack only when it is called.
"""


def create_app(config=None):
    """Build the Flask application; see :func:`pipeline.factory.create_app`."""
    from pipeline.factory import create_app as _create_app

    return _create_app(config)
