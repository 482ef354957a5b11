"""The workspace around the demo: make sure it is initialised with a journey, and leave the demo's sign-in
details where only the person who built it can read them."""

from __future__ import annotations

import os
from datetime import date
from pathlib import Path
from django.conf import settings
from django.core.management import call_command, get_commands
from django.core.management.base import CommandError, OutputWrapper

from careloop.accounts.models import User
from careloop.accounts.roles import Role
from careloop.demo.build import PARTS, DemoBuild
from careloop.demo.practice import MANAGER_EMAIL

LOGIN_FILE_NAME = "demo-login.txt"


def prepare_workspace(stdout: OutputWrapper) -> None:
    """`careloop init` (migrate and load the default journey when none is active)."""
    if "init" in get_commands():
        call_command("init", stdout=stdout)
        return
    # Until `careloop init` exists: migrate, and load the default journey if none is active.
    from careloop.journeys.models import Journey

    call_command("migrate", interactive=False, verbosity=0)
    if Journey.objects.filter(is_active=True).exists():
        return
    try:
        from careloop.journeys.journey_file import DEFAULT_JOURNEY_PATH, load_journey_file
    except ImportError:
        stdout.write("No journey loader in this version: the demo has events but no journey.")
        return
    load_journey_file(DEFAULT_JOURNEY_PATH)


def refuse_to_replace_real_events() -> None:
    """A demo build replaces every event. Events in a workspace no demo was built in (it has no demo
    manager) are a real practice's data: stop, say so, and say what to do."""
    if User.objects.filter(email=MANAGER_EMAIL).exists():
        return
    count = sum(model._default_manager.count() for part in PARTS for model in part.tables)
    if count:
        raise CommandError(
            f"This workspace ({settings.HOME}) holds {count:,} event{'s' if count != 1 else ''} that careloop "
            "demo did not make, and a demo build replaces every event. Build the demo in a workspace of its "
            "own: CARELOOP_HOME=./careloop-demo careloop demo"
        )


def login_card(url: str, build: DemoBuild, *, seed: int, months: int, today: date) -> str:
    roles = dict(Role.choices)
    lines = [
        f"careloop demo practice (seed {seed}, {months} months up to {today:%Y-%m-%d})",
        f"URL:      {url}",
        f"Password: {build.password}   (the same for every demo user; a new one at every build)",
        "",
    ]
    lines += [f"  {user.email:<32} {roles[user.role]:<22} {user.full_name}" for user in build.users]
    return "\n".join(lines) + "\n"


def write_login_file(home: Path, text: str) -> Path:
    """Write the sign-in card readable by its owner only (mode 600), even if an older one was wider."""
    home.mkdir(parents=True, exist_ok=True)
    path = home / LOGIN_FILE_NAME
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.fchmod(descriptor, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        handle.write(text)
    return path
