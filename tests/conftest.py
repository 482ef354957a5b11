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
from dataclasses import dataclass
from typing import Any

import pytest
from django.contrib.auth.hashers import make_password
from django.test import Client

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


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Tests marked postgres_only run where the suite runs on PostgreSQL (CI's second pass, with
    CARELOOP_TEST_DATABASE_URL set); on SQLite they are reported as skipped, with the reason.

    On PostgreSQL, tests whose outcome cannot depend on the database backend (marked `browser` or
    `backend_neutral`: what Chromium draws, the command line's own behaviour, the type check, processes
    that make their own SQLite workspace) are deselected, and the summary counts them: they ran in the
    SQLite pass of the same CI run, and running them twice is most of the time CI would spend.
    CARELOOP_TEST_EVERYTHING=1 keeps them."""
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
    """PASSWORD hashed once per run: Argon2 is slow on purpose (about 0.3 s a hash), and six
    people per test would otherwise cost seconds each. Still a real Argon2id hash."""
    return make_password(PASSWORD)


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
