"""Walks every URL of the project as anonymous and as each person in the cast.

How each URL is expected to answer comes from one of three places, and a URL found in none of them
fails the test, so a page added without an access check cannot slip through:
- pages wrapped in accounts.access.require_permission carry their permission: anonymous → sign-in
  redirect, a role with the permission → 200 (a made-up path value → 404), any other role → 404;
- API operations are listed in API_RULES (anonymous → 401, no permission → 404);
- the Django admin: only the admin role gets in; everyone else is sent to the admin's sign-in page;
- a short list of public URLs (PUBLIC_RULES).
Every HTML page answered along the way is also checked for the strict CSP (no inline script or style).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from django.contrib import admin
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils.regex_helper import normalize

from careloop.accounts.models import AuditEntry, User
from careloop.accounts.roles import permissions_for
from tests.accounts.url_rules import core, events, feedback, governance, measures, recovery, reports, surveys
from tests.accounts.url_rules.kinds import LOGIN_ONLY, ApiRule
from tests.conftest import Cast, client_for

# One module per app (tests/accounts/url_rules/): each app lists its own URLs, so apps built side by
# side never edit the same table. Seeded in this order (dependencies point one way along the loop).
RULE_MODULES = (core, events, measures, surveys, feedback, recovery, governance, reports)


def _merged(attribute: str) -> dict[str, Any]:
    merged: dict[str, Any] = {}
    for module in RULE_MODULES:
        part = getattr(module, attribute)
        clash = sorted(set(part) & set(merged))
        assert not clash, f"{module.__name__}.{attribute} repeats {clash}"
        merged.update(part)
    return merged


API_RULES: dict[str, ApiRule] = _merged("API_RULES")
PUBLIC_RULES: dict[str, tuple[int, int]] = _merged("PUBLIC_RULES")
REAL_AND_GUESSED: dict[str, tuple[str, str]] = _merged("REAL_AND_GUESSED")


@dataclass(frozen=True)
class Route:
    text: str
    callback: Any
    params: list[str]
    format: str

    def path(self, values: dict[str, str]) -> str:
        return "/" + self.format % values


def _walk(patterns: list[Any], prefix: str = "", regex: str = "") -> Iterator[Route]:
    for pattern in patterns:
        text = prefix + str(pattern.pattern)
        part = pattern.pattern.regex.pattern.lstrip("^").removesuffix(r"\Z").removesuffix("$")
        if isinstance(pattern, URLResolver):
            yield from _walk(pattern.url_patterns, text, regex + part)
        elif isinstance(pattern, URLPattern):
            fmt, params = normalize(regex + part)[0]
            yield Route(text, pattern.callback, list(params), fmt)


def all_routes() -> list[Route]:
    return list(_walk(get_resolver().url_patterns))


def required_permission(route: Route) -> str | None:
    return getattr(route.callback, "required_permission", None)


def _values(route: Route, which: int) -> dict[str, str]:
    missing = [p for p in route.params if p not in REAL_AND_GUESSED]
    assert not missing, f"{route.text}: add a real and a guessed value for {missing} to REAL_AND_GUESSED"
    return {p: REAL_AND_GUESSED[p][which] for p in route.params}


@pytest.fixture
def practice(cast: Cast) -> Cast:
    for module in RULE_MODULES:
        module.seed()
    return cast


def _people(cast: Cast) -> dict[str, User | None]:
    return {"anonymous": None, **cast.all()}


def _check_csp(route: Route, response: Any) -> None:
    policy = response.get("Content-Security-Policy", "")
    assert "script-src 'self'" in policy, route.text
    assert "unsafe-inline" not in policy and "unsafe-eval" not in policy, route.text
    if response.status_code == 200 and response["Content-Type"].startswith("text/html"):
        html = response.content.decode()
        for tag in re.findall(r"<script\b[^>]*>", html, flags=re.IGNORECASE):
            # JSON data blocks are never executed (HTML spec, "data block"), so CSP does not apply.
            assert "src=" in tag or 'type="application/json"' in tag, f"{route.text}: inline {tag}"
        assert not re.search(r"<style\b", html, flags=re.IGNORECASE), f"{route.text}: <style> block"
        assert not re.search(r"\sstyle\s*=", html, flags=re.IGNORECASE), f"{route.text}: style= attribute"


def _expected_page(permission: str, user: User | None, guessed: bool, has_params: bool) -> int:
    if user is None:
        return 302
    if permission not in permissions_for(user.role):
        return 404
    return 404 if guessed and has_params else 200


def _expected_api(rule: ApiRule, user: User | None, guessed: bool, has_params: bool) -> int:
    if rule.permission == LOGIN_ONLY:
        return 302 if user is None else 200
    if user is None:
        return 401
    if rule.permission not in permissions_for(user.role):
        return 404
    return 404 if guessed and (has_params or rule.body) else 200


def _request(client: Client, route: Route, values: dict[str, str], rule: ApiRule | None) -> Any:
    path = route.path(values)
    if rule is not None and rule.method == "post":
        body = {k: v.format(**values) for k, v in (rule.body or {}).items()}
        return client.post(path, body, content_type="application/json")
    return client.get(path)


def test_it_knows_how_every_url_should_answer() -> None:
    unknown = [
        r.text
        for r in all_routes()
        if required_permission(r) is None
        and r.text not in API_RULES
        and r.text not in PUBLIC_RULES
        and not r.text.startswith("admin/")
    ]
    assert unknown == [], "URLs without require_permission and not listed here: " + ", ".join(unknown)


def test_it_answers_every_page_and_api_call_as_the_matrix_says(practice: Cast) -> None:
    failures = []
    for name, user in _people(practice).items():
        client = client_for(user)
        for route in all_routes():
            if route.text.startswith("admin/"):
                continue
            for which, guessed in ((0, False), (1, True)):
                if guessed and not route.params and route.text not in API_RULES:
                    continue
                values = {**_values(route, which)}
                if route.text in PUBLIC_RULES:
                    expected = 404 if guessed else PUBLIC_RULES[route.text][0 if user is None else 1]
                    rule = None
                elif route.text in API_RULES:
                    rule = API_RULES[route.text]
                    if guessed and not route.params and not rule.body:
                        continue
                    if rule.body:
                        values["patient_ref"] = REAL_AND_GUESSED["patient_ref"][which]
                    expected = _expected_api(rule, user, guessed, bool(route.params))
                else:
                    rule = None
                    permission = required_permission(route)
                    assert permission is not None
                    expected = _expected_page(permission, user, guessed, bool(route.params))
                response = _request(client, route, values, rule)
                if response.status_code != expected:
                    failures.append(f"{name} {route.path(values)}: {response.status_code}, expected {expected}")
                if expected == 302 and user is None and rule is None and route.text not in PUBLIC_RULES:
                    assert response["Location"].startswith("/login/?next="), route.text
                _check_csp(route, response)
    assert failures == []


def test_it_keeps_everyone_but_the_admin_role_out_of_the_django_admin(practice: Cast) -> None:
    failures = []
    for name, user in _people(practice).items():
        if user is not None and user.role == "admin":
            continue
        client = client_for(user)
        for route in all_routes():
            if not route.text.startswith("admin/"):
                continue
            path = route.path(_values(route, 0))
            response = client.get(path)
            if route.text == "admin/login/":
                # The admin's own sign-in form; a signed-in person without the role is told so there.
                ok = response.status_code == 200 and b'name="password"' in response.content
            elif route.text == "admin/logout/":
                ok = response.status_code in (302, 405)
            else:
                ok = response.status_code == 302 and response["Location"].startswith("/admin/login/")
            if not ok:
                failures.append(f"{name} {path}: {response.status_code}")
            _check_csp(route, response)
    assert failures == []


def test_it_lets_the_admin_role_through_the_django_admin_without_errors(practice: Cast) -> None:
    AuditEntry.objects.create(action="read", record_kind="patient_timeline", record_id="P-1001", user=practice.maria)
    client = client_for(practice.ada)
    statuses = {}
    for route in all_routes():
        if route.text.startswith("admin/"):
            response = client.get(route.path(_values(route, 0)))
            statuses[route.text] = response.status_code
            assert response.status_code < 500, route.text
    assert statuses["admin/"] == 200
    assert statuses["admin/accounts/auditentry/"] == 200
    assert statuses["admin/accounts/user/"] == 200
    assert statuses["admin/accounts/auditentry/add/"] == 403


def test_it_registers_no_patient_bearing_model_in_the_django_admin() -> None:
    # Admin pages are not audited, so no model holding a patient_ref may appear there.
    # AuditEntry is the exception: it names which patient was read, never their data.
    allowed = {AuditEntry}
    bearing = [
        model.__name__
        for model in admin.site._registry
        if model not in allowed and any(f.name == "patient_ref" for f in model._meta.get_fields())
    ]
    assert bearing == []
