"""Is a comment urgent, and why: a few kinds of comment must reach a person today, not the monthly report.

An urgent comment opens a recovery case at once (issue 6, DESIGN.md "Acting"). The kinds, in the order
they win when a comment says several things:

- 'self_harm': the patient may hurt themself. Wording from the phrases UK and US safeguarding guidance
  tells staff to act on (NICE NG225 "Self-harm: assessment, management and preventing recurrence" 2022;
  Samaritans' and 988 Lifeline's "warning signs": talking about wanting to die, being a burden, no reason
  to live, a plan or means).
- 'threat': someone threatens to harm staff or others (NHS Violence Prevention and Reduction Standard
  2020: threats are incidents to report, not feedback to theme).
- 'abuse': the patient reports being hit, touched, harassed, discriminated against or neglected, by
  staff or at home (safeguarding adults: Care Act 2014 s.42 categories; HHS elder-abuse signs).
- 'safety': a patient-safety incident or near miss: a wrong medicine or dose, a fall, a wrong patient or
  site, an infection, an unsafe place (NHS England Patient Safety Incident Response Framework 2022 and the
  WHO International Classification for Patient Safety incident types).
- 'clinical_unaddressed': a clinical problem left open: results never given, pain or symptoms ignored,
  medicine run out, no follow-up (the "failure to follow up" category of the NHS complaints taxonomy,
  HCAT: Gillespie & Reader 2016, "The Healthcare Complaints Analysis Tool").

Negation is read NegEx-style (Chapman et al. 2001, "A simple algorithm for identifying negated findings
in discharge summaries"): a cue ("no", "not", "never", "without", "sin", "nunca", …) in the few words
before a finding, within the same clause, cancels it: "no safety concerns", "I never felt unsafe".
Patterns whose meaning is itself a negation ("nobody called me back") carry their own cue inside the match,
so the cue before them is what counts.
"""

from __future__ import annotations

import re
import unicodedata

SELF_HARM = "self_harm"
THREAT = "threat"
ABUSE = "abuse"
SAFETY = "safety"
CLINICAL_UNADDRESSED = "clinical_unaddressed"
NOT_URGENT = ""

# When a comment says several things, the one that needs the fastest response wins.
PRIORITY = (SELF_HARM, THREAT, ABUSE, SAFETY, CLINICAL_UNADDRESSED)

# Patterns are matched on lower-case text with accents removed ("dosis equivocada" = "dósis equivocada").
# Each is a regex fragment; word boundaries are added around the whole group.
ENGLISH_PATTERNS: dict[str, tuple[str, ...]] = {
    SELF_HARM: (
        r"(?:kill|hurt|harm|cut|end) (?:my ?self|myself)",
        r"(?:end|ending) (?:it all|my (?:own )?life)",
        r"(?:take|taking) my (?:own )?life",
        r"suicid\w*",
        r"self[- ]?harm\w*",
        r"(?:want|wanted|wanting) to die",
        r"better off dead",
        r"no (?:reason|point) (?:to|in) (?:live|living|going on)",
        r"(?:can ?not|can'?t|cannot) go on",
        r"take (?:all )?my (?:pills|tablets) at once",
        r"overdos\w*",
    ),
    THREAT: (
        r"(?:i'?ll|i will|i'?m going to|gonna|going to) (?:kill|hurt|shoot|stab|beat up|punch) "
        r"(?:you|him|her|them|the (?:doctor|nurse|receptionist|staff)|someone|somebody|everyone)",
        r"(?:come back|coming back) with a (?:gun|knife|weapon)",
        r"(?:bomb|burn down|blow up) (?:the|this|your) (?:place|clinic|office|practice|building)",
        r"watch (?:your|their|his|her) back",
        r"i know where (?:you|she|he|they) li?ves?",
        r"(?:you'?ll|you will|they'?ll|they will) (?:regret|pay for) (?:it|this)",
    ),
    ABUSE: (
        r"(?:hit|slapped|punched|kicked|shoved|pushed|grabbed|choked|beat) me",
        r"touched me\w*(?: inappropriately)?",
        r"(?:inappropriate|unwanted) (?:touch\w*|comments?|advances?)",
        r"sexual(?:ly)? (?:harass\w*|assault\w*|abus\w*|comments?|remarks?)",
        r"(?:harass|assault|abus|molest)(?:ed|ing|ive|es|e)?",
        r"domestic (?:violence|abuse)",
        r"(?:racist|racism|racial slurs?|homophobic|discriminat\w*)",
        r"(?:husband|wife|partner|boyfriend|girlfriend|son|daughter|carer|caregiver) (?:hits|beats|hurts|threatens) me",
        r"(?:left|leave|leaving) (?:me|her|him|my \w+) (?:in|on) (?:soiled|dirty|wet) \w+",
        r"afraid (?:to go|of going) home",
    ),
    SAFETY: (
        r"wrong (?:medication|medicine|meds|drug|dose|dosage|prescription|pills?|injection|vaccine|patient|leg|arm|side|eye|blood)",
        r"(?:medication|medicine|prescription|dosing|dose) (?:error|mistake|mix-?up)",
        r"(?:gave|given|prescribed) me (?:\w+ ){0,3}(?:i'?m|i am) allergic to",
        r"allergic reaction",
        r"(?:i|he|she|my \w+) (?:fell|slipped|tripped|collapsed|fainted|passed out)",
        r"(?:unsafe|dangerous|hazard\w*)",
        r"safety (?:concerns?|issues?|risks?|problems?)",
        r"(?:used|dirty|reused) needles?",
        r"(?:nearly|almost) (?:died|killed me|lost my)",
        r"could have (?:killed|died)",
        r"(?:fire exit|fire door)s? (?:was |were )?(?:blocked|locked)",
        r"(?:got|caught|developed) an infection",
        r"left (?:alone )?(?:on|in) the (?:floor|toilet|bathroom)",
    ),
    CLINICAL_UNADDRESSED: (
        r"(?:no ?one|nobody|never|haven'?t|have not|hasn'?t|has not|didn'?t|did not) "
        r"(?:\w+ ){0,3}?(?:call(?:ed)? (?:me )?back|follow(?:ed)? ?up|got? (?:back to me|my results?)|"
        r"gave me (?:my )?results?|told me (?:my|the) results?)",
        r"(?:no ?one|nobody) (?:\w+ ){0,5}?(?:my |the )?(?:test |blood |scan |biopsy )?results?",
        r"still (?:waiting|no word) (?:for|on|about) (?:my |the )?(?:results?|biopsy|scan|referral|prescription|medication)",
        r"still (?:in (?:a lot of )?pain|bleeding|vomiting|can'?t breathe|have a fever|feeling worse|getting worse)",
        r"(?:getting|got) worse and (?:no ?one|nobody)",
        r"ran out of (?:my )?(?:medication|medicine|meds|insulin|inhaler|pills)",
        r"(?:ignored|dismissed) my (?:symptoms|pain|concerns?|chest pain)",
        r"sent (?:me )?home with (?:chest pain|a fever|bleeding)",
        r"(?:lost|never received|never got) (?:my )?(?:results?|referral|prescription)",
    ),
}

SPANISH_PATTERNS: dict[str, tuple[str, ...]] = {
    SELF_HARM: (
        r"(?:quiero|quisiera|queria|ganas de) morir(?:me)?",
        r"(?:matarme|suicid\w*|quitarme la vida|hacerme dano|lastimarme|cortarme)",
        r"no (?:vale la pena|tiene sentido) vivir",
        r"(?:mejor|estaria mejor) muert[oa]",
        r"no puedo (?:mas|seguir)",
        r"acabar con (?:todo|mi vida)",
        r"sobredosis",
    ),
    THREAT: (
        r"(?:te|lo|la|los|las|les) (?:voy|vamos) a (?:matar|golpear|pegar|disparar|partir la cara)",
        r"(?:voy|vamos) a (?:matar|quemar|volar) (?:a|al|la|el|esta|este)",
        r"(?:se|me la) (?:van a arrepentir|van a pagar|las van a pagar)",
        r"(?:me las|las) (?:van a|vas a) pagar",
        r"se donde (?:vive|viven|vives)",
        r"(?:volver|vuelvo|regresar|regreso) con (?:un arma|una pistola|un cuchillo)",
    ),
    ABUSE: (
        r"me (?:pego|golpeo|empujo|agarro|jaloneo|abofeteo|pateo)",
        r"me (?:toco|manoseo|acoso|abuso|insulto|humillo|maltrato)",
        r"(?:acoso|abuso|maltrato)(?: sexual)?",
        r"(?:violencia domestica|violencia familiar)",
        r"(?:racista|racismo|discrimin\w*)",
        r"(?:mi esposo|mi esposa|mi pareja|mi marido|mi hijo|mi hija|mi novio) me (?:pega|golpea|maltrata|amenaza)",
        r"miedo de (?:volver|regresar|ir) a (?:mi )?casa",
    ),
    SAFETY: (
        r"(?:medicamento|medicina|medicacion|dosis|receta|vacuna|inyeccion|pastillas?|pierna|brazo|paciente|lado|ojo) equivocad[oa]s?",
        r"(?:error|errores|confusion) (?:de|en|con) (?:la |el |mi )?(?:medicamento|medicacion|medicina|dosis|receta)",
        r"(?:reaccion alergica|soy alergic[oa])",
        r"(?:me cai|se cayo|me desmaye|se desmayo|resbale)",
        r"(?:peligros[oa]s?|insegur[oa]s?|riesgo)",
        r"(?:agujas? usadas?|agujas? sucias?)",
        r"casi (?:me muero|se muere|muero|me mata)",
        r"pudo (?:haberme matado|matarme)",
        r"(?:salida de emergencia|salidas de emergencia) (?:bloquead|cerrad)\w*",
        r"(?:me dio|me agarre|contraje) una infeccion",
    ),
    CLINICAL_UNADDRESSED: (
        r"(?:nadie|nunca|no) (?:\w+ ){0,3}?(?:me (?:llamo|llamaron|devolvio la llamada|dio|dieron|explico|explicaron) "
        r"(?:\w+ )?(?:los |mis )?resultados|(?:me )?(?:llamo|llamaron) (?:de vuelta|para dar seguimiento)|dio seguimiento|dieron seguimiento)",
        r"(?:nadie|nunca) (?:\w+ ){0,5}?(?:los |mis )?resultados",
        r"(?:sigo|todavia|aun) (?:esperando|espero|estoy esperando|sin) (?:los |mis |la |el |mi )?(?:resultados|biopsia|referencia|receta|medicamento|medicina|cita con el especialista)",
        r"(?:sigo|todavia|aun) (?:con (?:mucho )?dolor|sangrando|vomitando|con fiebre|me siento peor|empeorando)",
        r"(?:cada vez peor|empeorando) y (?:nadie|nunca)",
        r"(?:me quede|quede|estoy) sin (?:mi )?(?:medicamento|medicina|insulina|inhalador|pastillas)",
        r"(?:ignoraron|ignoro|no tomaron en serio) (?:mis |mi )?(?:sintomas|dolor|preocupacion)",
        r"(?:perdieron|nunca recibi|nunca llegaron) (?:mis |los )?(?:resultados|referencia|receta)",
    ),
}

# Words at least one of which every pattern above needs, as stems of 3 to 6 letters (a word counts if
# it starts with one). Most comments contain none and skip the long regex: it tries about a hundred
# alternatives at every word, which made urgency the slowest step of comment analysis. A pattern added
# above needs one of its required words here (tests/feedback/test_urgency.py checks each has one).
ANCHOR_STEMS = frozenset(
    """
    myself self end life suicid die dead reason point can pills tablet overdo
    kill hurt shoot stab beat punch gun knife weapon bomb burn blow watch where regret pay
    hit slap kick shov push grab chok touch inappr unwant sexual harass assaul abus molest domest racis
    racia homoph discri hits threat soil dirty wet afraid
    wrong error mistak mix allerg fell slip trip collap faint pass unsafe danger hazard safety needle died
    lost fire infect floor toilet bathro
    call follow result back still worse ran ignore dismis sent never
    morir matarm quitar hacerm lastim cortar vivir muert puedo acabar sobred
    voy vamos van vas arrepe pagar donde arma pistol cuchil
    pego golpe empuj agarr jalone abofet pateo toco manose acoso abuso insult humill maltra violen pega amenaz miedo
    equivo confus alergi cai cayo desmay resbal peligr insegu riesgo aguja casi pudo salida infecc
    llam seguim sigo todavi aun peor empeor quede ignor tomaro perdie nunca
    """.split()
)
STEM_LENGTHS = (3, 4, 5, 6)
# The stems' first three letters: one set lookup turns away most words.
STEM_STARTS = frozenset(stem[:3] for stem in ANCHOR_STEMS)

# NegEx pre-negation cues (Chapman et al. 2001), and their Spanish equivalents (Costumero et al. 2014,
# "An approach to detect negation on medical documents in Spanish").
NEGATION_CUES = frozenset(
    """
    no not never without denies denied nothing none neither nor free isn't wasn't weren't aren't don't
    didn't doesn't haven't hasn't hadn't never nunca sin ningun ninguna ni jamas nada tampoco
    """.split()
)
# How many words before a finding a cue still reaches (NegEx uses five).
NEGATION_WINDOW = 5
# A clause boundary ends a cue's reach: "no wait, but the wrong dose was given".
CLAUSE_BREAK = re.compile(r"[.;:!?,]|\b(?:but|however|although|though|pero|aunque|sin embargo)\b")
NEGATION_WORD = re.compile(r"[a-z']+")


def compile_patterns(*pattern_sets: dict[str, tuple[str, ...]]) -> re.Pattern[str]:
    """One regex for both languages, one named group per kind: a single pass over the comment.
    It starts with a word boundary followed by a letter, which lets the regex engine skip between words
    (measured about 1.5x faster than a bare boundary)."""
    groups = [
        f"(?P<{kind}>{'|'.join(f'(?:{p})' for patterns in pattern_sets for p in patterns[kind])})" for kind in PRIORITY
    ]
    return re.compile(r"\b(?=\w)(?:" + "|".join(groups) + r")\b")


# Both languages' patterns are always read: language detection can be wrong on a short or mixed comment
# ("Dr Okafor, quiero morirme"), and a missed self-harm comment costs far more than a longer regex.
URGENCY_RE = compile_patterns(ENGLISH_PATTERNS, SPANISH_PATTERNS)


def fold(text: str) -> str:
    """Lower case without accents, same length as the input for Latin text."""
    lowered = text.lower().replace("’", "'")
    if lowered.isascii():
        return lowered
    return "".join(c for c in unicodedata.normalize("NFD", lowered) if not unicodedata.combining(c))


def is_negated(text: str, start: int) -> bool:
    """A negation cue among the few words before `start`, in the same clause."""
    before = text[max(0, start - 80) : start]
    clause = CLAUSE_BREAK.split(before)[-1]
    words = NEGATION_WORD.findall(clause)[-NEGATION_WINDOW:]
    return any(w in NEGATION_CUES for w in words)


def may_be_urgent(folded: str) -> bool:
    """Whether any word starts with an anchor stem: False means no pattern can match. Each distinct word
    is judged once per process (`starts_with_anchor`): comments repeat their words."""
    cache = _ANCHORED
    for word in NEGATION_WORD.findall(folded):
        anchored = cache.get(word)
        if anchored is None:
            anchored = starts_with_anchor(word)
            if len(cache) < ANCHOR_CACHE_SIZE:
                cache[word] = anchored
        if anchored:
            return True
    return False


ANCHOR_CACHE_SIZE = 200_000
_ANCHORED: dict[str, bool] = {}


def starts_with_anchor(word: str) -> bool:
    return word[:3] in STEM_STARTS and any(word[:n] in ANCHOR_STEMS for n in STEM_LENGTHS)


def findings(text: str) -> set[str]:
    """Every kind of urgency the text states without negating it."""
    folded = fold(text)
    found: set[str] = set()
    if not may_be_urgent(folded):
        return found
    for match in URGENCY_RE.finditer(folded):
        kind = match.lastgroup
        if kind is not None and kind not in found and not is_negated(folded, match.start()):
            found.add(kind)
    return found


def assess_urgency(text: str, language: str) -> str:
    """'' or the most pressing kind of urgency. Both languages' patterns apply whatever `language` says
    (see URGENCY_RE); the argument is kept so callers state what they know, and for languages to come."""
    if not text:
        return NOT_URGENT
    found = findings(text)
    return next((kind for kind in PRIORITY if kind in found), NOT_URGENT)
