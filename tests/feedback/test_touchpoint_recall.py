"""Touchpoint routing on the default journey, measured on hand-labelled comments it never saw
(touchpoint_comments.py): the held-out TEST half must stay where it was measured when the router's
settings were chosen on the DEV half."""

from __future__ import annotations

import pytest

from careloop.feedback.embeddings import embed
from careloop.feedback.evaluation import evaluate_touchpoints, score_predictions
from careloop.feedback.touchpoints import TouchpointRouter, build_router, journey_touchpoint_examples, read_seed
from careloop.journeys.models import Touchpoint
from tests.feedback.touchpoint_comments import DEV, TEST, LabelledComment


def test_it_keeps_the_labelled_comments_apart_from_every_example() -> None:
    seed = read_seed()["touchpoints"]
    assert isinstance(seed, dict)
    examples = {str(text).casefold() for texts in seed.values() for text in texts}
    comments = [text.casefold() for text, _ in DEV + TEST]
    assert not examples & set(comments)
    assert len(set(comments)) == len(comments)


@pytest.mark.django_db
def test_it_labels_comments_with_the_journeys_touchpoint_keys_only(default_journey: object) -> None:
    keys = set(Touchpoint.objects.values_list("key", flat=True))
    used = {key for _, labels in DEV + TEST for key in labels}
    assert used == keys  # every touchpoint of the default journey is measured, and nothing else
    journey_phrases = {str(p).casefold() for t in Touchpoint.objects.all() for p in t.example_phrases or []}
    assert not journey_phrases & {text.casefold() for text, _ in DEV + TEST}


def evaluate(router: TouchpointRouter, comments: list[LabelledComment]) -> tuple[float, float, str]:
    evaluation = evaluate_touchpoints(router, [text for text, _ in comments], [labels for _, labels in comments], "")
    return evaluation.macro_f1, evaluation.micro_f1, evaluation.notes[0]


@pytest.mark.django_db
def test_it_routes_held_out_comments_with_the_measured_quality(default_journey: object) -> None:
    router = build_router(journey_touchpoint_examples())
    # Measured when the settings were chosen (touchpoints.py): DEV 0.768 / 0.772, TEST 0.855 / 0.857,
    # against 0.580 / 0.614 and 0.703 / 0.717 before. A few hundredths of room for another platform's
    # rounding; a change that loses more than that is a real loss.
    dev_macro, dev_micro, _ = evaluate(router, DEV)
    test_macro, test_micro, none_note = evaluate(router, TEST)
    assert dev_macro >= 0.74 and dev_micro >= 0.74
    assert test_macro >= 0.82 and test_micro >= 0.82
    assert none_note == "Comments about no touchpoint given none: 6 of 6."


def test_it_scores_touchpoints_per_key_and_counts_comments_about_nothing() -> None:
    truth = [["billing"], ["billing", "visit"], [], ["visit"]]
    predicted = [["billing"], ["billing"], ["visit"], []]
    evaluation = score_predictions(truth, predicted, ["billing", "visit"], "by hand")
    billing, visit = evaluation.labels
    assert (billing.precision, billing.recall, billing.f1) == (1.0, 1.0, 1.0)
    # visit: no true positive, one false positive (the comment about nothing), two misses.
    assert (visit.precision, visit.recall, visit.f1, visit.support) == (0.0, 0.0, 0.0, 2)
    assert evaluation.macro_f1 == 0.5
    assert evaluation.micro_f1 == pytest.approx(2 * 2 / (2 * 2 + 1 + 2))


@pytest.mark.django_db
def test_it_gives_a_comment_its_best_touchpoint_at_the_lower_threshold_and_others_only_at_the_higher(
    default_journey: object,
) -> None:
    router = build_router(journey_touchpoint_examples())
    assert router.best_threshold < router.threshold < router.other_threshold
    comments = ["Checked in fine but then sat in the waiting room for an hour", "Thank you all so much"]
    scores = router.scores(comments, embed(comments))
    routed = router.route(comments, embed(comments))
    for row, chosen in zip(scores, routed):
        ranked = sorted(range(len(router.keys)), key=lambda i: -row[i])[:3]
        expected = []
        if row[ranked[0]] >= router.best_threshold:
            expected = [router.keys[ranked[0]]] + [router.keys[i] for i in ranked[1:] if row[i] >= router.other_threshold]
        assert chosen == expected
    assert routed[0][0] == "waiting-room"
    assert routed[1] == []
