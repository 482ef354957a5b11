"""`careloop feedback classify` and `analyse`, and the `careloop` entry point reaching them."""

from __future__ import annotations

import json
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command

from careloop import cli
from careloop.feedback.models import CommentAnalysis
from tests.feedback.test_analysis_pipeline import response


@pytest.mark.django_db
def test_it_classifies_the_comments_of_a_csv_as_json(default_journey: Any, tmp_path: Path) -> None:
    csv_path = tmp_path / "comments.csv"
    csv_path.write_text(
        "id,comment\n1,I was charged twice for one visit\n2,\n3,Esperé una hora en la sala de espera\n",
        encoding="utf-8")
    out = StringIO()
    call_command("feedback", "classify", "--csv", str(csv_path), "--text", "comment", "--json", stdout=out)
    result = json.loads(out.getvalue())
    assert result["model"] == "default"
    first, second = result["comments"]
    assert first["line"] == 2 and "cost_billing" in first["themes"] and first["language"] == "en"
    assert second["line"] == 4 and "timeliness" in second["themes"] and second["language"] == "es"
    assert "waiting-room" in second["touchpoints"]


@pytest.mark.django_db
def test_it_says_which_column_is_missing_when_classifying(tmp_path: Path) -> None:
    csv_path = tmp_path / "comments.csv"
    csv_path.write_text("id,text\n1,fine\n", encoding="utf-8")
    with pytest.raises(CommandError, match=r"no text column 'comment' \(the header has: id, text\)"):
        call_command("feedback", "classify", "--csv", str(csv_path), "--text", "comment", stdout=StringIO())
    with pytest.raises(CommandError, match=r"No comment model named 'nope'"):
        call_command("feedback", "classify", "--csv", str(csv_path), "--text", "text", "--model", "nope", stdout=StringIO())


@pytest.mark.django_db
def test_it_analyses_pending_comments_from_the_command_line(default_journey: Any) -> None:
    for text in ("Lovely staff", "Billing never called me back"):
        response(text)
    out = StringIO()
    call_command("feedback", "analyse", stdout=out)
    assert out.getvalue().strip() == "Analysed 2 comments."
    assert CommentAnalysis.objects.count() == 2


def test_it_lists_feedback_among_the_careloop_commands(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["--help"]) == 0
    assert "feedback" in capsys.readouterr().out
