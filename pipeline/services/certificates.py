"""The one rule for an HNTE certificate's state on a day (issue 11).

A certificate is *active* on day D when it has an expiry date on or after D (valid through its expiry
day) and was issued no later than D (or its issue date is unknown). Re-certification replaces the
certificate fields with the new certificate, so a firm whose current certificate is past its expiry
has not been re-certified: it is *expired*, and no surface (pool, funnel, dashboard, PDFs, API) may
show or count it as certified. The goal read model, the pool, the API and the PDFs use these
functions; nothing else spells the rule out.
"""

from __future__ import annotations

from datetime import date

# The predicates are pure (the reminder rules use them); the SQL clauses import the model lazily.

ACTIVE, EXPIRED, NOT_YET, NONE = "active", "expired", "not_yet", "none"
# When an officer confirms what to do with a firm at 已认定 whose certificate has expired, the
# suggested move is back into cultivation: it must apply again under the certification conditions.
EXPIRED_SUGGESTED_STAGE = "pool"


def is_active(cert_date: date | None, expiry: date | None, day: date) -> bool:
    return expiry is not None and expiry >= day and (cert_date is None or cert_date <= day)


def state(cert_date: date | None, expiry: date | None, day: date) -> str:
    if expiry is None:
        return NONE
    if expiry < day:
        return EXPIRED
    if cert_date is not None and cert_date > day:
        return NOT_YET
    return ACTIVE


def firm_state(firm, day: date) -> str:
    return state(firm.hnte_cert_date, firm.hnte_cert_expiry, day)


def active_clause(day: date):
    """SQL: the firm's certificate is active on ``day``."""
    from sqlalchemy import and_, or_

    from pipeline.models import Firm

    return and_(Firm.hnte_cert_expiry >= day, or_(Firm.hnte_cert_date.is_(None), Firm.hnte_cert_date <= day))


def expired_clause(day: date):
    """SQL: the firm's (last) certificate expired before ``day`` and was not replaced by a new one."""
    from pipeline.models import Firm

    return Firm.hnte_cert_expiry < day


def expired_certified_clause(day: date):
    """SQL: at stage 已认定 but the certificate has expired: not certified any more."""
    from sqlalchemy import and_

    from pipeline.models import Firm

    return and_(Firm.stage == "certified", expired_clause(day))


def suggested_stage(firm, day: date) -> str | None:
    """The stage an officer is offered for a firm whose certificate state contradicts its stage."""
    if firm.stage == "certified" and firm_state(firm, day) == EXPIRED:
        return EXPIRED_SUGGESTED_STAGE
    return None
