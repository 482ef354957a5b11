"""The rules that open cases, as the journey file's `recovery.rules` configures them (docs/recovery.md).

Each rule kind has a finder that turns recent data into CaseOpenings; opening.open_case does the rest
(one case per person and episode). Finders look back LOOKBACK only, so the first run on a year of
imported history does not flood owners with stale cases nobody can recover any more.

Privacy (DESIGN.md, "Anonymity modes"): only a response whose patient chose "contact me" and consented
may open an outreach case; an urgent comment from anyone else opens an incident for the manager that
carries no patient reference at all.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.utils import timezone

from careloop.events.models import BillingInquiry, Referral, ReferralStatus, Visit, VisitStatus
from careloop.journeys.models import Journey
from careloop.measures.business_time import business_days_between, practice_zone
from careloop.recovery.models import EvidenceKind, Priority, Trigger
from careloop.recovery.opening import CaseOpening, open_case
from careloop.surveys.instrument_file import ItemSpec, spec_of
from careloop.surveys.models import Anonymity, Answer, InstrumentVersion, Response

# Two weeks: long enough that a worker down over a long weekend catches up, short enough that only
# experiences a patient still remembers open a case (careloop's choice; docs/recovery.md).
LOOKBACK = timedelta(days=14)
# AHRQ CAHPS reports 0-10 ratings in three groups, 9-10, 7-8 and 0-6 ("Instructions for Analyzing Data
# from CAHPS Surveys"); 0-6 is the bottom box, as it is the detractor range for NPS (Reichheld 2003).
ZERO_TEN_BOTTOM = 6


@dataclass
class RuleReport:
    found: int = 0
    opened: int = 0
    by_kind: dict[str, int] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {"found": self.found, "opened": self.opened, "by_kind": dict(self.by_kind)}


Finder = Callable[[dict[str, Any], datetime, datetime], Iterator[CaseOpening]]


def open_cases_by_rules(now: datetime | None = None, *, since: datetime | None = None) -> RuleReport:
    """Evaluate every rule of the active journey and open the cases they find. Idempotent."""
    moment = now or timezone.now()
    start = since or moment - LOOKBACK
    report = RuleReport()
    journey = Journey.objects.filter(is_active=True).first()
    if journey is None:
        return report
    for rule in journey.recovery.get("rules", []):
        finder = FINDERS[rule["kind"]]
        for opening in finder(rule, start, moment):
            _, created = open_case(opening, journey=journey, now=moment)
            report.found += 1
            report.opened += int(created)
            report.by_kind[rule["kind"]] = report.by_kind.get(rule["kind"], 0) + int(created)
    return report


# --- survey answers -----------------------------------------------------------------------------


def _identified_responses(start: datetime, end: datetime) -> Iterable[Response]:
    """Complete responses whose patient asked to be contacted, with the invitation that names them."""
    return (
        Response.objects.filter(
            is_complete=True,
            completed_at__gte=start,
            completed_at__lte=end,
            anonymity=Anonymity.CONTACT,
            consent_to_contact=True,
            invitation__isnull=False,
        )
        .exclude(invitation__patient_ref="")
        .select_related("invitation")
        .order_by("completed_at", "pk")
    )


def _episode_key(response: Response) -> str:
    invitation = response.invitation
    assert invitation is not None
    episode = f"visit:{invitation.visit_id}" if invitation.visit_id else f"response:{response.external_id}"
    return f"{invitation.patient_ref}:{episode}"


class _Items:
    """Item definitions by instrument version, read once per run."""

    def __init__(self) -> None:
        self._cache: dict[int, dict[str, ItemSpec]] = {}

    def of(self, version_id: int) -> dict[str, ItemSpec]:
        if version_id not in self._cache:
            version = InstrumentVersion.objects.get(pk=version_id)
            self._cache[version_id] = {item.key: item for item in spec_of(version).items()}
        return self._cache[version_id]


def is_detractor(item: ItemSpec, value: str) -> bool:
    return item.nps and value.isdigit() and int(value) <= ZERO_TEN_BOTTOM


def is_bottom_box(item: ItemSpec, value: str) -> bool:
    """The worst answer of a scored item (Never; No, definitely not…), or 0-6 on a 0-10 rating."""
    if item.nps or not item.is_scored:
        return False
    if item.type == "zero_ten":
        return value.isdigit() and int(value) <= ZERO_TEN_BOTTOM
    return bool(item.worst_to_best) and value == item.worst_to_best[0]


def _survey_openings(rule: dict[str, Any], start: datetime, end: datetime, *, detractor: bool) -> Iterator[CaseOpening]:
    items = _Items()
    responses = list(_identified_responses(start, end))
    answers: dict[int, list[tuple[str, str]]] = {}
    for response_id, item_key, value in Answer.objects.filter(response__in=[r.pk for r in responses]).values_list(
        "response_id", "item_key", "value"
    ):
        answers.setdefault(response_id, []).append((item_key, value))
    test = is_detractor if detractor else is_bottom_box
    trigger = Trigger.DETRACTOR if detractor else Trigger.BOTTOM_BOX
    for response in responses:
        definitions = items.of(response.instrument_version_id)
        hits = [(definitions[key], value) for key, value in answers.get(response.pk, []) if key in definitions and test(definitions[key], value)]
        if not hits:
            continue
        item, value = hits[0]
        # The item's own touchpoint is the most specific; the rule's is the fallback.
        touchpoint = item.touchpoint or response.touchpoint or rule.get("touchpoint", "")
        invitation = response.invitation
        assert invitation is not None
        what = f"scored {value} out of 10 for recommending the practice" if detractor else f"answered {value!r} to {item.key}"
        yield CaseOpening(
            dedupe_key=_episode_key(response),
            trigger=trigger,
            summary=f"{'Detractor' if detractor else 'Bottom-box answer'}: {what}",
            touchpoint_key=touchpoint,
            priority=rule.get("priority", Priority.NORMAL),
            evidence_kind=EvidenceKind.RESPONSE,
            evidence_ref=str(response.external_id),
            evidence_detail=", ".join(f"{i.key}={v}" for i, v in hits),
            patient_ref=invitation.patient_ref,
        )


def find_detractors(rule: dict[str, Any], start: datetime, end: datetime) -> Iterator[CaseOpening]:
    return _survey_openings(rule, start, end, detractor=True)


def find_bottom_box_answers(rule: dict[str, Any], start: datetime, end: datetime) -> Iterator[CaseOpening]:
    return _survey_openings(rule, start, end, detractor=False)


# --- urgent comments ----------------------------------------------------------------------------


def urgent_comment_opening(analysis: Any, rule: dict[str, Any], touchpoint_keys: set[str]) -> CaseOpening:
    """An identified case when the patient asked to be contacted; otherwise an incident without identity."""
    response: Response = analysis.response
    invitation = response.invitation
    identified = (
        response.anonymity == Anonymity.CONTACT
        and response.consent_to_contact
        and invitation is not None
        and bool(invitation.patient_ref)
    )
    named = [key for key in analysis.touchpoints if key in touchpoint_keys]
    touchpoint = named[0] if named else rule.get("touchpoint") or response.touchpoint
    kind = analysis.get_urgency_display().lower()
    if identified:
        assert invitation is not None
        return CaseOpening(
            dedupe_key=_episode_key(response),
            trigger=Trigger.URGENT_COMMENT,
            summary=f"Urgent comment: {kind}",
            touchpoint_key=touchpoint,
            priority=Priority.HIGH,
            evidence_kind=EvidenceKind.COMMENT,
            evidence_ref=str(analysis.external_id),
            evidence_detail=analysis.urgency,
            patient_ref=invitation.patient_ref,
        )
    return CaseOpening(
        dedupe_key=f"incident:comment:{analysis.external_id}",
        trigger=Trigger.URGENT_COMMENT,
        summary=f"Incident from a comment, no consent to contact: {kind}",
        touchpoint_key=touchpoint,
        priority=Priority.HIGH,
        evidence_kind=EvidenceKind.COMMENT,
        evidence_ref=str(analysis.external_id),
        evidence_detail=analysis.urgency,
        is_incident=True,
    )


def _urgent_rule(journey: Journey) -> dict[str, Any] | None:
    return next((r for r in journey.recovery.get("rules", []) if r["kind"] == "urgent_comment"), None)


def find_urgent_comments(rule: dict[str, Any], start: datetime, end: datetime) -> Iterator[CaseOpening]:
    from careloop.feedback.models import CommentAnalysis

    journey = Journey.objects.filter(is_active=True).first()
    keys = set(journey.touchpoints.values_list("key", flat=True)) if journey is not None else set()
    analyses = (
        CommentAnalysis.objects.exclude(urgency="")
        .filter(analysed_at__gte=start, analysed_at__lte=end)
        .select_related("response__invitation")
        .order_by("analysed_at", "pk")
    )
    for analysis in analyses:
        yield urgent_comment_opening(analysis, rule, keys)


def open_cases_for_analyses(analyses: list[Any]) -> int:
    """The fast path from comment analysis: open cases for the urgent ones among these, at once."""
    journey = Journey.objects.filter(is_active=True).first()
    rule = _urgent_rule(journey) if journey is not None else None
    if journey is None or rule is None:
        return 0
    keys = set(journey.touchpoints.values_list("key", flat=True))
    opened = 0
    for analysis in analyses:
        if analysis.urgency:
            _, created = open_case(urgent_comment_opening(analysis, rule, keys), journey=journey)
            opened += int(created)
    return opened


# --- individual breaches ------------------------------------------------------------------------


def visit_wait_minutes(visit: Visit) -> float | None:
    """Arrival to the provider coming in (or, if that was not recorded, to being roomed)."""
    seen = visit.provider_in_at or visit.roomed_at
    if visit.arrived_at is None or seen is None:
        return None
    return (seen - visit.arrived_at).total_seconds() / 60


def find_long_waits(rule: dict[str, Any], start: datetime, end: datetime) -> Iterator[CaseOpening]:
    threshold = float(rule["threshold"])
    visits = Visit.objects.filter(
        status=VisitStatus.COMPLETED, arrived_at__gte=start, arrived_at__lte=end
    ).order_by("arrived_at", "pk")
    for visit in visits:
        wait = visit_wait_minutes(visit)
        if wait is None or wait <= threshold:
            continue
        yield CaseOpening(
            dedupe_key=f"{visit.patient_ref}:visit:{visit.visit_id}",
            trigger=Trigger.LONG_WAIT,
            summary=f"Waited {wait:.0f} minutes to see the provider (the rule: over {threshold:g})",
            touchpoint_key=rule["touchpoint"],
            priority=rule.get("priority", Priority.NORMAL),
            evidence_kind=EvidenceKind.VISIT,
            evidence_ref=visit.visit_id,
            evidence_detail=f"{wait:.0f} minutes",
            patient_ref=visit.patient_ref,
        )


def find_open_referrals(rule: dict[str, Any], start: datetime, end: datetime) -> Iterator[CaseOpening]:
    days = float(rule["threshold"])
    limit = timedelta(days=days)
    referrals = Referral.objects.filter(
        closed_at__isnull=True, sent_at__lt=end - limit, sent_at__gte=start - limit
    ).exclude(status__in=[ReferralStatus.CLOSED, ReferralStatus.CANCELLED]).order_by("sent_at", "pk")
    for referral in referrals:
        age = (end - referral.sent_at).days
        yield CaseOpening(
            dedupe_key=f"{referral.patient_ref}:referral:{referral.referral_id}",
            trigger=Trigger.REFERRAL_OPEN,
            summary=f"Referral to {referral.specialty} open for {age} days (the rule: over {days:g})",
            touchpoint_key=rule["touchpoint"],
            priority=rule.get("priority", Priority.NORMAL),
            evidence_kind=EvidenceKind.REFERRAL,
            evidence_ref=referral.referral_id,
            evidence_detail=f"{age} days open",
            patient_ref=referral.patient_ref,
        )


def find_unanswered_billing(rule: dict[str, Any], start: datetime, end: datetime) -> Iterator[CaseOpening]:
    days = int(rule["threshold"])
    zone = practice_zone()
    today = end.astimezone(zone).date()
    # Business days are at most 7/5 of calendar days, plus holidays: twice covers it.
    inquiries = BillingInquiry.objects.filter(
        first_response_at__isnull=True, resolved_at__isnull=True, opened_at__gte=start - timedelta(days=2 * days + 7), opened_at__lte=end
    ).order_by("opened_at", "pk")
    for inquiry in inquiries:
        waited = business_days_between(inquiry.opened_at.astimezone(zone).date(), today)
        if waited <= days:
            continue
        yield CaseOpening(
            dedupe_key=f"{inquiry.patient_ref}:billing:{inquiry.inquiry_id}",
            trigger=Trigger.BILLING_UNANSWERED,
            summary=f"Billing inquiry ({inquiry.category}) unanswered for {waited} business days (the rule: over {days})",
            touchpoint_key=rule["touchpoint"],
            priority=rule.get("priority", Priority.NORMAL),
            evidence_kind=EvidenceKind.BILLING_INQUIRY,
            evidence_ref=inquiry.inquiry_id,
            evidence_detail=f"{waited} business days",
            patient_ref=inquiry.patient_ref,
        )


FINDERS: dict[str, Finder] = {
    "detractor": find_detractors,
    "bottom_box": find_bottom_box_answers,
    "urgent_comment": find_urgent_comments,
    "long_wait": find_long_waits,
    "referral_open": find_open_referrals,
    "billing_unanswered": find_unanswered_billing,
}
