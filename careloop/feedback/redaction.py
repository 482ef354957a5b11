"""PHI redaction: a comment as it may be shown to roles that never see identity, exported or put in the brief.

Patients write identifiers into free text ("I'm Jane Doe, DOB 3/4/1961, call me on 555-201-3344").
HIPAA's Safe Harbor method (45 CFR 164.514(b)(2)) lists what must go before data counts as de-identified;
the ones patients actually type are handled here, each replaced by a token saying what was there:

- [NAME]: a patient's or relative's name, found by what introduces it ("my name is", "I am", "patient",
  "Mr/Mrs/Ms", "me llamo", "soy", "my husband …", a signature line) and then wherever else it recurs;
- [PHONE]: phone and fax numbers, US and international formats;
- [EMAIL]: email addresses;
- [DOB]: a date introduced as a date of birth; [DATE]: any other full date (Safe Harbor removes every
  date element but the year for dates tied to a person, admission and visit dates included);
- [RECORD]: record numbers: MRN, NHS number (3-3-4 digits, modulus-11 checked), SSN-like numbers,
  account, member and policy numbers;
- [ADDRESS]: a house number with a street, a Spanish "calle/avenida … número", a UK postcode.

Staff names in `keep` are never redacted (a praised nurse stays praised): "Mrs Okafor" is kept when Okafor
works at the practice. Redaction errs towards removing: a false [PHONE] costs a few digits of a comment, a
missed one leaks a patient's number.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

NAME = "[NAME]"
PHONE = "[PHONE]"
EMAIL = "[EMAIL]"
DOB = "[DOB]"
DATE = "[DATE]"
RECORD = "[RECORD]"
ADDRESS = "[ADDRESS]"

MONTHS = (
    r"jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sep(?:t(?:ember)?)?|"
    r"oct(?:ober)?|nov(?:ember)?|dec(?:ember)?|"
    r"enero|ene|febrero|marzo|abril|abr|mayo|junio|julio|agosto|ago|septiembre|setiembre|octubre|noviembre|diciembre|dic"
)
DAY = r"(?:0?[1-9]|[12]\d|3[01])(?:st|nd|rd|th|º)?"
YEAR = r"(?:19|20)\d{2}|'?\d{2}"
# A full date in the forms people write: 3/4/1961, 03-04-61, 1961-04-03, 3.4.1961, March 4, 1961,
# 4 March 1961, 4th of March 1961, 4 de marzo de 1961.
DATE_PATTERN = (
    rf"(?:\d{{1,2}}[/.-]\d{{1,2}}[/.-](?:\d{{4}}|\d{{2}})"
    rf"|(?:19|20)\d{{2}}[/.-]\d{{1,2}}[/.-]\d{{1,2}}"
    rf"|(?:{MONTHS})\.?\s+{DAY},?\s+(?:{YEAR})"
    rf"|{DAY}\s+(?:of\s+|de\s+)?(?:{MONTHS})\.?,?\s+(?:(?:of|de|del)\s+)?(?:{YEAR}))"
)
DOB_CUE = (
    r"(?:d\.?o\.?b\.?|date of birth|birth ?date|birthday|born(?: on)?|b\.|"
    r"fecha de nacimiento|f\. ?nac\.?|nac[ií](?:do|da)?(?: el)?|cumplea[nñ]os)"
)
DOB_RE = re.compile(rf"\b{DOB_CUE}\s*(?:is|was|es|fue|:|-|#)?\s*(?:el\s+|on\s+)?(?P<value>{DATE_PATTERN})", re.I)
DATE_RE = re.compile(rf"(?<![\w/.-]){DATE_PATTERN}(?![\w/-])", re.I)

DIGIT_RE = re.compile(r"\d")
EMAIL_RE = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+", re.UNICODE)

RECORD_CUE = (
    r"(?:mrn|m\.r\.n\.|medical record(?: number| no\.?| #)?|record (?:number|no\.?|#)|hospital (?:number|no\.?)|"
    r"patient (?:id|number|no\.?|#)|chart (?:number|no\.?|#)|nhs (?:number|no\.?|#)|ssn|social security(?: number| no\.?)?|"
    r"account (?:number|no\.?|#)|acct\.? ?#?|member (?:id|number|no\.?)|policy (?:number|no\.?|#)|insurance (?:id|number)|"
    r"claim (?:number|no\.?|#)|n[uú]mero de (?:expediente|historia|paciente|seguro(?: social)?|afiliaci[oó]n|p[oó]liza|cuenta)|"
    r"expediente|historia cl[ií]nica|nss|curp)"
)
RECORD_RE = re.compile(
    rf"\b{RECORD_CUE}\s*(?:is|was|es|:|#|-|n[ºo°]\.?)?\s*(?P<value>(?-i:[A-Z]{{0,4}})[-\s]?\d[\dA-Z]*(?:[\s-]\d[\dA-Z]*){{0,3}})",
    re.I,
)
SSN_RE = re.compile(r"(?<![\d-])\d{3}-\d{2}-\d{4}(?![\d-])")
NHS_SHAPE_RE = re.compile(r"(?<![\d+])(\d{3})[ -]?(\d{3})[ -]?(\d{4})(?!\d)")

# Phone numbers: an optional +country code, then 7 to 15 digits in groups separated by spaces, dots,
# dashes or brackets (ITU-T E.164 allows at most 15 digits; US numbers have 10, UK 10-11, Spain 9).
PHONE_RE = re.compile(r"(?<![\w+/])(?:\+|00)?\(?\d{1,4}\)?(?:[\s.-]?\(?\d{1,5}\)?){1,5}(?:\s?(?:x|ext\.?)\s?\d{1,5})?(?![\w/])")
MIN_PHONE_DIGITS = 7
MAX_PHONE_DIGITS = 15
PHONE_CUE_RE = re.compile(
    r"(?:phone|call|ring|text|tel|cell|mobile|fax|number|contact|reach|tel[eé]fono|llam|celular|m[oó]vil|whatsapp)",
    re.I,
)

STREET_TYPES = (
    # "Dr" and "St" before a capitalised word are a doctor and a saint ("3 visits with Dr Rita").
    r"street|st(?!\.?\s+[A-Z])|avenue|ave|road|rd|lane|ln|drive|dr(?!\.?\s+[A-Z])|boulevard|blvd|court|ct|way|place|pl|terrace|close|"
    r"crescent|circle|cir|parkway|pkwy|highway|hwy|square|sq|trail|row|gardens|grove|mews"
)
# Units that follow a number in ordinary sentences ("45 minutes on Main Street" is no address).
NOT_STREET_WORDS = (
    r"minutes?|mins?|hours?|hrs?|days?|weeks?|months?|years?|times?|people|patients?|calls?|stars?|"
    r"pounds?|dollars?|miles?|km|floors?|am|pm|x|appointments?|visits?|sessions?|tablets?|doses?|"
    r"minutos?|horas?|d[ií]as?|semanas?|meses|veces|personas|citas?"
)
ADDRESS_RE = re.compile(
    rf"\b\d{{1,5}}[A-Za-z]?,?\s+(?!(?:{NOT_STREET_WORDS})\b)(?:[A-Za-zÀ-ÿ][\w'.-]*\s+){{1,4}}?(?:{STREET_TYPES})\b"
    rf"(?:,?\s*(?:apt|apartment|unit|suite|ste|#)\.?\s*[\w-]+)?",
    re.I,
)
SPANISH_ADDRESS_RE = re.compile(
    r"\b(?:calle|c/|avenida|avda\.?|av\.|paseo|plaza|camino|carretera|carrera|pasaje|ronda|traves[ií]a|colonia|col\.)"
    r"\s+(?:[\w'.-]+\s+){0,5}?(?:n[ºo°.]?\s*|#\s*|n[uú]mero\s+)?\d{1,5}(?:\s?[-–#]\s?\d{1,4})?(?:,?\s*\d{1,2}[ºª]?\s*[A-Za-z]?\b)?",
    re.I,
)
PO_BOX_RE = re.compile(r"\b(?:p\.?\s?o\.?\s?box|apartado(?: postal)?)\s*\d+", re.I)
UK_POSTCODE_RE = re.compile(r"\b[A-Z]{1,2}\d[A-Z\d]?\s?\d[A-Z]{2}\b")
ZIP_RE = re.compile(r"\b(?:zip(?: code)?|c[oó]digo postal|c\.p\.)\s*:?\s*\d{5}(?:-\d{4})?\b", re.I)

# A name: one to three capitalised words, with the particles names carry ("de la", "van", "O'").
NAME_WORD = (
    r"(?:O['’]|Mc|Mac|D['’])?[A-ZÀ-ÖØ-Þ][a-zß-öø-ÿ]+(?:[-'’](?:O['’])?[A-ZÀ-ÖØ-Þa-zß-öø-ÿ][a-zß-öø-ÿ]*)*"
    r"|[A-ZÀ-ÖØ-Þ]{2,}(?![a-z])|[A-Z]\.?"
)
PARTICLE = r"(?:de la|de los|del|de|van der|van|von|da|di|le|la|y|o')"
NAME_RE = rf"(?:{NAME_WORD})(?:\s+(?:{PARTICLE}\s+)?(?:{NAME_WORD})){{0,3}}"
NAME_CUES = (
    r"my name is|my name's|name:|patient name:?|i am|i'm|im|this is|patient|pt\.?|"
    r"mr\.?|mrs\.?|ms\.?|miss|mx\.?|sr\.?|sra\.?|srta\.?|se[nñ]or|se[nñ]ora|se[nñ]orita|don|do[nñ]a|"
    r"me llamo|mi nombre es|soy|el paciente|la paciente|paciente|"
    r"my (?:mother|mom|mum|father|dad|son|daughter|husband|wife|partner|brother|sister|grandmother|grandfather|"
    r"grandson|granddaughter|child|baby)(?:,)?|"
    r"mi (?:madre|mam[aá]|padre|pap[aá]|hijo|hija|esposo|esposa|marido|pareja|hermano|hermana|abuela|abuelo|nieto|nieta|beb[eé])(?:,)?"
)


def top_level_alternatives(pattern: str) -> list[str]:
    """The alternatives of a regex's outermost `|`, nested groups left whole."""
    parts: list[str] = []
    depth = 0
    current: list[str] = []
    escaped = False
    for char in pattern:
        if escaped:
            escaped = False
        elif char == "\\":
            escaped = True
        elif char in "([":
            depth += 1
        elif char in ")]":
            depth -= 1
        elif char == "|" and depth == 0:
            parts.append("".join(current))
            current = []
            continue
        current.append(char)
    parts.append("".join(current))
    return parts


def by_first_letter(pattern: str) -> str:
    """The same alternatives grouped behind a look-ahead on their first letter, in their order within a
    group: the regex engine tries the fifty cues one by one at every word, and the look-ahead lets it
    skip the groups that cannot start there (a quarter faster on the NHS comments). Alternatives with
    different first letters never match at the same place, so the first to match is the same one."""
    groups: dict[str, list[str]] = {}
    for alternative in top_level_alternatives(pattern):
        if not alternative[:1].isalpha():
            raise ValueError(f"cue {alternative!r} must start with a letter")
        groups.setdefault(alternative[0].lower(), []).append(alternative)
    return "|".join(f"(?={letter})(?:{'|'.join(group)})" for letter, group in groups.items())


# The cue is read in any case, the name only as written: capitals are most of what tells a name apart.
NAME_AFTER_CUE_RE = re.compile(
    rf"\b(?=[mipstdnelMIPSTDNEL])(?P<cue>(?i:{by_first_letter(NAME_CUES)}))\s*:?\s+(?P<name>{NAME_RE})"
)
SIGNATURE_REACH = 80
SIGN_OFFS = (
    "thanks|thank you|regards|kind regards|best wishes|best|sincerely|cheers|yours|"
    "gracias|saludos|atentamente|cordialmente|un saludo"
)
SIGN_OFF_DASHES = "-–—~"
SIGN_OFF_RE = re.compile(
    rf"(?:^|\n|[.!?]\s+)\s*(?i:{SIGN_OFFS})\s*[,.!:-]?\s*\n?\s*(?P<name>{NAME_RE})\s*[.!]?\s*$"
    rf"|(?:^|\n)\s*[{SIGN_OFF_DASHES}]+\s*(?P<dashed>{NAME_RE})\s*$",
)
# Words one of which every sign-off above contains (tests/feedback/test_fast_paths.py checks).
SIGN_OFF_WORDS = ("thank", "regards", "best", "sincerely", "cheers", "yours", "gracias", "saludo", "atentamente",
                  "cordialmente")


def may_sign_off(tail: str) -> bool:
    """False when SIGN_OFF_RE cannot match in `tail`: an ASCII tail with no sign-off word and no dash.
    The regex tries its alternatives at every character (about 5 us a comment, a quarter of redaction)
    and nearly no comment is signed. A tail with other letters goes to the regex, whose ignore-case
    matching is wider than lower-casing ("ſ" is an "s" to it)."""
    if not tail.isascii():
        return True
    lowered = tail.lower()
    return any(dash in tail for dash in SIGN_OFF_DASHES) or any(word in lowered for word in SIGN_OFF_WORDS)

# Capitalised words after a cue that are not names ("I am Diabetic", "I'm Very upset", "Mr Okafor" kept
# separately by `keep`). Compared without accents, lower case.
NOT_NAMES = frozenset(
    """
    i a an the very so not really just still also here there now back sorry glad happy grateful thankful
    sure disappointed upset angry writing calling going diabetic pregnant disabled deaf blind elderly
    english spanish hispanic latino latina american british mexican new old one two
    muy tan no aqui ya de la el los las un una que feliz agradecido agradecida paciente madre padre
    mother father son daughter husband wife patient
    is in was has had and or to of on at for with who which that it its be been are were will would could
    should can may might did does do am all everyone everybody team staff again you your we our they
    god bless always ever everything nothing thanks thank
    """.split()
)
TITLE_CUES = frozenset({"mr", "mrs", "ms", "miss", "mx", "sr", "sra", "srta", "senor", "senora", "senorita", "don", "dona"})
# Words after which a capitalised word only counts if the cue itself was written with care: "I am" and
# "soy" introduce adjectives as often as names, so the name must be capitalised as written.
# Left in place inside a name: particles, and the titles of staff ("Thanks, Dr Okafor").
PARTICLES_AND_TITLES = frozenset(
    {"de", "la", "los", "del", "van", "der", "von", "da", "di", "le", "y", "dr", "dra", "doctor", "doctora", "nurse"}
    | {"enfermera", "enfermero", "prof", "professor"}
)
WEAK_CUES = frozenset({"i am", "i'm", "im", "this is", "soy", "patient", "pt", "pt.", "paciente"})


@dataclass(frozen=True)
class Span:
    start: int
    end: int
    token: str


def fold(text: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFD", text.lower()) if not unicodedata.combining(c))


@lru_cache(maxsize=16)
def kept_words(keep: tuple[str, ...]) -> frozenset[str]:
    """Every word of every staff name, folded: "Dr Amara Okafor" keeps "amara" and "okafor"."""
    words: set[str] = set()
    for name in keep:
        words.update(w for w in re.findall(r"[^\W\d_]+", fold(name)) if len(w) > 1)
    return frozenset(words)


def digits_in(text: str) -> int:
    return sum(c.isdigit() for c in text)


def nhs_number_is_valid(digits: str) -> bool:
    """NHS Data Dictionary "NHS Number": modulus 11 over the first nine digits, weights 10 down to 2."""
    if len(digits) != 10 or not digits.isdigit():
        return False
    total = sum(int(d) * w for d, w in zip(digits[:9], range(10, 1, -1), strict=True))
    check = 11 - total % 11
    check = 0 if check == 11 else check
    return check != 10 and check == int(digits[9])


def record_spans(text: str) -> list[Span]:
    spans = [Span(m.start("value"), m.end("value"), RECORD) for m in RECORD_RE.finditer(text)]
    spans += [Span(m.start(), m.end(), RECORD) for m in SSN_RE.finditer(text)]
    for m in NHS_SHAPE_RE.finditer(text):
        before = text[max(0, m.start() - 30) : m.start()]
        if nhs_number_is_valid("".join(m.groups())) and not PHONE_CUE_RE.search(before):
            spans.append(Span(m.start(), m.end(), RECORD))
    return spans


def date_spans(text: str) -> list[Span]:
    spans = [Span(m.start("value"), m.end("value"), DOB) for m in DOB_RE.finditer(text)]
    spans += [Span(m.start(), m.end(), DATE) for m in DATE_RE.finditer(text)]
    return spans


def phone_spans(text: str) -> list[Span]:
    spans = []
    for m in PHONE_RE.finditer(text):
        value = m.group().rstrip(" .-")
        digits = digits_in(value)
        if MIN_PHONE_DIGITS <= digits <= MAX_PHONE_DIGITS and (digits >= 9 or _phone_cue_before(text, m.start())):
            spans.append(Span(m.start(), m.start() + len(value), PHONE))
    return spans


def _phone_cue_before(text: str, start: int) -> bool:
    """Seven or eight digits are a local number only when the text says so ("call me on 555 0134")."""
    return bool(PHONE_CUE_RE.search(text[max(0, start - 30) : start]))


def address_spans(text: str) -> list[Span]:
    spans = []
    for regex in (ADDRESS_RE, SPANISH_ADDRESS_RE, PO_BOX_RE, UK_POSTCODE_RE, ZIP_RE):
        spans += [Span(m.start(), m.end(), ADDRESS) for m in regex.finditer(text)]
    return spans


def name_words_of(name: str, keep: frozenset[str]) -> list[tuple[int, int]]:
    """Offsets (within `name`) of the words to redact (particles and titles stay). A name made only of
    staff names stays whole ("Mrs Okafor"); otherwise every word goes, even one a staff member shares
    ("Me llamo José Pérez" is a patient called José, whoever else is)."""
    words = [
        m for m in re.finditer(r"[^\W\d_]+(?:['’-][^\W\d_]+)*", name) if fold(m.group()) not in PARTICLES_AND_TITLES
    ]
    if all(fold(m.group()) in keep for m in words):
        return []
    return [(m.start(), m.end()) for m in words]


def trim_name(name: str, cue: str) -> str:
    """Stop a name at the first word that is not one ("I am Maria and ..." is already cut by the regex)."""
    words = name.split()
    kept: list[str] = []
    for word in words:
        bare = fold(word.strip(".,'’"))
        if bare in NOT_NAMES or (cue in WEAK_CUES and not word[:1].isupper()):
            break
        kept.append(word)
    return " ".join(kept)


UPPER_RE = re.compile(r"[A-ZÀ-ÖØ-Þ]")
LOWER_RE = re.compile(r"[a-zß-öø-ÿ]")


def is_shouting(text: str) -> bool:
    """Mostly capitals: then a word in capitals is no sign of a name ("IM DISGUSTED AND FEEL LET DOWN")."""
    upper, lower = len(UPPER_RE.findall(text)), len(LOWER_RE.findall(text))
    return upper + lower >= 12 and upper > 0.6 * (upper + lower)


def name_spans(text: str, keep: frozenset[str]) -> list[Span]:
    spans: list[Span] = []
    shouting: bool | None = None  # read only when a cue or signature is found: most comments have none
    for m in NAME_AFTER_CUE_RE.finditer(text):
        cue = " ".join(fold(m.group("cue")).rstrip(",").split())
        if cue in WEAK_CUES:
            shouting = is_shouting(text) if shouting is None else shouting
            if shouting:
                continue
        name = trim_name(m.group("name"), cue)
        if not name or (cue in WEAK_CUES and len(name) == 1):
            continue
        start = m.start("name")
        spans += [Span(start + a, start + b, NAME) for a, b in name_words_of(name, keep)]
    # A signature is at the end: only the last few lines are read for one.
    tail_start = max(0, len(text) - SIGNATURE_REACH)
    signed = may_sign_off(text[tail_start:])
    for m in SIGN_OFF_RE.finditer(text, tail_start) if signed else ():
        group = "name" if m.group("name") else "dashed"
        start = m.start(group)
        name = trim_name(m.group(group), "")
        if name and not (is_shouting(text) if shouting is None else shouting):
            spans += [Span(start + a, start + b, NAME) for a, b in name_words_of(name, keep)]
    return spans


def recurring_name_spans(text: str, found: list[Span], keep: frozenset[str]) -> list[Span]:
    """A name found once is redacted wherever else it appears ("I'm Jane Doe … Jane").
    Only words of three or more letters: initials would blank out ordinary words."""
    words = {text[s.start : s.end] for s in found if s.token == NAME and s.end - s.start >= 3}
    words = {w for w in words if fold(w) not in keep and fold(w) not in NOT_NAMES}
    if not words:
        return []
    pattern = re.compile(r"\b(?:" + "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True)) + r")\b")
    return [Span(m.start(), m.end(), NAME) for m in pattern.finditer(text)]


def merge(spans: list[Span]) -> list[Span]:
    """Earlier detectors win an overlap (they are listed most specific first); then left to right."""
    chosen: list[Span] = []
    for span in spans:
        if all(span.end <= c.start or span.start >= c.end for c in chosen):
            chosen.append(span)
    return sorted(chosen, key=lambda s: s.start)


def find_identifiers(text: str, keep: Sequence[str] = ()) -> list[Span]:
    """Where the identifiers are, most specific kind first (an email holds digits a phone could claim)."""
    kept = kept_words(tuple(keep))
    # Most comments hold no "@" and no digit: the email and number patterns are skipped for them.
    spans = [Span(m.start(), m.end(), EMAIL) for m in EMAIL_RE.finditer(text)] if "@" in text else []
    if DIGIT_RE.search(text):
        spans += date_spans(text)
        spans += record_spans(text)
        spans += address_spans(text)
        spans += phone_spans(text)
    names = name_spans(text, kept)
    spans += names + recurring_name_spans(text, names, kept)
    return merge(spans)


def redact(text: str, *, keep: Sequence[str]) -> str:
    """The text with patient identifiers replaced by tokens ([NAME], [PHONE], …); staff names in `keep` stay."""
    if not text:
        return text
    pieces: list[str] = []
    position = 0
    for span in find_identifiers(text, keep):
        pieces.append(text[position : span.start])
        # Adjacent name words ("Jane Doe") become one [NAME].
        if not (span.token == NAME and pieces and pieces[-1].strip() == "" and len(pieces) >= 2 and pieces[-2] == NAME):
            pieces.append(span.token)
        else:
            pieces.pop()
        position = span.end
    pieces.append(text[position:])
    return "".join(pieces)
