from __future__ import annotations

from argparse import ArgumentTypeError
import time
from datetime import date, datetime
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from careloop.demo.build import build_demo
from careloop.demo.export_files import export_demo
from careloop.demo.governance_story import tell_governance_story
from careloop.demo.practice import MANAGER_EMAIL
from careloop.demo.recovery_work import work_demo_cases
from careloop.demo.survey_sending import send_last_days_invitations
from careloop.demo.workspace import login_card, prepare_workspace, refuse_to_replace_real_events, write_login_file
from careloop.measures.recompute import recompute_measurements
from careloop.recovery.case_counts import measure_recovery_standards

MAX_MONTHS = 36


def iso_day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise ArgumentTypeError(f"a date as YYYY-MM-DD, not {text!r}") from None


class Command(BaseCommand):
    help = "Build a realistic demo practice from a seeded generator (replacing any previous demo), then serve it."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--months", type=int, default=12, help="months of data up to today (default 12)")
        parser.add_argument("--seed", type=int, default=42, help="same seed, same practice (default 42)")
        parser.add_argument("--today", type=iso_day, default=None, help="the data ends the day before (YYYY-MM-DD)")
        parser.add_argument("--no-serve", action="store_true", help="build only, do not start the web server")
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--export", metavar="DIR", default=None,
                            help="write the demo's events as CSV and FHIR NDJSON files into DIR instead of building it (docs/demo.md)")

    def handle(self, *args: Any, months: int, seed: int, today: date | None, no_serve: bool, host: str,
               port: int, export: str | None = None, **options: Any) -> None:
        if not 1 <= months <= MAX_MONTHS:
            raise CommandError(f"--months must be between 1 and {MAX_MONTHS}, not {months}.")
        today = today or timezone.localdate()
        if export is not None:
            prepare_workspace(self.stdout)  # the active journey's audit standards shape the audits
            self.stdout.write(export_demo(export, seed=seed, months=months, today=today))
            return
        prepare_workspace(self.stdout)
        refuse_to_replace_real_events()
        build = build_demo(seed=seed, months=months, today=today)
        url = f"http://{host}:{port}/"
        path = write_login_file(settings.HOME, login_card(url, build, seed=seed, months=months, today=today))
        rows = ", ".join(f"{count:,} {name}" for name, count in build.counts.items())
        self.stdout.write(f"Built in {build.seconds:.1f} s: {rows}.")
        self.stdout.write(measure_demo(today))
        self.stdout.write(analyse_demo_comments())
        # After the events, responses and comment analysis exist: the rules open cases from them.
        self.stdout.write(work_demo_cases(seed=seed, today=today).summary())
        # The journey's recovery standards count those cases (careloop/recovery/case_counts.py).
        measure_recovery_standards(timezone.make_aware(datetime.combine(today, datetime.min.time())))
        self.stdout.write(send_last_days_invitations(today, seed=seed, home=settings.HOME, public_url=url).summary())
        # Last: the review, the moment of the week and the brief read everything built before them.
        self.stdout.write(tell_governance_story(today, months=months, seed=seed, home=settings.HOME).summary())
        self.stdout.write(f"Every demo user and the password: {path}")
        self.stdout.write(f"careloop demo practice ready: {url} — sign in as {MANAGER_EMAIL} / {build.password}")
        if not no_serve:
            call_command("serve", host=host, port=port)


def measure_demo(today: date) -> str:
    """Measure every standard as of the demo's last day, so the dashboard and the journey map show
    the practice's state at once instead of waiting for the worker's nightly run."""
    started = time.perf_counter()
    as_of = timezone.make_aware(datetime.combine(today, datetime.min.time()))
    report = recompute_measurements(as_of=as_of)
    stored = report.created + report.updated + report.unchanged
    problems = f" ({len(report.errors)} standards could not be measured)" if report.errors else ""
    return f"Measured in {time.perf_counter() - started:.1f} s: {stored:,} measurements{problems}."


def analyse_demo_comments() -> str:
    """Analyse every demo comment (themes, touchpoints, sentiment, staff, urgency), as an import would:
    the demo's responses are bulk-created, so no save signal enqueued their analysis."""
    from careloop.feedback.analysis import analyse_pending

    started = time.perf_counter()
    count = analyse_pending()
    return f"Analysed {count:,} comments in {time.perf_counter() - started:.1f} s."
