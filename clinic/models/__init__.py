"""The tables, a module per area. Only row behaviour lives here; queries and side effects live
beside the views. Everything is importable from clinic.models, and importing it maps every table."""

from .accounts import AuditEvent, Counselor, RecoveryCode, SetupToken, SignIn, ThrottleHit
from .couples import Couple, Partner, SafetyFlag, searchable
from .outbox import Message
from .sessions import CounselingSession, SessionAddendum, SessionNote, session_assignment
from .work import Assignment, Link, Response, Round, RoundPartner, WorksheetVersion, answers_locked

__all__ = [
    "Assignment",
    "AuditEvent",
    "CounselingSession",
    "Counselor",
    "Couple",
    "Link",
    "Message",
    "Partner",
    "RecoveryCode",
    "Response",
    "Round",
    "RoundPartner",
    "SafetyFlag",
    "SessionAddendum",
    "SessionNote",
    "SetupToken",
    "SignIn",
    "ThrottleHit",
    "WorksheetVersion",
    "answers_locked",
    "searchable",
    "session_assignment",
]
