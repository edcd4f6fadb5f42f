"""WTForms for the officers' and firms' pages; every message is Chinese and names the field."""

from pipeline.forms.auth import LoginForm
from pipeline.forms.firm import (
    ConversionForm,
    DeleteForm,
    EvidenceForm,
    FirmForm,
    IncidentForm,
    IPForm,
    YearForm,
)
from pipeline.forms.pool import BulkForm, StageForm
from pipeline.forms.roadmap import FigureForm, MilestoneForm, ProgressForm, ReviewForm, WhatIfForm

__all__ = [
    "BulkForm",
    "ConversionForm",
    "DeleteForm",
    "EvidenceForm",
    "FigureForm",
    "FirmForm",
    "IncidentForm",
    "IPForm",
    "LoginForm",
    "MilestoneForm",
    "ProgressForm",
    "ReviewForm",
    "StageForm",
    "WhatIfForm",
    "YearForm",
]
