"""All models, imported here so Alembic and the app see the whole schema."""

from pipeline.models import versions as _versions  # noqa: F401  (issue 11: the row-version listener)
from pipeline.models.audit import AuditLog
from pipeline.models.compliance import AnnualReport, BriefingDelivery, BriefingSchedule, ComplianceWatch
from pipeline.models.county import County, Target
from pipeline.models.dept import DeptNode, IndustryChain, TargetSplit
from pipeline.models.firm import (
    Assessment,
    Conversion,
    FigureSubmission,
    Firm,
    FiscalYear,
    Incident,
    IPAsset,
    RdEvidence,
    StageChange,
)
from pipeline.models.job import Job, Snapshot
from pipeline.models.reminder import Delivery, DeliveryAttempt, Reminder, ScanRun, SchedulerLease, Setting
from pipeline.models.roadmap import ApplicationBatch, CalendarYear, LeadTime, Milestone, Roadmap
from pipeline.models.stamp import DataStamp
from pipeline.models.user import ApiToken, LoginAttempt, RememberToken, User

__all__ = [
    "AnnualReport",
    "ApiToken",
    "LoginAttempt",
    "RememberToken",
    "ApplicationBatch",
    "Assessment",
    "AuditLog",
    "BriefingDelivery",
    "BriefingSchedule",
    "CalendarYear",
    "ComplianceWatch",
    "Conversion",
    "DataStamp",
    "County",
    "Delivery",
    "DeliveryAttempt",
    "DeptNode",
    "IndustryChain",
    "TargetSplit",
    "FigureSubmission",
    "FiscalYear",
    "Firm",
    "Incident",
    "IPAsset",
    "Job",
    "LeadTime",
    "Milestone",
    "RdEvidence",
    "Reminder",
    "Roadmap",
    "ScanRun",
    "SchedulerLease",
    "Setting",
    "Snapshot",
    "StageChange",
    "Target",
    "User",
]
