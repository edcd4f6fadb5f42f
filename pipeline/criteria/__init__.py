"""Pure HNTE / tech-SME criteria engine (no Flask, no database, no clock).

Public API::

    RULES_VERSION                       "hnte-2016/tsme-2017"
    Profile, YearFigures, IPItem, TsmeFlags   input dataclasses (see model.py)
    parse_profile(data) -> Profile      validate contract JSON; raises ProfileError
    assess(profile) -> Assessment       Assessment.to_dict() = contract JSON + "gaps"
    assess_dict(data) -> dict           to_dict(assess(parse_profile(data)))
    DOMAINS, domain_name(code), is_valid_domain(code)
"""

from .domains import DOMAINS, SUBDOMAINS, THIRD_LEVEL, domain_name, is_valid_domain
from .gaps import Gap
from .hnte import RULES_VERSION, Assessment, Condition, assess
from .model import (
    CLASS_I,
    CLASS_II,
    IP_KINDS,
    RD_MANAGEMENT_NAMES,
    RD_MANAGEMENT_POINTS,
    IPItem,
    Profile,
    TsmeFlags,
    YearFigures,
)
from .parse import ProfileError, parse_profile
from .tsme import TsmeResult

__all__ = [
    "RULES_VERSION",
    "YearFigures",
    "IPItem",
    "TsmeFlags",
    "Profile",
    "CLASS_I",
    "CLASS_II",
    "IP_KINDS",
    "RD_MANAGEMENT_POINTS",
    "RD_MANAGEMENT_NAMES",
    "DOMAINS",
    "SUBDOMAINS",
    "THIRD_LEVEL",
    "domain_name",
    "is_valid_domain",
    "Assessment",
    "Condition",
    "TsmeResult",
    "Gap",
    "assess",
    "assess_dict",
    "parse_profile",
    "ProfileError",
]


def assess_dict(data):
    """Contract JSON in (already decoded), contract JSON out (plus "gaps")."""
    return assess(parse_profile(data)).to_dict()
