from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from careloop.cli import COMMANDS, main


def test_it_lists_every_command_in_help(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--help"]) == 0
    out = capsys.readouterr().out
    for name in COMMANDS:
        assert f"  {name} " in out


def test_it_rejects_an_unknown_command_with_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["frobnicate"]) == 2
    assert "unknown command 'frobnicate'" in capsys.readouterr().err


@pytest.mark.backend_neutral  # a child process with its own SQLite workspace
def test_it_runs_a_django_command_through_manage(tmp_path: object) -> None:
    # A real subprocess: the console entry point must configure Django by itself.
    result = subprocess.run(
        [sys.executable, "-m", "careloop", "manage", "check"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert "System check identified no issues" in result.stdout


@pytest.mark.backend_neutral  # a child process with its own SQLite workspace
def test_it_keeps_workspace_files_private(tmp_path: object) -> None:
    home = Path(str(tmp_path)) / "workspace"
    env = {k: v for k, v in os.environ.items() if not k.startswith("CARELOOP_")}
    env["CARELOOP_HOME"] = str(home)
    result = subprocess.run(
        [sys.executable, "-m", "careloop", "manage", "migrate", "--verbosity", "0"],
        capture_output=True, text=True, timeout=120, env=env,
    )
    assert result.returncode == 0, result.stderr
    database = home / "careloop.sqlite3"
    assert database.exists()
    # Patient data: no group or other permissions on the database or the key.
    assert database.stat().st_mode & 0o077 == 0
    assert (home / "secret_key").stat().st_mode & 0o077 == 0
