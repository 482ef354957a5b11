"""Roles and the minimum-necessary permission matrix (docs/permissions.md is its written form).

HIPAA's minimum-necessary standard (45 CFR 164.502(b)) is why the IT admin, the committee and
staff see aggregate figures only: none of them needs a named patient's events to do their job.
"""

from __future__ import annotations

from django.db import models


class Role(models.TextChoices):
    ADMIN = "admin", "Admin (IT)"
    MANAGER = "manager", "Practice manager"
    OWNER = "owner", "Touchpoint owner"
    COMMITTEE = "committee", "Governance committee"
    STAFF = "staff", "Staff"


# Named permissions, one per thing a person may do.
CAN_VIEW_JOURNEY = "can_view_journey"
CAN_EDIT_JOURNEY = "can_edit_journey"
CAN_VIEW_AGGREGATES = "can_view_aggregates"
CAN_VIEW_PATIENT_EVENTS = "can_view_patient_events"
# Finding a patient by reference is a manager's task; an owner reaches a patient from their own work.
CAN_SEARCH_PATIENTS = "can_search_patients"
CAN_IMPORT_DATA = "can_import_data"
CAN_MANAGE_USERS = "can_manage_users"
CAN_VIEW_AUDIT_LOG = "can_view_audit_log"
# Names, emails, phones and consent flags: only to send surveys and to reach a patient about a case.
CAN_VIEW_CONTACTS = "can_view_contacts"
# One patient's survey answers (not the aggregate scores): the people who follow them up.
CAN_VIEW_RESPONSES = "can_view_responses"
# Comments, always shown redacted of patient identity to this permission.
CAN_VIEW_COMMENTS = "can_view_comments"
CAN_CORRECT_LABELS = "can_correct_labels"
# Recording a process change on a standard's SPC chart (it starts new limits).
CAN_RECORD_CHANGES = "can_record_changes"
CAN_WORK_CASES = "can_work_cases"
# Anyone at the desk or on the phone may log a complaint; working it is the owner's job.
CAN_LOG_COMPLAINTS = "can_log_complaints"
CAN_EDIT_REVIEWS = "can_edit_reviews"
CAN_MANAGE_RECOGNITION = "can_manage_recognition"

ALL_PERMISSIONS = (
    CAN_VIEW_JOURNEY,
    CAN_EDIT_JOURNEY,
    CAN_VIEW_AGGREGATES,
    CAN_VIEW_PATIENT_EVENTS,
    CAN_SEARCH_PATIENTS,
    CAN_IMPORT_DATA,
    CAN_MANAGE_USERS,
    CAN_VIEW_AUDIT_LOG,
    CAN_VIEW_CONTACTS,
    CAN_VIEW_RESPONSES,
    CAN_VIEW_COMMENTS,
    CAN_CORRECT_LABELS,
    CAN_RECORD_CHANGES,
    CAN_WORK_CASES,
    CAN_LOG_COMPLAINTS,
    CAN_EDIT_REVIEWS,
    CAN_MANAGE_RECOGNITION,
)

PERMISSIONS_BY_ROLE: dict[str, frozenset[str]] = {
    Role.ADMIN: frozenset(
        {CAN_VIEW_JOURNEY, CAN_EDIT_JOURNEY, CAN_VIEW_AGGREGATES, CAN_IMPORT_DATA, CAN_MANAGE_USERS, CAN_VIEW_AUDIT_LOG}
    ),
    Role.MANAGER: frozenset(
        {
            CAN_VIEW_JOURNEY,
            CAN_EDIT_JOURNEY,
            CAN_VIEW_AGGREGATES,
            CAN_VIEW_PATIENT_EVENTS,
            CAN_SEARCH_PATIENTS,
            CAN_IMPORT_DATA,
            CAN_VIEW_CONTACTS,
            CAN_VIEW_RESPONSES,
            CAN_VIEW_COMMENTS,
            CAN_CORRECT_LABELS,
            CAN_RECORD_CHANGES,
            CAN_WORK_CASES,
            CAN_LOG_COMPLAINTS,
            CAN_MANAGE_RECOGNITION,
        }
    ),
    Role.OWNER: frozenset(
        {
            CAN_VIEW_JOURNEY,
            CAN_VIEW_AGGREGATES,
            CAN_VIEW_PATIENT_EVENTS,
            CAN_VIEW_CONTACTS,
            CAN_VIEW_RESPONSES,
            CAN_VIEW_COMMENTS,
            CAN_WORK_CASES,
            CAN_LOG_COMPLAINTS,
        }
    ),
    Role.COMMITTEE: frozenset(
        {
            CAN_VIEW_JOURNEY,
            CAN_VIEW_AGGREGATES,
            CAN_VIEW_COMMENTS,
            CAN_CORRECT_LABELS,
            CAN_RECORD_CHANGES,
            CAN_EDIT_REVIEWS,
        }
    ),
    Role.STAFF: frozenset({CAN_VIEW_JOURNEY, CAN_VIEW_AGGREGATES, CAN_LOG_COMPLAINTS}),
}


def permissions_for(role: str) -> frozenset[str]:
    return PERMISSIONS_BY_ROLE.get(role, frozenset())
