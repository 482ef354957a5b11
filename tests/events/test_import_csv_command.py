"""`careloop import TABLE PATH`: exit codes a script can act on, and messages for people (no traceback)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from careloop.events.models import Visit

CORPUS = Path(__file__).with_name("corpus")


@pytest.mark.django_db
def test_it_imports_and_prints_the_counts(capsys: pytest.CaptureFixture[str]) -> None:
    call_command("import", "visits", str(CORPUS / "visits-good.csv"))

    out = capsys.readouterr().out
    assert f"{CORPUS / 'visits-good.csv'} → visits: 3 rows read, 3 inserted, 0 updated, 0 unchanged, 0 rejected" in out
    assert Visit.objects.count() == 3


@pytest.mark.django_db
def test_it_fails_with_exit_code_1_and_every_problem(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(CommandError) as error:
        call_command("import", "visits", str(CORPUS / "visits-bad-values.csv"))

    assert error.value.returncode == 1
    assert str(error.value).startswith("nothing was imported: 4 of 4 rows are wrong.")
    assert capsys.readouterr().err.count("visits-bad-values.csv line ") == 4


@pytest.mark.django_db
def test_it_exits_3_when_bad_rows_were_quarantined(tmp_path: Path) -> None:
    with pytest.raises(SystemExit) as exit_:
        call_command("import", "visits", str(CORPUS / "visits-duplicate-ids.csv"), quarantine=str(tmp_path / "bad.csv"))

    assert exit_.value.code == 3
    assert (tmp_path / "bad.csv").exists() and Visit.objects.count() == 2


@pytest.mark.django_db
def test_it_reports_as_json(capsys: pytest.CaptureFixture[str]) -> None:
    call_command("import", "visits", str(CORPUS / "visits-good.csv"), as_json=True)

    report = json.loads(capsys.readouterr().out)
    assert (report["status"], report["inserted"], report["rows"]) == ("imported", 3, 3)


def run_cli(home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CARELOOP_")}
    env["CARELOOP_HOME"] = str(home)
    return subprocess.run(
        [sys.executable, "-m", "careloop", *args], env=env, capture_output=True, text=True, timeout=120
    )


@pytest.mark.backend_neutral  # a child process with its own SQLite workspace, refused before it touches the database
def test_it_shows_no_traceback_for_a_missing_file_or_a_broken_mapping(tmp_path: Path) -> None:
    # Both are found before the database is touched, so the workspace needs no migration.
    mapping = tmp_path / "m.yaml"
    mapping.write_text("columns: [unclosed\n")

    missing = run_cli(tmp_path, "import", "visits", str(tmp_path / "nope.csv"))
    broken = run_cli(tmp_path, "import", "visits", str(CORPUS / "visits-good.csv"), "--mapping", str(mapping))

    assert missing.returncode == 1
    assert f"{tmp_path / 'nope.csv'}: the file does not exist" in missing.stderr
    assert broken.returncode == 1
    assert f"{mapping} line 2: not valid YAML" in broken.stderr
    assert "Traceback" not in missing.stderr + broken.stderr
