"""careloop manage survey_link VISIT_ID: a single-use survey link for one completed visit, printed once
(the token is never stored, only its SHA-256)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from careloop.surveys.instrument_file import InstrumentFileError, active_instrument_version, load_shipped_instruments
from careloop.surveys.models import InvitationChannel
from careloop.surveys.tokens import DEFAULT_DAYS_VALID, InvitationError, completed_visit, create_invitation


class Command(BaseCommand):
    help = "Make a single-use survey link for a completed visit (or a patient, or a staff pulse) and print it."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("visit_id", nargs="?", metavar="VISIT_ID", help="a completed visit's id")
        parser.add_argument("--instrument", default="cg-cahps-visit", help="instrument key (default: cg-cahps-visit)")
        parser.add_argument("--patient", default="", metavar="REF", help="a patient reference, for a survey not tied to a visit")
        parser.add_argument("--touchpoint", default="", help="for touchpoint-pulse: ask only this touchpoint's question")
        parser.add_argument("--language", default="", help="the patient's language (default: the browser's)")
        parser.add_argument("--channel", default=InvitationChannel.LINK, choices=InvitationChannel.values)
        parser.add_argument("--days", type=int, default=DEFAULT_DAYS_VALID, help=f"days the link stays open (default {DEFAULT_DAYS_VALID})")
        parser.add_argument("--base-url", default="http://127.0.0.1:8000", help="the address patients reach careloop at")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            load_shipped_instruments()
        except InstrumentFileError as error:
            raise CommandError(f"a shipped instrument file is wrong:\n{error}") from None
        version = active_instrument_version(options["instrument"])
        if version is None:
            raise CommandError(f"no instrument has the key {options['instrument']!r}; see careloop manage survey_instruments list")
        try:
            visit = completed_visit(options["visit_id"]) if options["visit_id"] else None
            made = create_invitation(
                version,
                visit=visit,
                patient_ref=options["patient"],
                touchpoint=options["touchpoint"],
                channel=options["channel"],
                language=options["language"],
                days_valid=options["days"],
            )
        except InvitationError as error:
            raise CommandError(str(error)) from None
        self.stdout.write(options["base_url"].rstrip("/") + made.path())
