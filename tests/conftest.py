"""Shared fixtures: the cast of people every permission test speaks about, and a real browser.

Who may see what (docs/permissions.md):
- ada (admin, IT): users, the audit log, imports; aggregate figures; never a named patient's events.
- maria (manager): everything about the practice, including patient events (audited).
- fran (owner, front-desk lead): the journey and aggregates; patient events (audited).
- bill (owner, billing lead): like fran, for billing.
- cora (committee): the journey and aggregate figures only.
- sam (staff): the journey and aggregate figures only.
- anonymous visitors: the login page only.
"""

from __future__ import annotations

import functools
import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings as django_settings
from django.contrib.auth.hashers import make_password
from django.core.management import call_command
from django.db import transaction
from django.test import Client, override_settings

from careloop.accounts.models import StaffMember, User
from careloop.accounts.roles import Role
from careloop.journeys.journey_file import DEFAULT_JOURNEY_PATH, load_journey_file
from careloop.journeys.models import Journey

PASSWORD = "correct-horse-battery-staple"


def on_postgresql() -> bool:
    return os.environ.get("CARELOOP_TEST_DATABASE_URL", "").startswith(("postgres://", "postgresql://"))


def pytest_report_header(config: pytest.Config) -> str:
    # Said at the top because pytest-xdist's workers deselect on their own and the summary line
    # does not count what they left out.
    if not on_postgresql():
        return "database: SQLite in memory (postgres_only tests are skipped, with the reason)"
    if os.environ.get("CARELOOP_TEST_EVERYTHING") == "1":
        return "database: PostgreSQL, every test"
    return "database: PostgreSQL; tests marked browser or backend_neutral are deselected (CARELOOP_TEST_EVERYTHING=1 keeps them)"


# The slowest test files, slowest first (measured with --durations on the SQLite suite, November 2026:
# each builds a demo practice, drives Chromium, starts servers, or type-checks the tree). pytest-xdist
# hands whole files to its workers in collection order (`--dist loadfile --no-loadscope-reorder` in
# pyproject.toml), so starting them first keeps one long file from running alone at the end while the
# other worker idles (longest-first scheduling). A file missing from this list only runs in its usual
# place: the list changes the order, never what runs.
SLOW_FILES_FIRST = (
    "tests/demo/test_run_demo_command.py",  # three 1-month demo builds (one shared, two rebuilds)
    "tests/demo/test_demo_six_months.py",  # a 6-month demo build, shared by its two tests
    "tests/core/test_typing.py",  # mypy --strict over the whole tree, no cache
    "tests/core/test_serve.py",  # starts `careloop serve` with two workers (migrate, collectstatic)
    "tests/measures/test_cross_backend.py",  # the engine on SQLite, DuckDB and Parquet
    "tests/measures/test_engine_demo.py",  # a 2-month demo build
    "tests/demo/test_demo_recovery.py",  # a 2-month demo build and its recovery work
    "tests/measures/test_engine_period_grain.py",
    "tests/feedback/test_explorer.py",
    "tests/demo/test_demo_in_browser.py",  # a 1-month demo build and Chromium
    "tests/accounts/test_permission_matrix.py",  # every URL as every person
)


def run_slow_files_first(items: list[pytest.Item]) -> None:
    rank = {path: n for n, path in enumerate(SLOW_FILES_FIRST)}
    # sort() is stable: the other files, and the tests inside every file, keep their order.
    items.sort(key=lambda item: rank.get(item.nodeid.split("::", 1)[0], len(rank)))


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Slow files first (SLOW_FILES_FIRST). Tests marked postgres_only run where the suite runs on
    PostgreSQL (CI's second pass, with CARELOOP_TEST_DATABASE_URL set); on SQLite they are reported as
    skipped, with the reason.

    On PostgreSQL, tests whose outcome cannot depend on the database backend (marked `browser` or
    `backend_neutral`: what Chromium draws, the command line's own behaviour, the type check, processes
    that make their own SQLite workspace) are deselected, and the summary counts them: they ran in the
    SQLite pass of the same CI run, and running them twice is most of the time CI would spend.
    CARELOOP_TEST_EVERYTHING=1 keeps them."""
    run_slow_files_first(items)
    if not on_postgresql():
        skip = pytest.mark.skip(reason="needs PostgreSQL: runs in CI's PostgreSQL pass (CARELOOP_TEST_DATABASE_URL)")
        for item in items:
            if item.get_closest_marker("postgres_only") is not None:
                item.add_marker(skip)
        return
    if os.environ.get("CARELOOP_TEST_EVERYTHING") == "1":
        return
    neutral = [item for item in items if item.get_closest_marker("browser") or item.get_closest_marker("backend_neutral")]
    if neutral:
        config.hook.pytest_deselected(items=neutral)
        items[:] = [item for item in items if not (item.get_closest_marker("browser") or item.get_closest_marker("backend_neutral"))]


@pytest.fixture(autouse=True)
def _fresh_rate_limits() -> Iterator[None]:
    """Each test starts with no requests counted: the survey pages' rate limits live in the cache,
    which would otherwise carry counts from one test to the next in the same process."""
    from django.core.cache import cache

    cache.clear()
    yield


# Django's testing documentation ("Speeding up the tests"): "use a faster hashing algorithm" in tests.
# careloop hashes with Argon2id (settings.PASSWORD_HASHERS), about 0.13 s a hash or a check on purpose;
# the suite's logins, wrong passwords, user commands and demo builds did some 90 of them per run. Here
# a fast hasher comes first, so tests hash and check cheaply; the project's own hashers stay listed, so
# an Argon2 hash still checks. Tests about which hasher careloop uses ask for `project_password_hashers`.
# Child processes (`careloop serve`, the command-line tests) use careloop's settings as they are.
PROJECT_PASSWORD_HASHERS = tuple(django_settings.PASSWORD_HASHERS)
FAST_PASSWORD_HASHER = "django.contrib.auth.hashers.MD5PasswordHasher"
FAST_PASSWORD_HASHERS = [FAST_PASSWORD_HASHER, *PROJECT_PASSWORD_HASHERS]


@pytest.fixture(autouse=True, scope="session")
def _fast_password_hasher() -> Iterator[None]:
    with override_settings(PASSWORD_HASHERS=FAST_PASSWORD_HASHERS):
        yield


@pytest.fixture
def project_password_hashers() -> Iterator[None]:
    """careloop's own PASSWORD_HASHERS (Argon2id first: new passwords are hashed with it), for the tests
    about password hashing; the fast hasher is listed last, so the cast's passwords still check."""
    with override_settings(PASSWORD_HASHERS=[*PROJECT_PASSWORD_HASHERS, FAST_PASSWORD_HASHER]):
        yield


@dataclass
class Cast:
    ada: User
    maria: User
    fran: User
    bill: User
    cora: User
    sam: User

    def all(self) -> dict[str, User]:
        return {name: getattr(self, name) for name in ("ada", "maria", "fran", "bill", "cora", "sam")}


@functools.cache
def _password_hash() -> str:
    """PASSWORD hashed once per run, with the tests' fast hasher (FAST_PASSWORD_HASHERS), named so that
    the first test to ask decides nothing (it may be one with `project_password_hashers`)."""
    return make_password(PASSWORD, hasher="md5")


def _user(email: str, role: str, name: str, staff_key: str | None = None) -> User:
    user = User.objects.create_user(email, None, role=role, full_name=name, is_staff=(role == Role.ADMIN))
    user.password = _password_hash()
    user.save(update_fields=["password"])
    if staff_key:
        StaffMember.objects.create(key=staff_key, name=name, user=user, email=email)
    return user


@pytest.fixture
def cast(db: Any) -> Cast:
    return Cast(
        ada=_user("ada@practice.test", Role.ADMIN, "Ada Admin"),
        maria=_user("maria@practice.test", Role.MANAGER, "Maria Manager", "maria-manager"),
        fran=_user("fran@practice.test", Role.OWNER, "Fran Frontdesk", "fran-frontdesk"),
        bill=_user("bill@practice.test", Role.OWNER, "Bill Billing", "bill-billing"),
        cora=_user("cora@practice.test", Role.COMMITTEE, "Cora Committee"),
        sam=_user("sam@practice.test", Role.STAFF, "Sam Staff", "sam-staff"),
    )


def client_for(user: User | None) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


CHROMIUM = os.environ.get("CARELOOP_CHROMIUM", "/usr/bin/chromium")
# As root and on a closed network Chromium needs these (see .ci/run): no sandbox, no GPU,
# and no background calls home that this machine's network would refuse.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """Real headless Chromium (Debian's package), driven by Playwright's Python package."""
    if not shutil.which(CHROMIUM) and not os.path.exists(CHROMIUM):
        pytest.fail(f"Browser tests need Chromium at {CHROMIUM}: apt-get install chromium (see .ci/run).")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page_as(browser: Any, live_server: Any) -> Iterator[Any]:
    """page_as(user) -> a Playwright page signed in as that user through the real login form."""
    contexts = []

    def sign_in(user: User | None) -> Any:
        context = browser.new_context(viewport={"width": 1400, "height": 900})
        contexts.append(context)
        page = context.new_page()
        if user is not None:
            page.goto(f"{live_server.url}/login/")
            page.fill("#id_username", user.email)
            page.fill("#id_password", PASSWORD)
            page.click("button[type=submit]")
            page.wait_for_load_state("networkidle")
        return page

    yield sign_in
    for context in contexts:
        context.close()


@pytest.fixture
def default_journey(db: Any) -> Journey:
    """The shipped default journey template, loaded as the active journey (version 1)."""
    return load_journey_file(DEFAULT_JOURNEY_PATH)


@dataclass(frozen=True)
class BuiltDemo:
    """A `careloop demo --no-serve` run kept for every test of one module: its workspace and what it printed."""

    home: Path
    output: str


@contextmanager
def rolled_back_after_the_module(django_db_blocker: Any) -> Iterator[None]:
    """Rows written inside this block are seen by every test of a module, and gone after it.

    Django's own `setUpTestData` pattern, for module-scoped fixtures: the rows are written inside an
    outer transaction that is rolled back when the module ends, and each test's `db` fixture opens a
    savepoint inside it, so whatever a test changes is undone before the next test and the database is
    as empty after the module as before it. For data that is slow to make and that tests only read
    (a demo build). Use it from a module-scoped fixture whose tests also request `db`; tests of that
    module that need an empty database belong in another module.
    """
    with django_db_blocker.unblock(), transaction.atomic():
        try:
            yield
        finally:
            transaction.set_rollback(True)


@contextmanager
def demo_built_once(django_db_blocker: Any, home: Path, *options: str) -> Iterator[BuiltDemo]:
    """`careloop demo --no-serve *options` run once, in workspace `home`, for the tests of one module.

    A demo build is the slowest thing the suite does (the whole command: build, measure, analyse,
    recovery, invitations, governance), and most demo tests only read what one build left. The rows are
    rolled back when the module ends (rolled_back_after_the_module); the files it writes (login card,
    mailbox) stay in `home`, so tests that build again use their own tmp_path as the workspace.
    """
    with rolled_back_after_the_module(django_db_blocker), override_settings(HOME=home):
        yield BuiltDemo(home, run_demo(*options))


def run_demo(*options: str) -> str:
    """What `careloop demo --no-serve *options` prints, run in this process (the workspace is settings.HOME)."""
    out = StringIO()
    call_command("demo", "--no-serve", *options, stdout=out)
    return out.getvalue()
