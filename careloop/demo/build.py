"""Build the demo practice: generate every part, then replace the previous demo's rows in one transaction.

Each part is a function `generate_<part>(rng, ctx) -> rows` in a module named for what it makes. A later
capability (survey responses, recovery cases, …) adds its module and one line to PARTS. Each part draws
from its own random stream, seeded from the master seed and the part's name, so adding a part never
changes the rows of the others.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import models, transaction
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, ProgressColumn, Task, TextColumn
from rich.text import Text

from careloop.accounts.models import User
from careloop.demo.audits import generate_audits
from careloop.demo.billing import generate_billing
from careloop.demo.calls import generate_calls
from careloop.demo.context import DemoContext
from careloop.demo.messages import generate_messages
from careloop.demo.practice import new_demo_password, upsert_demo_users, upsert_staff
from careloop.demo.referrals import generate_referrals
from careloop.demo.slots import generate_slots
from careloop.demo.survey_responses import generate_survey_responses, resolve_instrument_versions
from careloop.demo.visits import generate_visits
from careloop.events.models import Audit, BillingInquiry, Call, Message, Referral, SlotSnapshot, Visit
from careloop.journeys.models import MeasureKind, Standard
from careloop.surveys.models import Answer, Invitation, Response

WRITE_CHUNK = 2000


@dataclass(frozen=True)
class Part:
    name: str
    tables: tuple[type[models.Model], ...]  # the models this part fills (and empties on a rebuild)
    generate: Callable[[random.Random, DemoContext], Sequence[models.Model]]
    # Run in the write transaction just before the part's rows are written, for rows that point at
    # database rows a generator cannot know (the survey instruments' versions).
    prepare: Callable[[Sequence[models.Model]], None] | None = None


# In order: a part may read the rows of the parts before it (ctx.rows), e.g. referrals follow visits.
PARTS: tuple[Part, ...] = (
    Part("visits", (Visit,), generate_visits),
    Part("calls", (Call,), generate_calls),
    Part("referrals", (Referral,), generate_referrals),
    Part("messages", (Message,), generate_messages),
    Part("billing", (BillingInquiry,), generate_billing),
    Part("audits", (Audit,), generate_audits),
    Part("slots", (SlotSnapshot,), generate_slots),
    Part("surveys", (Invitation, Response, Answer), generate_survey_responses, resolve_instrument_versions),
)


@dataclass
class DemoBuild:
    counts: dict[str, int]
    password: str
    users: list[User]
    seconds: float


def part_random(seed: int, part_name: str) -> random.Random:
    # A string seed is hashed with SHA-512 by random.Random, so the stream is the same on every run
    # and every machine (unlike hash(), which is salted per process).
    return random.Random(f"careloop-demo/{seed}/{part_name}")


def audit_standards_of_active_journey() -> dict[str, str]:
    """The active journey's observation-audit standards, with the staff key of each one's owner."""
    standards = Standard.objects.filter(journey__is_active=True, kind=MeasureKind.AUDIT).select_related(
        "touchpoint__owner"
    )
    return {s.key: (s.touchpoint.owner.key if s.touchpoint.owner else "") for s in standards}


class RowsPerSecondColumn(ProgressColumn):
    def render(self, task: Task) -> Text:
        return Text(f"{task.speed or 0:>9,.0f} rows/s")


def progress_bar(console: Console) -> Progress:
    return Progress(
        TextColumn("{task.description:<22}"),
        BarColumn(),
        MofNCompleteColumn(),
        RowsPerSecondColumn(),
        console=console,
        disable=not console.is_terminal,
    )


def generate_parts(ctx: DemoContext, progress: Progress | None = None) -> dict[str, list[models.Model]]:
    """Every part's rows, in order, into ctx.rows (no database needed)."""
    task = progress.add_task("generating", total=len(PARTS)) if progress else None
    for part in PARTS:
        if progress and task is not None:
            progress.update(task, description=f"generating {part.name}")
        ctx.rows[part.name] = list(part.generate(part_random(ctx.seed, part.name), ctx))
        if progress and task is not None:
            progress.advance(task)
    return ctx.rows


def clear_previous_demo() -> None:
    for part in reversed(PARTS):
        for model in reversed(part.tables):
            model._default_manager.all().delete()


def write_rows(ctx: DemoContext, progress: Progress) -> None:
    total = sum(len(rows) for rows in ctx.rows.values())
    task = progress.add_task("writing rows", total=total)
    for part in PARTS:
        rows = ctx.rows[part.name]
        if part.prepare is not None:
            part.prepare(rows)
        for model in part.tables:
            of_model = [row for row in rows if type(row) is model]
            for start in range(0, len(of_model), WRITE_CHUNK):
                chunk = of_model[start : start + WRITE_CHUNK]
                model._default_manager.bulk_create(chunk)
                progress.advance(task, len(chunk))


def build_demo(*, seed: int, months: int, today: date, console: Console | None = None) -> DemoBuild:
    """Generate the demo practice and write it, replacing the previous demo's events (never duplicating)."""
    started = time.perf_counter()
    console = console or Console(stderr=True)
    ctx = DemoContext(seed, today, months, ZoneInfo(settings.TIME_ZONE), audit_standards_of_active_journey())
    password = new_demo_password()
    with progress_bar(console) as progress:
        generate_parts(ctx, progress)
        with transaction.atomic():
            users = upsert_demo_users(password, upsert_staff())
            clear_previous_demo()
            write_rows(ctx, progress)
    counts = {part.name: len(ctx.rows[part.name]) for part in PARTS}
    return DemoBuild(counts, password, users, time.perf_counter() - started)
