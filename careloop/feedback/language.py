"""Which language a comment is written in: English ('en'), Spanish ('es') or undetermined ('und').

Offline and tiny on purpose: a comment is short, and careloop only needs to tell English from Spanish
(the two languages of its survey pages, DESIGN.md "Listening"). Two kinds of evidence, both written here:

- function words ("stop words"): the commonest words of each language carry most of the signal in a
  sentence of a few words (Grefenstette 1995, "Comparing two language identification schemes", showed
  short-word lists beat trigrams on sentences under ~15 words);
- characters and letter pairs only one language uses: ñ, ¿, ¡, accented vowels, and English digraphs
  such as "th", "wh", "sh" that Spanish orthography never writes (Cavnar & Trenkle 1994, "N-gram-based
  text categorization", for the character-profile idea).

A comment with no evidence either way (a name, "OK", "10/10") is 'und', not a guess.
"""

from __future__ import annotations

import re

ENGLISH = "en"
SPANISH = "es"
UNDETERMINED = "und"

# The commonest function words of each language that are NOT also words of the other
# ("a", "me", "no", "son", "he", "era" are left out: both languages write them).
ENGLISH_WORDS = frozenset(
    """
    the and of to in is was it that for with on at this my i you they we were are be been have has had
    not very but so all would could should will did do does from there their them our your an or
    by as what when which who if just about after before because staff nurse appointment
    waiting wait time good great excellent friendly helpful thank thanks service rude never always
    again got get told asked called phone really too much more than she him her his its out up one
    nothing everything quick long kind lovely wonderful hours minutes room desk reception receptionist
    visit booked bill billing parking clean explained felt care caring two three week weeks
    """.split()
)
SPANISH_WORDS = frozenset(
    """
    el la los las de del y en que es un una por para con muy pero mi mis su sus lo le les se al
    fue está estaba están estoy fueron hay todo todos nada nunca siempre también porque cuando
    como más menos bien mal muy gracias doctora enfermera cita espera tiempo atención
    amable servicio médico consulta atendieron llamé llamada teléfono horas minutos
    ella él nos nosotros ustedes usted este esta eso esto ese esa sin sobre hasta desde donde
    excelente mucho mucha muchas muchos gustó rápido rápida tardaron tarde largo amables buena bueno
    buen limpio explicó recepción recepcionista factura estacionamiento sentí cuidado esperé dos tres
    semana semanas día días
    """.split()
)

# Letters and letter pairs one language writes and the other does not (in native words).
SPANISH_MARKS = re.compile(r"[ñ¿¡áéíóú]")
ENGLISH_DIGRAPHS = ("th", "wh", "sh", "ck", "ee", "oo", "w", "k")
SPANISH_ENDINGS = ("ción", "ciones", "dad", "mente", "amos", "aron", "ieron", "ado", "ada", "ido", "ida")
ENGLISH_ENDINGS = ("ing", "tion", "ly", "ed", "ness")

WORD = re.compile(r"[^\W\d_]+")

# Weights: a function word is strong evidence, a spelling mark less so (names and borrowed words carry
# them: "José" in an English comment), so one marked name cannot outvote two English words.
WORD_WEIGHT = 2.0
MARK_WEIGHT = 1.0
ENDING_WEIGHT = 0.75
DIGRAPH_WEIGHT = 0.25
# The winner must lead by at least this much, or the comment is 'und' (measured on tests'
# short-comment set: one function word alone, e.g. "thanks", is enough; a lone name is not).
MIN_LEAD = 1.5


def language_scores(text: str) -> tuple[float, float]:
    """(English evidence, Spanish evidence) for a text: each word's evidence (function word, ending,
    English letter pairs) read once per process from `word_evidence`, plus the Spanish marks. Every weight
    is a multiple of 1/4, so the sums are exact in any order."""
    lowered = text.lower()
    english = spanish = 0.0
    cache = _EVIDENCE
    for word in WORD.findall(lowered):
        evidence = cache.get(word)
        if evidence is None:
            evidence = word_evidence(word)
            if len(cache) < EVIDENCE_CACHE_SIZE:
                cache[word] = evidence
        english += evidence[0]
        spanish += evidence[1]
    if not lowered.isascii():
        spanish += MARK_WEIGHT * len(SPANISH_MARKS.findall(lowered))
    return english, spanish


# Distinct lower-case words whose evidence is remembered (a few hundred bytes each).
EVIDENCE_CACHE_SIZE = 200_000
_EVIDENCE: dict[str, tuple[float, float]] = {}


def word_evidence(word: str) -> tuple[float, float]:
    """(English, Spanish) evidence of one lower-case word. Endings count on words longer than the ending
    ("ida" alone is no evidence)."""
    english = WORD_WEIGHT if word in ENGLISH_WORDS else 0.0
    spanish = WORD_WEIGHT if word in SPANISH_WORDS else 0.0
    if len(word) > 4:
        spanish += ENDING_WEIGHT if word.endswith(SPANISH_ENDINGS) else 0.0
        english += ENDING_WEIGHT if word.endswith(ENGLISH_ENDINGS) else 0.0
    if word not in SPANISH_WORDS:
        english += DIGRAPH_WEIGHT * sum(1 for pair in ENGLISH_DIGRAPHS if pair in word)
    return english, spanish


def detect_language(text: str) -> str:
    """'en', 'es', or 'und' when the text gives too little evidence (or as much for both)."""
    english, spanish = language_scores(text)
    if english - spanish >= MIN_LEAD:
        return ENGLISH
    if spanish - english >= MIN_LEAD:
        return SPANISH
    return UNDETERMINED
