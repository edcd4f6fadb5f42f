"""What services may know of the running application, without importing Flask themselves.

Services read settings (``setting``), the calling client's address for the audit log
(``client_ip``) and, to hand to worker processes, the application object (``app_object``). The
web framework stays behind this module; a service never imports ``flask``.
"""

from __future__ import annotations


def settings():
    """The application's settings mapping (``app.config``)."""
    from flask import current_app

    return current_app.config


def setting(name: str, default=None):
    return settings().get(name, default)


def client_ip() -> str | None:
    """The address of the request being served, None outside a request (CLI, jobs)."""
    from flask import has_request_context, request

    return request.remote_addr if has_request_context() else None


def app_object():
    """The application itself (for processes forked from this one)."""
    from flask import current_app

    return current_app._get_current_object()
