from __future__ import annotations

import subprocess
import sys

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
