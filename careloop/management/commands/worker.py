from __future__ import annotations

from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser


class Command(BaseCommand):
    help = "Run background tasks (Django's Tasks API, database backend) until stopped."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--batch", action="store_true", help="Run every due task, then exit.")
        parser.add_argument("--interval", type=float, default=1.0, help="Seconds between polls.")

    def handle(self, *args: Any, batch: bool, interval: float, **options: Any) -> None:
        from careloop.measures.tasks import ensure_nightly_recompute_scheduled
        from careloop.surveys.tasks import ensure_invitation_work_scheduled
        from careloop.recovery.tasks import ensure_recovery_work_scheduled
        from careloop.governance.tasks import ensure_digest_scheduled
        from careloop.reports.tasks import ensure_brief_scheduled
        from careloop.feedback.tasks import ensure_comment_analysis_scheduled

        # The recurring work (nightly recompute, survey invitations, recovery, digests, the weekly
        # brief, comment analysis) reschedules itself; starting a worker makes sure each chain exists.
        ensure_nightly_recompute_scheduled()
        ensure_invitation_work_scheduled()
        ensure_recovery_work_scheduled()
        ensure_digest_scheduled()
        ensure_brief_scheduled()
        ensure_comment_analysis_scheduled()
        worker_args = ["--interval", str(interval), "--queue-name", "*", "--no-startup-delay"]
        if batch:
            worker_args.append("--batch")
        call_command("db_worker", *worker_args)
