"""A page of rows of any ``SELECT`` (``db.paginate`` keeps only the first entity of a row)."""

from __future__ import annotations

from sqlalchemy import Select, func, select

from pipeline.extensions import db


class RowPage:
    """A page of multi-column rows with the attributes of Flask-SQLAlchemy's ``Pagination``
    (``items``, ``total``, ``page``, ``pages``, ``has_prev`` …): two queries, the count and the page.
    A page past the last one shows the last one."""

    def __init__(self, query: Select, page: int, per_page: int) -> None:
        self.total = db.session.scalar(select(func.count()).select_from(query.order_by(None).subquery())) or 0
        self.per_page = per_page
        self.pages = max((self.total + per_page - 1) // per_page, 1)
        self.page = min(max(page, 1), self.pages)
        self.items = db.session.execute(query.limit(per_page).offset((self.page - 1) * per_page)).all()
        self.has_prev, self.has_next = self.page > 1, self.page < self.pages
        self.prev_num, self.next_num = self.page - 1, self.page + 1
