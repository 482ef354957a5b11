"""Survey invitations and responses: patients invited after completed visits, some answering the
CG-CAHPS-style visit survey or the NPS question, in English or Spanish, with answers that follow how
the visit went.

The model, in a practice manager's words (docs/demo.md has the numbers aimed for and got):
- One invitation per completed visit, at most one per patient every 90 days (survey fatigue; CAHPS
  samples one visit per patient), by the channel on the patient's contact record: email, SMS (sent
  inside the TCPA's 8:00-21:00 window, 47 CFR 64.1200(c)(1)), or a QR code at the kiosk for patients
  with neither. Two in three get the visit survey, one in three the NPS question.
- Response rates differ by channel: email about 20 %, SMS about 30 %, QR codes about 8 % (Press Ganey
  and NRC Health report email in the mid-teens to twenties and SMS higher; kiosks are lowest).
- About one patient in five answers in Spanish, decided per patient.
- Answers follow the visit: a patient's disposition moves every answer together, a long wait past the
  appointment time lowers the access and office-staff items, the rating and the NPS, and a provider
  running late lowers "spent enough time with you" (patients seen late feel rushed).
- About 5 % of visit-survey patients stop halfway (partial answers are kept, never scored).
- Anonymity: most stay confidential, about a third go anonymous; unhappy patients ask to be
  contacted far more often (with consent), which is what opens an outreach case later.
- Comments (survey_comments.py) from about a third of patients, more from unhappy ones.

Tokens come from the surveys app (only their SHA-256 is stored), so they are fresh at every build and
the only thing the seed does not fix; instrument versions are resolved to the database's when the rows
are written (`resolve_instrument_versions`), so generating needs no database.
"""

from __future__ import annotations

import math
import random
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, time, timedelta

from django.db import models

from careloop.demo.context import DemoContext
from careloop.demo.sampling import pick, skewed
from careloop.demo.survey_comments import Visit as CommentedVisit
from careloop.demo.survey_comments import comment_for
from careloop.demo.survey_sending import LEFT_TO_THE_WORKER
from careloop.events.models import Visit, VisitStatus
from careloop.surveys.answering import derived_scores
from careloop.surveys.instrument_file import (
    INSTRUMENTS_DIR,
    InstrumentSpec,
    ItemSpec,
    load_shipped_instruments,
    read_instrument_file,
)
from careloop.surveys.models import Anonymity, Answer, Instrument, InstrumentVersion, Invitation, InvitationChannel, Response
from careloop.surveys.tokens import DEFAULT_DAYS_VALID, hash_token, new_token

VISIT_SURVEY = "cg-cahps-visit"
NPS_SURVEY = "nps"
NPS_SHARE = 1 / 3
DAYS_BETWEEN_INVITATIONS = 90
CONTACT_CHANNELS: dict[str, float] = {InvitationChannel.EMAIL: 0.5, InvitationChannel.SMS: 0.4, InvitationChannel.QR: 0.1}
RESPONSE_RATE: dict[str, float] = {InvitationChannel.EMAIL: 0.20, InvitationChannel.SMS: 0.30, InvitationChannel.QR: 0.08}
# Median hours from the invitation to the answer.
ANSWER_DELAY_HOURS: dict[str, float] = {InvitationChannel.EMAIL: 18.0, InvitationChannel.SMS: 1.5, InvitationChannel.QR: 0.05}
SPANISH_SHARE = 0.2
PARTIAL_SHARE = 0.05
SKIP_SHARE = 0.03
LONG_WAIT_MINUTES = 30

# Log-odds of the top box for a patient of average disposition seen on time, chosen so the practice
# lands near typical CG-CAHPS results (communication ~90 %, office staff ~85-92 %, "Always" got a
# routine appointment when needed ~60 %, provider rated 9-10 ~80 %).
TOP_BOX_LOG_ODDS = {
    "cgcahps-appointment-urgent": 0.3,
    "cgcahps-appointment-routine": 0.6,
    "cgcahps-question-same-day": 0.3,
    "cgcahps-provider-explains": 2.8,
    "cgcahps-provider-listens": 2.8,
    "cgcahps-provider-respect": 3.1,
    "cgcahps-provider-time": 2.5,
    "cgcahps-provider-knew-history": 1.7,
    "cgcahps-test-results": 2.0,
    "cgcahps-medicines-talked": 2.1,
    "cgcahps-provider-rating": 1.9,
    "cgcahps-office-helpful": 2.2,
    "cgcahps-office-courteous": 2.7,
}
# Items a long wait past the appointment time pulls down, and how hard (log-odds per minute past 15).
WAIT_SENSITIVE = {
    "cgcahps-appointment-urgent": 0.05,
    "cgcahps-appointment-routine": 0.05,
    "cgcahps-question-same-day": 0.04,
    "cgcahps-office-helpful": 0.08,
    "cgcahps-office-courteous": 0.05,
    "cgcahps-provider-rating": 0.04,
}
LATE_SENSITIVE = {"cgcahps-provider-time": 0.05}
SCREENER_YES = {
    "cgcahps-urgent-needed": 0.3,
    "cgcahps-routine-needed": 0.75,
    "cgcahps-question-phoned": 0.4,
    "cgcahps-test-ordered": 0.45,
    "cgcahps-medicines-taken": 0.65,
}
BELOW_TOP = {
    "yes_definitely": {"yes-somewhat": 0.7, "no": 0.3},
    "never_always": {"usually": 0.55, "sometimes": 0.3, "never": 0.15},
    "yes_no": {"no": 1.0},
}
# 0-8 on a 0-10 rating, most often 7 or 8 (ratings cluster high).
BELOW_NINE = {"8": 30.0, "7": 22.0, "6": 12.0, "5": 12.0, "4": 6.0, "3": 5.0, "2": 4.0, "1": 3.0, "0": 6.0}
CASE_MIX = {
    "general-health": {"excellent": 0.15, "very-good": 0.32, "good": 0.33, "fair": 0.15, "poor": 0.05},
    "mental-health": {"excellent": 0.22, "very-good": 0.33, "good": 0.29, "fair": 0.12, "poor": 0.04},
    "age-group": {"18-24": 0.07, "25-34": 0.13, "35-44": 0.15, "45-54": 0.16, "55-64": 0.19, "65-74": 0.18, "75-plus": 0.12},
    "education": {
        "grade-8-or-less": 0.04, "some-high-school": 0.07, "high-school": 0.27,
        "some-college": 0.3, "college": 0.19, "postgraduate": 0.13,
    },
}


@dataclass(frozen=True)
class Patient:
    language: str
    channel: str


@dataclass(frozen=True)
class Experience:
    """How the visit went, as the patient lived it."""

    wait_minutes: float  # from the appointment time (or arrival, if later) until the provider came in
    provider_late_minutes: float  # the provider came in this long after the appointment time
    disposition: float  # how this patient answers surveys in general (standard normal)

    @classmethod
    def of(cls, visit: Visit, disposition: float) -> Experience:
        assert visit.arrived_at and visit.provider_in_at
        since = max(visit.arrived_at, visit.scheduled_start)
        wait = max(0.0, (visit.provider_in_at - since).total_seconds() / 60)
        late = max(0.0, (visit.provider_in_at - visit.scheduled_start).total_seconds() / 60)
        return cls(wait, late, disposition)

    def log_odds(self, item: str) -> float:
        base = TOP_BOX_LOG_ODDS.get(item, 1.5) + 1.2 * self.disposition
        base -= min(2.5, WAIT_SENSITIVE.get(item, 0.0) * max(0.0, self.wait_minutes - 15))
        base -= min(2.0, LATE_SENSITIVE.get(item, 0.0) * max(0.0, self.provider_late_minutes - 15))
        return base


def chance(log_odds: float) -> float:
    return 1 / (1 + math.exp(-log_odds))


def shipped_specs() -> dict[str, InstrumentSpec]:
    return {key: read_instrument_file(INSTRUMENTS_DIR / f"{key}.yaml") for key in (VISIT_SURVEY, NPS_SURVEY)}


def placeholder_version(spec: InstrumentSpec) -> InstrumentVersion:
    """An unsaved stand-in carrying the instrument's key and definition; replaced by the database's
    version when the rows are written."""
    return InstrumentVersion(
        instrument=Instrument(key=spec.key, audience=spec.audience),
        version=spec.version,
        definition=spec.to_dict(),
        languages=list(spec.languages),
    )


def resolve_instrument_versions(rows: Sequence[models.Model]) -> None:
    """Point invitations and responses at the shipped instruments' versions in the database (loaded
    if needed, idempotent)."""
    versions = {(v.instrument.key, v.version): v for v in load_shipped_instruments()}
    for row in rows:
        if isinstance(row, (Invitation, Response)):
            stand_in = row.instrument_version
            row.instrument_version = versions[(stand_in.instrument.key, stand_in.version)]


# --- answers ------------------------------------------------------------------------------------


def answer_item(rng: random.Random, item: ItemSpec, experience: Experience) -> str:
    if item.key in SCREENER_YES:
        return "yes" if rng.random() < SCREENER_YES[item.key] else "no"
    if item.key in CASE_MIX:
        return pick(rng, CASE_MIX[item.key])
    top = rng.random() < chance(experience.log_odds(item.key))
    if item.type == "zero_ten":
        return ("10" if rng.random() < 0.6 else "9") if top else pick(rng, BELOW_NINE)
    return item.top_box[0] if top else pick(rng, BELOW_TOP[item.type])


def nps_rating(rng: random.Random, experience: Experience) -> str:
    """Promoter, passive or detractor from the visit, then a rating in that band."""
    wait_penalty = min(2.5, 0.07 * max(0.0, experience.wait_minutes - 15))
    if rng.random() < chance(1.2 + 1.2 * experience.disposition - wait_penalty):
        return "10" if rng.random() < 0.65 else "9"
    if rng.random() < chance(-0.6 - 1.0 * experience.disposition + wait_penalty):
        return pick(rng, {"6": 3.0, "5": 3.0, "4": 1.0, "3": 1.0, "2": 0.5, "1": 0.5, "0": 1.5})
    return rng.choice(["7", "8", "8"])


def visit_answers(rng: random.Random, spec: InstrumentSpec, experience: Experience, pages: int) -> dict[str, str]:
    """The patient's answers to the first `pages` pages, following the instrument's skip logic."""
    answers: dict[str, str] = {}
    for page in spec.pages[:pages]:
        for item in page.items:
            if item.show_if and answers.get(item.show_if["item"]) not in item.show_if["in"]:
                continue
            if not item.required and rng.random() < SKIP_SHARE:
                continue
            answers[item.key] = answer_item(rng, item, experience)
    return answers


def mood_of(answers: dict[str, str]) -> str:
    """Unhappy: a detractor's rating (0-6) on either 0-10 question, or office staff not helpful."""
    ratings = [int(answers[key]) for key in ("likely-to-recommend", "cgcahps-provider-rating") if key in answers]
    if any(r <= 6 for r in ratings) or answers.get("cgcahps-office-helpful") == "no":
        return "unhappy"
    if ratings and all(r >= 9 for r in ratings):
        return "happy"
    return "neutral"


# --- invitations and responses ------------------------------------------------------------------


def sent_at(rng: random.Random, ctx: DemoContext, checkout: datetime, channel: str) -> datetime:
    """When the invitation goes out: at checkout for a kiosk QR code; a text an hour or two later,
    held to 8:00-21:00 local; an email the next morning."""
    local = checkout.astimezone(ctx.tz).replace(tzinfo=None)
    if channel == InvitationChannel.QR:
        moment = local
    elif channel == InvitationChannel.SMS:
        moment = local + timedelta(minutes=rng.uniform(60, 150))
        if moment.time() >= time(21, 0):
            moment = datetime.combine(moment.date() + timedelta(days=1), time(9, 0))
    else:
        moment = datetime.combine(local.date() + timedelta(days=1), time(9, 0)) + timedelta(minutes=rng.uniform(0, 90))
    return ctx.aware(moment)


def start_of_day(moment: datetime, ctx: DemoContext) -> datetime:
    local = moment.astimezone(ctx.tz)
    return local.replace(hour=0, minute=0, second=0, microsecond=0)


def draw_anonymity(rng: random.Random, mood: str) -> str:
    if mood == "unhappy":
        return pick(rng, {Anonymity.CONTACT: 0.4, Anonymity.CONFIDENTIAL: 0.4, Anonymity.ANONYMOUS: 0.2})
    return pick(rng, {Anonymity.CONTACT: 0.03, Anonymity.CONFIDENTIAL: 0.62, Anonymity.ANONYMOUS: 0.35})


def comment_share(mood: str) -> float:
    return {"unhappy": 0.6, "happy": 0.3, "neutral": 0.2}[mood]


@dataclass
class Generator:
    rng: random.Random
    ctx: DemoContext
    specs: dict[str, InstrumentSpec]
    versions: dict[str, InstrumentVersion]

    def respond(self, invitation: Invitation, visit: Visit, answered: datetime) -> list[models.Model]:
        rng, key = self.rng, invitation.instrument_version.instrument.key
        spec = self.specs[key]
        experience = Experience.of(visit, rng.gauss(0.0, 1.0))
        partial = key == VISIT_SURVEY and rng.random() < PARTIAL_SHARE
        pages = rng.randint(1, len(spec.pages) - 2) if partial else len(spec.pages)
        if key == NPS_SURVEY:
            answers = {"likely-to-recommend": nps_rating(rng, experience)}
        else:
            answers = visit_answers(rng, spec, experience, pages)
        response = Response(
            invitation=invitation,
            instrument_version=invitation.instrument_version,
            language=invitation.language,
            provider=invitation.provider,
            location=invitation.location,
            visit_type=invitation.visit_type,
            page=pages,
            started_at=(answered - timedelta(minutes=rng.uniform(1, 4))).replace(microsecond=0),
        )
        if not partial:
            self.complete(response, invitation, visit, experience, answers, answered)
        rows: list[models.Model] = [response]
        for item_key, value in answers.items():
            item = spec.item(item_key)
            assert item is not None
            top, score = derived_scores(item, value)
            rows.append(Answer(response=response, item_key=item_key, value=value, top_box=top, score_100=score))
        return rows

    def complete(
        self, response: Response, invitation: Invitation, visit: Visit, experience: Experience,
        answers: dict[str, str], answered: datetime,
    ) -> None:
        rng = self.rng
        mood = mood_of(answers)
        response.anonymity = draw_anonymity(rng, mood)
        response.consent_to_contact = response.anonymity == Anonymity.CONTACT
        if rng.random() < comment_share(mood):
            about = CommentedVisit(visit.provider, experience.wait_minutes, experience.provider_late_minutes)
            response.comment = comment_for(rng, invitation.language, about, mood)
        response.is_complete = True
        response.completed_at = answered
        invitation.used_at = answered
        if response.anonymity == Anonymity.ANONYMOUS:
            # As the answer page does: cut loose from the invitation, times kept to the day.
            response.invitation = None
            response.started_at = start_of_day(response.started_at, self.ctx)
            response.completed_at = invitation.used_at = start_of_day(answered, self.ctx)

    def invite(self, visit: Visit, patient: Patient) -> list[models.Model]:
        rng, ctx = self.rng, self.ctx
        assert visit.checkout_at is not None
        key = NPS_SURVEY if rng.random() < NPS_SHARE else VISIT_SURVEY
        sent = sent_at(rng, ctx, visit.checkout_at, patient.channel)
        invitation = Invitation(
            token_hash=hash_token(new_token()),
            instrument_version=self.versions[key],
            visit_id=visit.visit_id,
            patient_ref=visit.patient_ref,
            provider=visit.provider,
            location=visit.location,
            visit_type=visit.visit_type,
            channel=patient.channel,
            language=patient.language,
            created_at=sent,
            expires_at=sent + timedelta(days=DEFAULT_DAYS_VALID),
        )
        rows: list[models.Model] = [invitation]
        answers = rng.random() < RESPONSE_RATE[patient.channel]
        answered = sent + timedelta(hours=min(24.0 * 13, skewed(rng, ANSWER_DELAY_HOURS[patient.channel], 0.9)))
        if answers and answered < ctx.aware(ctx.as_of):
            rows += self.respond(invitation, visit, answered.replace(microsecond=0))
        return rows


def surveyed_visits(ctx: DemoContext) -> list[Visit]:
    visits = [v for v in ctx.rows["visits"] if isinstance(v, Visit) and v.status == VisitStatus.COMPLETED]
    return sorted((v for v in visits if v.checkout_at and v.provider_in_at and v.arrived_at), key=lambda v: v.scheduled_start)


def generate_survey_responses(rng: random.Random, ctx: DemoContext) -> list[models.Model]:
    specs = shipped_specs()
    generator = Generator(rng, ctx, specs, {key: placeholder_version(spec) for key, spec in specs.items()})
    patients: dict[str, Patient] = {}
    last_invited: dict[str, datetime] = {}
    rows: list[models.Model] = []
    # The last days are left to the real invitation planner and sender (survey_sending.py).
    simulated_until = ctx.aware(ctx.as_of) - LEFT_TO_THE_WORKER
    for visit in surveyed_visits(ctx):
        if visit.checkout_at is not None and visit.checkout_at >= simulated_until:
            continue
        patient = patients.get(visit.patient_ref)
        if patient is None:
            language = "es" if rng.random() < SPANISH_SHARE else "en"
            patient = patients[visit.patient_ref] = Patient(language, pick(rng, CONTACT_CHANNELS))
        previous = last_invited.get(visit.patient_ref)
        if previous is not None and visit.scheduled_start - previous < timedelta(days=DAYS_BETWEEN_INVITATIONS):
            continue
        last_invited[visit.patient_ref] = visit.scheduled_start
        rows += generator.invite(visit, patient)
    return rows

