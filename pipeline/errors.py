"""Domain errors: what services raise when a request cannot be carried out.

Services never import Flask; they raise one of these and one handler (``pipeline.web.errors.register``)
maps it to HTTP for pages and for the API. ``message`` is for the user, in the UI language (Chinese by
default); ``field`` names the form field or API parameter it is about, so a view places the message
by the field, never by matching its text.
"""

from __future__ import annotations


class DomainError(Exception):
    status = 400

    def __init__(self, message: str = "", field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field

    def __str__(self) -> str:
        return self.message


class NotFound(DomainError):
    """No such record, or not in the user's scope (a probe learns nothing: both are 404)."""

    status = 404


class Forbidden(DomainError):
    """The user is known to see the record but may not do this to it."""

    status = 403


class Invalid(DomainError, ValueError):
    """A value that cannot be right (the message names the field)."""

    status = 422


class Conflict(Invalid):
    """The value clashes with another record (a duplicate code, a stale form)."""

    status = 409
