"""`careloop feedback train | evaluate | classify | analyse`: comment models from the command line.

    careloop feedback train    --csv FILE --text COL [--label-column COL] [--model NAME]
    careloop feedback evaluate --csv FILE --text COL [--label-column COL] [--model NAME] [--folds 5] [--json]
    careloop feedback classify --csv FILE --text COL [--model NAME] [--json]
    careloop feedback analyse  [--again]

docs/comment-analysis.md explains the CSV layout and what the figures mean.
"""

from __future__ import annotations

import json

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from careloop.feedback.model_store import (
    DEFAULT_NAME,
    BadModelName,
    ModelNotFound,
    check_model_name,
    load_model,
    model_folder,
    save_model,
)
from careloop.feedback.training import TrainingDataError, as_theme_keys, read_labelled_csv, read_texts


def add_csv_arguments(parser: CommandParser, *, labels: bool) -> None:
    parser.add_argument("--csv", required=True, type=Path, help="a UTF-8 CSV file with a header row")
    parser.add_argument("--text", required=True, help="the column holding the comment")
    if labels:
        parser.add_argument(
            "--label-column",
            default=None,
            help="one column of labels, several separated by ';' (without it, every other column is a 0/1 label)",
        )
    parser.add_argument("--model", default=None, help=f"model name (default: {DEFAULT_NAME!r}, the one the analysis uses)")


class Command(BaseCommand):
    help = "Train, evaluate and apply comment models; analyse pending survey comments."

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True, metavar="{train,evaluate,classify,analyse}")
        train = actions.add_parser("train", help="train a theme model on a labelled CSV")
        add_csv_arguments(train, labels=True)
        train.add_argument("--no-corrections", action="store_true",
                           help="leave out the label corrections made in the explorer")
        evaluate = actions.add_parser("evaluate", help="measure a model on a labelled CSV")
        add_csv_arguments(evaluate, labels=True)
        evaluate.add_argument("--folds", type=int, default=5,
                              help="without --model: k of the de-duplicated k-fold cross-validation (default 5)")
        evaluate.add_argument("--json", action="store_true", help="print the figures as JSON")
        classify = actions.add_parser("classify", help="label the comments of a CSV with a model")
        add_csv_arguments(classify, labels=False)
        classify.add_argument("--json", action="store_true", help="print the readings as JSON")
        analyse = actions.add_parser("analyse", help="analyse completed survey comments not analysed yet")
        analyse.add_argument("--again", action="store_true", help="re-analyse every comment (corrections are kept)")

    def handle(self, *args: Any, action: str, **options: Any) -> None:
        try:
            if action == "train":
                self.train(**options)
            elif action == "evaluate":
                self.evaluate(**options)
            elif action == "classify":
                self.classify(**options)
            else:
                self.analyse(**options)
        except (TrainingDataError, ModelNotFound, BadModelName) as error:
            raise CommandError(str(error)) from None

    def warn(self, warnings: list[str]) -> None:
        for warning in warnings:
            self.stderr.write(f"warning: {warning}")

    def train(self, *, csv: Path, text: str, label_column: str | None, model: str | None, no_corrections: bool,
              **options: Any) -> None:
        from careloop.feedback.training import train_model

        name = check_model_name(model or DEFAULT_NAME)
        data = read_labelled_csv(csv, text, label_column)
        if name == DEFAULT_NAME:
            # The analysis's model must answer in themes of the framework.
            data = as_theme_keys(data)
        self.warn(data.warnings)
        # Corrections are in themes: any theme can join the default model through them.
        correction_labels = _theme_keys() if name == DEFAULT_NAME else None
        trained = train_model(data, name=name, include_corrections=not no_corrections,
                              correction_labels=correction_labels, about={"text_column": text, "label_column": label_column})
        folder = save_model(trained, model_folder(name))
        facts = trained.about
        self.stdout.write(
            f"Trained model {name!r} on {facts['comments']:,} comments, {len(trained.themes.labels)} labels "
            f"({'one per comment' if trained.themes.single_label else 'several per comment'}); "
            f"{facts['theme_corrections_used']} label corrections used. Saved in {folder}."
        )

    def evaluate(self, *, csv: Path, text: str, label_column: str | None, model: str | None, folds: int,
                 json: bool, **options: Any) -> None:
        from careloop.feedback.evaluation import cross_validate, evaluate_model

        if not 2 <= folds <= 20:
            raise CommandError(f"--folds must be between 2 and 20, not {folds}.")
        data = read_labelled_csv(csv, text, label_column, for_training=model is None)
        self.warn(data.warnings)
        try:
            if model is None:
                evaluation = cross_validate(data, folds=folds)
            else:
                loaded = load_model(model)
                if loaded.themes.labels and set(loaded.themes.labels) <= set(_theme_keys()):
                    data = as_theme_keys(data)
                evaluation = evaluate_model(loaded, data)
        except ValueError as error:
            raise CommandError(str(error)) from None
        self.stdout.write(dumps(evaluation.as_json()) if json else evaluation.as_text())

    def classify(self, *, csv: Path, text: str, model: str | None, json: bool, **options: Any) -> None:
        from careloop.feedback.analysis import analyse_texts, current_analyser

        texts, lines = read_texts(csv, text)
        if not texts:
            raise CommandError(f"{csv}: column {text!r} has no comments.")
        analyser = current_analyser(model)
        readings = analyse_texts(texts, analyser)
        rows: list[dict[str, Any]] = [
            {"line": line, "themes": r.themes, "touchpoints": r.touchpoints, "sentiment": r.sentiment,
             "language": r.language, "urgency": r.urgency, "staff_mentions": r.staff_mentions}
            for line, r in zip(lines, readings)
        ]
        if json:
            self.stdout.write(dumps({"model": analyser.model_name, "comments": rows}))
            return
        for row in rows:
            urgent = f"  URGENT: {row['urgency']}" if row["urgency"] else ""
            self.stdout.write(
                f"line {row['line']}: themes {', '.join(row['themes']) or '-'}; touchpoints "
                f"{', '.join(row['touchpoints']) or '-'}; sentiment {row['sentiment']}; {row['language']}{urgent}"
            )

    def analyse(self, *, again: bool, **options: Any) -> None:
        from careloop.feedback.analysis import analyse_pending

        count = analyse_pending(again=again)
        self.stdout.write(f"Analysed {count:,} comments.")


def _theme_keys() -> tuple[str, ...]:
    from careloop.feedback.themes import THEME_KEYS

    return THEME_KEYS


def dumps(data: object) -> str:
    return json.dumps(data, ensure_ascii=False, indent=2)




