"""Urgency on a hand-written set of comments, English and Spanish, written before the patterns were tuned:
each urgent comment carries the kind a safeguarding lead would give it; the non-urgent ones include
negations ("no safety concerns") and figures of speech ("killed it") that must not open a case."""

from __future__ import annotations

import pytest

from careloop.feedback.urgency import assess_urgency

URGENT: list[tuple[str, str, str]] = [
    # self-harm
    ("I want to die, nobody listens to me", "en", "self_harm"),
    ("Some days I think about ending my life", "en", "self_harm"),
    ("I have been feeling suicidal since the diagnosis", "en", "self_harm"),
    ("I might as well kill myself if this is the care I get", "en", "self_harm"),
    ("My family would be better off dead without me", "en", "self_harm"),
    ("Ya no puedo más, quiero morirme", "es", "self_harm"),
    ("He pensado en quitarme la vida", "es", "self_harm"),
    # threats
    ("If this happens again I will kill the receptionist", "en", "threat"),
    ("I'm going to hurt the doctor who did this", "en", "threat"),
    ("Next time I'll come back with a gun", "en", "threat"),
    ("Tell Dr Chen to watch his back", "en", "threat"),
    ("Te voy a matar, le dije a la recepcionista", "es", "threat"),
    ("Sé dónde vive la doctora", "es", "threat"),
    # abuse
    ("The nurse hit me when I asked for water", "en", "abuse"),
    ("The technician touched me inappropriately", "en", "abuse"),
    ("The receptionist made racist remarks about my accent", "en", "abuse"),
    ("My husband hits me and I was too scared to say", "en", "abuse"),
    ("The porter was verbally abusive to my mother", "en", "abuse"),
    ("El enfermero me empujó contra la pared", "es", "abuse"),
    ("Mi esposo me pega y no sé a quién decirle", "es", "abuse"),
    ("Me sentí discriminada por ser inmigrante", "es", "abuse"),
    # safety
    ("They gave me the wrong medication and I was sick all night", "en", "safety"),
    ("I fell in the bathroom and nobody came for twenty minutes", "en", "safety"),
    ("The pharmacist gave me the wrong dose of warfarin", "en", "safety"),
    ("I had an allergic reaction to the injection", "en", "safety"),
    ("The ramp at the entrance is dangerous when it rains", "en", "safety"),
    ("Me dieron el medicamento equivocado", "es", "safety"),
    ("Mi madre se cayó en la sala de espera", "es", "safety"),
    ("Casi me muero por la reacción alérgica", "es", "safety"),
    # a clinical problem left unaddressed
    ("Nobody called me back about my biopsy results", "en", "clinical_unaddressed"),
    ("I am still waiting for my results after six weeks", "en", "clinical_unaddressed"),
    ("I ran out of insulin because the prescription was never sent", "en", "clinical_unaddressed"),
    ("They ignored my chest pain and told me it was anxiety", "en", "clinical_unaddressed"),
    ("Three weeks later I'm still in pain and no one followed up", "en", "clinical_unaddressed"),
    ("Nadie me llamó para darme los resultados", "es", "clinical_unaddressed"),
    ("Sigo con dolor y nadie me da una cita", "es", "clinical_unaddressed"),
    ("Me quedé sin insulina porque no mandaron la receta", "es", "clinical_unaddressed"),
    ("Todavía espero los resultados de la biopsia", "es", "clinical_unaddressed"),
]

NOT_URGENT: list[tuple[str, str]] = [
    ("No safety concerns at all, very clean clinic", "en"),
    ("I never felt unsafe, the staff were great", "en"),
    ("I am not suicidal, just tired of waiting", "en"),
    ("Dr Okafor killed it, best doctor ever", "en"),
    ("I was dying to see the new clinic", "en"),
    ("The wait was long but the nurse was kind", "en"),
    ("They called me back the same day with my results", "en"),
    ("Parking was a nightmare", "en"),
    ("The receptionist was a bit abrupt", "en"),
    ("Billing sent me the wrong invoice twice", "en"),
    ("I went to the wrong building because the sign is confusing", "en"),
    ("The doctor explained the risks of the operation clearly", "en"),
    ("No one was rude, everyone was lovely", "en"),
    ("There was no abuse of my time: seen right away", "en"),
    ("The nurse who took my blood was gentle", "en"),
    ("My pain is much better now, thank you", "en"),
    ("Great care, nothing to improve", "en"),
    ("I'll get the doctor a thank-you card", "en"),
    ("Sin problemas de seguridad, todo limpio", "es"),
    ("Nunca me sentí insegura", "es"),
    ("Me llamaron con los resultados al día siguiente", "es"),
    ("La espera fue larga pero la enfermera fue amable", "es"),
    ("El estacionamiento es pequeño", "es"),
    ("Muy buena atención, gracias", "es"),
    ("La doctora me explicó los riesgos de la cirugía", "es"),
    ("No hubo ningún error con mi medicamento", "es"),
    ("Todo excelente, me muero de ganas de volver", "es"),
    ("La recepcionista fue un poco seca", "es"),
]


def test_it_finds_urgent_comments_with_high_precision_and_recall() -> None:
    urgent_found = sum(1 for text, lang, _ in URGENT if assess_urgency(text, lang) != "")
    false_alarms = sum(1 for text, lang in NOT_URGENT if assess_urgency(text, lang) != "")
    recall = urgent_found / len(URGENT)
    precision = urgent_found / (urgent_found + false_alarms)
    # Measured on this set: recall 38/38, precision 38/38 (the figures in docs/comment-analysis.md).
    assert recall == 1.0, [t for t, lang, _ in URGENT if assess_urgency(t, lang) == ""]
    assert precision == 1.0, [t for t, lang in NOT_URGENT if assess_urgency(t, lang) != ""]


@pytest.mark.parametrize(("text", "language", "kind"), URGENT)
def test_it_names_the_kind_of_urgency(text: str, language: str, kind: str) -> None:
    assert assess_urgency(text, language) == kind


def test_it_puts_the_most_pressing_kind_first() -> None:
    # A safety incident and a self-harm statement in one comment: the self-harm statement decides.
    assert assess_urgency("They gave me the wrong dose and now I want to die", "en") == "self_harm"
    assert assess_urgency("I fell and the nurse hit me", "en") == "abuse"


def test_it_reads_both_languages_whatever_the_detected_one() -> None:
    # Detection can call a short or mixed comment English; the Spanish patterns still apply.
    assert assess_urgency("Dr Chen, quiero morirme", "en") == "self_harm"
    assert assess_urgency("wrong medication otra vez", "und") == "safety"


def test_it_ends_a_negation_at_the_clause() -> None:
    assert assess_urgency("No complaints about the wait, but they gave me the wrong medication", "en") == "safety"
    assert assess_urgency("Not rude at all; however I fell in the corridor", "en") == "safety"


def test_every_pattern_carries_an_anchor_word_for_the_quick_check() -> None:
    # The quick check skips comments with no anchor stem; a pattern without one would never be tried.
    from careloop.feedback.urgency import ANCHOR_STEMS, ENGLISH_PATTERNS, SPANISH_PATTERNS

    for patterns in (ENGLISH_PATTERNS, SPANISH_PATTERNS):
        for kind, sources in patterns.items():
            for source in sources:
                assert any(stem in source for stem in ANCHOR_STEMS), (kind, source)
    assert all(3 <= len(stem) <= 6 for stem in ANCHOR_STEMS)
