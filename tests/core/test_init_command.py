"""`careloop init`: migrate, load a journey, say what happened; a clean message when it cannot."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command

from careloop.journeys.journey_file import DEFAULT_JOURNEY_PATH
from careloop.journeys.models import Journey


def run_init(capsys: Any, *args: str) -> str:
    call_command("init", *args)
    return str(capsys.readouterr().out)


@pytest.mark.django_db
def test_it_loads_the_default_template_and_summarises(capsys: Any) -> None:
    out = run_init(capsys)
    assert f"careloop workspace ready in {settings.HOME}" in out
    assert (
        'Active journey: "Outpatient primary care" version 1, 14 touchpoints, 34 standards, 8 accountable owners '
        f"(loaded now from {DEFAULT_JOURNEY_PATH})."
    ) in out
    assert Journey.objects.get().is_active


@pytest.mark.django_db
def test_it_changes_nothing_when_run_again(capsys: Any) -> None:
    run_init(capsys)
    out = run_init(capsys)
    assert "version 1," in out
    assert "already active; `careloop init --journey FILE` loads another" in out
    assert Journey.objects.count() == 1
    out = run_init(capsys, "--journey", str(DEFAULT_JOURNEY_PATH))
    assert f"unchanged: {DEFAULT_JOURNEY_PATH} has the same content" in out
    assert Journey.objects.count() == 1


@pytest.mark.django_db
def test_it_loads_a_changed_file_as_version_2(capsys: Any, tmp_path: Path) -> None:
    run_init(capsys)
    path = tmp_path / "journey.yaml"
    path.write_text(DEFAULT_JOURNEY_PATH.read_text(encoding="utf-8").replace("    threshold: 7\n", "    threshold: 5\n"), encoding="utf-8")
    out = run_init(capsys, "--journey", str(path))
    assert f"version 2, 14 touchpoints, 34 standards, 8 accountable owners (loaded now from {path})" in out
    assert Journey.objects.get(is_active=True).standards.get(key="third-next-available").threshold == 5


@pytest.mark.django_db
def test_it_says_a_missing_file_does_not_exist() -> None:
    with pytest.raises(CommandError) as raised:
        call_command("init", "--journey", "missing.yaml")
    assert str(raised.value) == "the journey file was not loaded, nothing changed:\nmissing.yaml: the file does not exist"
    assert Journey.objects.count() == 0


@pytest.mark.django_db
def test_it_reports_every_problem_and_keeps_the_active_journey(capsys: Any, tmp_path: Path) -> None:
    run_init(capsys)
    path = tmp_path / "journey.yaml"
    text = DEFAULT_JOURNEY_PATH.read_text(encoding="utf-8")
    path.write_text(text.replace("    channel: mail\n", "    channel: fax\n").replace("    goal: 0.95\n", "    goal: 1.5\n"), encoding="utf-8")
    with pytest.raises(CommandError) as raised:
        call_command("init", "--journey", str(path))
    lines = str(raised.value).splitlines()
    channel_line = text.splitlines().index("    channel: mail") + 1
    goal_line = text.splitlines().index("    goal: 0.95") + 1
    assert lines[1] == f"{path} line {channel_line}, touchpoints[13].channel: 'fax' is not one of: phone, web, portal, email, sms, in_person, mail"
    assert lines[2] == f"{path} line {goal_line}, standards[7].goal: goal 1.5 is a share (0.9 means 90 %) and must be between 0 and 1"
    assert len(lines) == 3
    assert list(Journey.objects.values_list("version", "is_active")) == [(1, True)]


@pytest.mark.django_db
def test_it_shows_the_active_journey_as_a_table(capsys: Any) -> None:
    run_init(capsys)
    call_command("journey", "show")
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith("Outpatient primary care, version 1 (active), loaded ")
    assert "website *                web        Web and portal lead        1" in out
    assert "billing                  mail       Billing lead               3" in out
    assert "call-answered-30s                    duration  30 seconds              0.8" in out


@pytest.mark.backend_neutral  # a child process refused before it touches any database
def test_it_exits_non_zero_with_one_clean_message_from_the_command_line(tmp_path: Path) -> None:
    environment = {**os.environ, "CARELOOP_HOME": str(tmp_path / "home")}
    environment.pop("DJANGO_SETTINGS_MODULE", None)
    result = subprocess.run(
        [sys.executable, "-m", "careloop.cli", "init", "--journey", "missing.yaml"],
        capture_output=True,
        text=True,
        env=environment,
        cwd=tmp_path,
        timeout=120,
    )
    assert result.returncode == 1
    assert result.stderr == "CommandError: the journey file was not loaded, nothing changed:\nmissing.yaml: the file does not exist\n"
    assert result.stdout == ""
    # The file is checked before the workspace is touched: no database was created.
    assert not (tmp_path / "home" / "careloop.sqlite3").exists()


@pytest.mark.django_db
def test_it_loads_the_survey_instruments_the_journey_points_at_once(capsys: Any) -> None:
    from careloop.journeys.models import Standard
    from careloop.surveys.models import InstrumentVersion

    out = run_init(capsys)
    assert "Survey instruments ready: cg-cahps-visit, nps, staff-pulse, touchpoint-pulse." in out
    survey_standards = Standard.objects.filter(kind="survey")
    loaded = set(InstrumentVersion.objects.values_list("instrument__key", flat=True))
    assert {s.definition["instrument"] for s in survey_standards} <= loaded
    run_init(capsys)
    assert InstrumentVersion.objects.count() == len(loaded)
