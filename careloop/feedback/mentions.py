"""Which staff members a comment names, for recognition (DESIGN.md "Acting": moments).

Patients name staff the way people talk: "Dr Okafor", "Dr. O", "Amara", "Nurse Grace", "Bill at the
front desk", "la doctora García", "Pepe en recepción". A false credit is worse than a missed one (a moment
given to the wrong person is embarrassing for both), so the rules lean careful:

- a full name, a title with a surname, first name or initial ("Dr Okafor", "Nurse Grace", "Dr. O") always
  counts;
- a first name, nickname or surname alone counts only when exactly one staff member answers to it
  (two Marias: "Maria was lovely" credits neither);
- a first name that is also an everyday word ("Grace", "Joy", "Will", "Bill", "Rosa", "Dolores") counts
  only with context: written with a capital in mid-sentence, or next to a title or a role word
  ("Will at the front desk", "nurse Joy");
- matching ignores accents and case otherwise ("jose" finds José) and works on whole words only
  ("Rose" is not in "rosemary").
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Protocol


class StaffLike(Protocol):
    """What matching reads from careloop.accounts.models.StaffMember (an unsaved one will do)."""

    key: str
    name: str
    nicknames: object


# Nicknames and the given names they stand for, in English and Spanish use (hypocorisms as listed in
# e.g. the US Social Security name tables and the Real Academia's "hipocorístico" entries). Read both
# ways: a William may be called Bill, and a staff member listed as "Bill" may be written "William".
NICKNAMES: dict[str, tuple[str, ...]] = {
    "william": ("bill", "billy", "will", "willy", "liam"),
    "elizabeth": ("liz", "lizzie", "beth", "betty", "eliza", "libby"),
    "robert": ("bob", "bobby", "rob", "robbie", "bert"),
    "katherine": ("kate", "katie", "kathy", "kat"),
    "catherine": ("kate", "katie", "cathy", "cat"),
    "michael": ("mike", "mikey", "mick"),
    "james": ("jim", "jimmy", "jamie"),
    "jose": ("pepe", "chepe"),
    "francisco": ("paco", "pancho", "fran", "frank", "cisco"),
    "guadalupe": ("lupe", "lupita"),
    "margaret": ("maggie", "meg", "peggy", "marge"),
    "richard": ("rick", "dick", "rich", "richie"),
    "thomas": ("tom", "tommy"),
    "joseph": ("joe", "joey"),
    "jennifer": ("jen", "jenny"),
    "patricia": ("pat", "patty", "tricia"),
    "daniel": ("dan", "danny"),
    "christopher": ("chris",),
    "christine": ("chris", "chrissy"),
    "anthony": ("tony",),
    "alexander": ("alex",),
    "alejandro": ("alex", "alejo"),
    "susan": ("sue", "susie"),
    "deborah": ("debbie", "deb"),
    "rebecca": ("becky", "becca"),
    "samuel": ("sam",),
    "samantha": ("sam",),
    "edward": ("ed", "eddie", "ted"),
    "benjamin": ("ben",),
    "nicholas": ("nick",),
    "matthew": ("matt",),
    "andrew": ("andy", "drew"),
    "jonathan": ("jon",),
    "dolores": ("lola",),
    "concepcion": ("concha", "conchita"),
    "ignacio": ("nacho",),
    "manuel": ("manolo", "manu"),
    "enrique": ("quique",),
    "jesus": ("chuy", "chucho"),
    "rosario": ("charo",),
    "maria": ("mari",),
    "roberto": ("beto",),
    "alberto": ("beto",),
    "eduardo": ("lalo",),
    "gerardo": ("lalo",),
    "rafael": ("rafa",),
    "antonio": ("toño", "tono"),
}

# Given names (and surnames) that are also everyday English or Spanish words: these need context.
# English virtue/flower/month names and common-noun surnames; Spanish names that are nouns
# ("Dolores": pains, "Socorro": help, "Paz": peace) or exclamations ("Jesús").
WORD_NAMES = frozenset(
    """
    grace joy will bill pat sue hope faith charity mercy patience faith rose rosa lily iris ivy holly
    daisy violet amber ruby pearl crystal penny dawn june april may summer sky sunny star angel
    mark frank rich guy art ray jack dean bob rob nick chris sam ed ted drew
    young black white brown green long short cook baker little rice hill wood king page
    paz luz blanca dolores consuelo soledad pilar amparo esperanza cruz jesus socorro luna sol
    alegria milagros reyes santos flor franco angeles remedios caridad mercedes victoria
    """.split()
)

# Titles written before a name (English and Spanish, with or without the full stop).
TITLES = frozenset(
    """
    dr doctor dra doctora nurse mr mrs ms miss mx prof professor sr sra srta senor senora senorita
    enfermera enfermero don dona lic
    """.split()
)
# Words that say the name next to them is a person at work ("Will at the front desk").
ROLE_WORDS = frozenset(
    """
    nurse doctor dr physician provider receptionist reception desk front assistant ma pa np therapist
    pharmacist technician tech manager scheduler billing lab phlebotomist surgeon midwife
    enfermera enfermero doctora medico medica recepcionista recepcion asistente tecnico tecnica
    farmaceutico cajera cajero
    """.split()
)
# Abbreviated titles end with a full stop that does not end the sentence ("Dr. O").
ABBREVIATIONS = frozenset({"dr", "dra", "mr", "mrs", "ms", "sr", "sra", "srta", "prof", "lic", "st"})
# How far after a name a role word still describes it ("Grace, the nurse on ward 3").
ROLE_WINDOW = 4

CONTEXT_WORDS = TITLES | ROLE_WORDS
WORD = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)?")
SENTENCE_END = re.compile(r"[.!?¡¿:;\n]")


def fold(text: str) -> str:
    """Accents removed (José → Jose, Peña → Pena), case kept: "é" is e plus a combining accent in NFD."""
    if text.isascii():
        return text
    decomposed = unicodedata.normalize("NFD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


class Words:
    """A text's words, folded to lower case without accents; capitals and sentence starts are read
    from the original spelling only for the few words that might be names."""

    def __init__(self, text: str) -> None:
        self.folded = fold(text)
        self.matches = list(WORD.finditer(self.folded))
        self.words = [m.group().lower() for m in self.matches]

    def __len__(self) -> int:
        return len(self.words)

    def capitalised(self, i: int) -> bool:
        return self.matches[i].group()[0].isupper()

    def sentence_initial(self, i: int) -> bool:
        if i == 0:
            return True
        previous = self.words[i - 1]
        if previous in ABBREVIATIONS or len(previous) == 1:
            return False
        gap = self.folded[self.matches[i - 1].end() : self.matches[i].start()]
        return bool(SENTENCE_END.search(gap))


@dataclass
class StaffMatcher:
    """The staff list turned into lookup tables, built once per list (lookups are then per word)."""

    full_names: dict[tuple[str, ...], set[str]] = field(default_factory=dict)
    given: dict[str, set[str]] = field(default_factory=dict)
    surnames: dict[str, set[str]] = field(default_factory=dict)
    initials: dict[str, set[str]] = field(default_factory=dict)
    longest_name: int = 1
    # Every word that can start a mention (titles included), and the same without the titles.
    vocabulary: frozenset[str] = frozenset()
    names: frozenset[str] = frozenset()

    def add(self, table: dict[str, set[str]], word: str, key: str) -> None:
        table.setdefault(word, set()).add(key)

    def add_full_name(self, words: tuple[str, ...], key: str) -> None:
        self.full_names.setdefault(words, set()).add(key)
        self.longest_name = max(self.longest_name, len(words))


def name_words(name: str) -> list[str]:
    words = Words(name).words
    while words and words[0] in TITLES:
        words = words[1:]
    return words


def nickname_forms(given_name: str) -> set[str]:
    forms = set(NICKNAMES.get(given_name, ()))
    forms.update(formal for formal, nicks in NICKNAMES.items() if given_name in nicks)
    return {fold(f) for f in forms}


def build_matcher(staff: Iterable[tuple[str, str, tuple[str, ...]]]) -> StaffMatcher:
    matcher = StaffMatcher()
    for key, name, nicknames in staff:
        words = name_words(name)
        if not words:
            continue
        first, family = words[0], words[1:]
        matcher.add_full_name(tuple(words), key)
        matcher.add(matcher.given, first, key)
        for form in nickname_forms(first):
            matcher.add(matcher.given, form, key)
        for surname in family:
            matcher.add(matcher.surnames, surname, key)
            matcher.add(matcher.initials, surname[0], key)
            matcher.add_full_name((first, surname), key)
        for nickname in nicknames:
            nick_words = tuple(name_words(nickname)) or tuple(Words(nickname).words)
            if len(nick_words) == 1:
                matcher.add(matcher.given, nick_words[0], key)
            elif nick_words:
                matcher.add_full_name(nick_words, key)
    matcher.names = frozenset(matcher.given) | frozenset(matcher.surnames) | {w[0] for w in matcher.full_names}
    matcher.vocabulary = matcher.names | TITLES
    return matcher


@lru_cache(maxsize=16)
def cached_matcher(staff: tuple[tuple[str, str, tuple[str, ...]], ...]) -> StaffMatcher:
    return build_matcher(staff)


_last: list[tuple[Sequence[StaffLike], int, StaffMatcher]] = []


def matcher_for(staff: Sequence[StaffLike]) -> StaffMatcher:
    """The matcher for this staff list. Analysis passes the same list for thousands of comments, so the
    last one is remembered by identity (reading every name again per comment cost more than matching);
    a different list, or one that changed length, is read again (cached by content)."""
    if _last and _last[0][0] is staff and _last[0][1] == len(staff):
        return _last[0][2]
    matcher = cached_matcher(staff_signature(staff))
    _last[:] = [(staff, len(staff), matcher)]
    return matcher


def staff_signature(staff: Sequence[StaffLike]) -> tuple[tuple[str, str, tuple[str, ...]], ...]:
    return tuple(
        (s.key, s.name, tuple(str(n) for n in s.nicknames) if isinstance(s.nicknames, list) else ())
        for s in staff
    )


def has_context(words: Words, i: int) -> bool:
    """An everyday word counts as a name when written like one, or when a title or role sits next to it."""
    capitalised = words.capitalised(i)
    if capitalised and not words.sentence_initial(i):
        return True
    if i > 0 and (words.words[i - 1] in TITLES or words.words[i - 1] in ROLE_WORDS):
        return True
    following = words.words[i + 1 : i + 1 + ROLE_WINDOW]
    return capitalised and any(w in ROLE_WORDS for w in following)


def only_one(keys: set[str] | None) -> str | None:
    return next(iter(keys)) if keys is not None and len(keys) == 1 else None


def match_full_name(matcher: StaffMatcher, words: Words, i: int) -> tuple[str | None, int]:
    """The longest full name starting at word i: (staff key if unique, words used)."""
    for length in range(min(matcher.longest_name, len(words) - i), 1, -1):
        keys = matcher.full_names.get(tuple(words.words[i : i + length]))
        if keys:
            return only_one(keys), length
    return None, 0


def match_after_title(matcher: StaffMatcher, words: Words, i: int) -> tuple[str | None, int]:
    """"Dr Okafor", "Nurse Grace", "Dr. O": the title makes even an everyday word a name."""
    if i + 1 >= len(words):
        return None, 0
    following = words.words[i + 1]
    key, used = match_full_name(matcher, words, i + 1)
    if used:
        return key, used + 1
    if len(following) == 1:
        return (only_one(matcher.initials.get(following)), 2) if words.capitalised(i + 1) else (None, 0)
    keys = matcher.surnames.get(following) or matcher.given.get(following)
    return (only_one(keys), 2) if keys else (None, 0)


def match_single_name(matcher: StaffMatcher, words: Words, i: int) -> str | None:
    word = words.words[i]
    key = only_one(matcher.given.get(word) or matcher.surnames.get(word))
    if key is None:
        return None
    if word in WORD_NAMES and not has_context(words, i):
        return None
    return key


def might_name_someone(matcher: StaffMatcher, raw_words: list[str]) -> bool:
    """A quick look for a name word, before reading context: a lower-case everyday word ("will", "grace")
    can only be a name right after a title or role word, so it alone does not send the comment on; an
    initial counts only after a title ("Dr. O")."""
    previous = ""
    for raw in raw_words:
        word = raw.lower()
        if word in matcher.names and (word not in WORD_NAMES or raw[0].isupper() or previous in CONTEXT_WORDS):
            return True
        if len(raw) == 1 and raw.isupper() and previous in TITLES:
            return True
        previous = word
    return False


def find_staff_mentions(text: str, staff: Sequence[StaffLike]) -> list[str]:
    """Keys of the staff members the text names, in order of first mention, each once."""
    if not text or not staff:
        return []
    matcher = matcher_for(staff)
    # Most comments name nobody: one pass over the lower-cased words decides that. A title alone
    # ("the nurse was kind") names nobody unless an initial follows it ("Dr. O").
    if not might_name_someone(matcher, WORD.findall(fold(text))):
        return []
    words = Words(text)
    found: list[str] = []
    i = 0
    while i < len(words):
        if words.words[i] not in matcher.vocabulary:
            i += 1
            continue
        key: str | None = None
        used = 0
        if words.words[i] in TITLES:
            key, used = match_after_title(matcher, words, i)
        if not used:
            key, used = match_full_name(matcher, words, i)
        if not used:
            key, used = match_single_name(matcher, words, i), 1
        if key is not None and key not in found:
            found.append(key)
        i += max(used, 1)
    return found
