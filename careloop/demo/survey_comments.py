"""Free-text comments of the demo's survey responses, in English and Spanish, from templates with
enough variety that comment analysis has something to learn from: praise naming staff (by full name,
first name or the nickname patients use), complaints about waits, the front desk, billing and the
phone, mixed comments, and, rarely, an urgent one (a safety concern) that must open a case at once."""

from __future__ import annotations

import random
from dataclasses import dataclass

from careloop.demo.practice import PROVIDERS, STAFF, Person

# Staff a patient meets on a visit and may name: the front desk and the nurses.
MET_ON_A_VISIT = ("front-desk-lead", "luz-herrera", "jamal-carter", "nurse-manager", "fatima-siddiqui")

PRAISE_PROVIDER = {
    "en": [
        "{name} took the time to explain everything. I never feel rushed.",
        "{name} is the best! Listened to all my questions.",
        "Very happy with {name}, clear and kind as always.",
        "{name} remembered my history and followed up on my labs. Thank you.",
        "I trust {name} completely. Great visit.",
    ],
    "es": [
        "{name} me explicó todo con paciencia. Nunca me siento apurado.",
        "¡{name} es excelente! Escuchó todas mis preguntas.",
        "Muy contenta con {name}, clara y amable como siempre.",
        "{name} recordó mi historial y revisó mis análisis. Gracias.",
        "Confío plenamente en {name}. Muy buena visita.",
    ],
}
PRAISE_STAFF = {
    "en": [
        "{name} at the front desk was so friendly and helpful.",
        "Thank you to {name}, who made check-in quick and easy.",
        "{name} was wonderful with my mother today.",
        "Shout out to {name} for sorting out my paperwork!",
    ],
    "es": [
        "{name} en la recepción fue muy amable y atenta.",
        "Gracias a {name}, que hizo el registro rápido y fácil.",
        "{name} fue maravillosa con mi mamá hoy.",
        "¡Gracias a {name} por ayudarme con mis papeles!",
    ],
}
WAIT = {
    "en": [
        "Waited {minutes} minutes past my appointment time. Nobody told us why.",
        "The wait was way too long, {minutes} minutes in the waiting room.",
        "I had to leave work early and still waited almost {minutes} minutes.",
        "Good doctor but the wait is ridiculous. {minutes} minutes today.",
    ],
    "es": [
        "Esperé {minutes} minutos después de la hora de mi cita. Nadie nos dijo por qué.",
        "La espera fue demasiado larga, {minutes} minutos en la sala de espera.",
        "Salí temprano del trabajo y aun así esperé casi {minutes} minutos.",
        "Buen médico pero la espera es ridícula. {minutes} minutos hoy.",
    ],
}
RUSHED = {
    "en": [
        "The doctor was running late and rushed through my visit.",
        "Felt rushed, I didn't get to ask about my medication.",
    ],
    "es": [
        "La doctora iba retrasada y mi consulta fue muy rápida.",
        "Me sentí apurado, no pude preguntar sobre mi medicamento.",
    ],
}
FRONT_DESK = {
    "en": [
        "The receptionist was rude when I asked how much longer.",
        "Front desk staff were on their phones and ignored me for a while.",
    ],
    "es": [
        "La recepcionista fue grosera cuando pregunté cuánto faltaba.",
        "El personal de recepción estaba en el teléfono y me ignoró un rato.",
    ],
}
BILLING = {
    "en": [
        "I got a bill for a visit my insurance should have covered. Still not fixed.",
        "My statement is confusing and nobody could explain the charges.",
        "Billed twice for the same visit.",
    ],
    "es": [
        "Me llegó una factura de una visita que mi seguro debía cubrir. Todavía no lo arreglan.",
        "Mi estado de cuenta es confuso y nadie me pudo explicar los cargos.",
        "Me cobraron dos veces la misma visita.",
    ],
}
PHONE = {
    "en": [
        "Impossible to get through on the phone, on hold forever.",
        "Called three times to book and nobody called me back.",
        "The phone line hangs up after 10 minutes on hold.",
    ],
    "es": [
        "Imposible comunicarse por teléfono, siempre en espera.",
        "Llamé tres veces para hacer una cita y nadie me devolvió la llamada.",
        "La línea se corta después de 10 minutos en espera.",
    ],
}
MIXED = {
    "en": [
        "Good care overall, parking is hard though.",
        "Fine visit. The waiting room could be cleaner.",
        "OK. Would like more evening appointments.",
    ],
    "es": [
        "Buena atención en general, aunque es difícil estacionar.",
        "Visita normal. La sala de espera podría estar más limpia.",
        "Bien. Me gustaría que hubiera citas por la tarde.",
    ],
}
# Rare, and the reason comment analysis flags urgency: harm, or a risk of it (DESIGN.md).
URGENT = {
    "en": [
        "I was given the wrong prescription, the pharmacist caught it. This could have hurt me.",
        "I slipped on the wet floor by the restroom and hurt my hip. There was no sign.",
        "Nobody called me about my abnormal test result and I found it in the portal weeks later.",
    ],
    "es": [
        "Me dieron la receta equivocada, la farmacia se dio cuenta. Me pudo haber hecho daño.",
        "Me resbalé en el piso mojado junto al baño y me lastimé la cadera. No había ningún aviso.",
        "Nadie me llamó por mi resultado anormal y lo vi en el portal semanas después.",
    ],
}
URGENT_SHARE = 0.004


@dataclass(frozen=True)
class Visit:
    """What a comment can be about: who was seen, and how the visit went."""

    provider: str
    wait_minutes: float
    provider_late_minutes: float


def spoken_name(rng: random.Random, person: Person) -> str:
    """How a patient writes a name: the nickname they use, the first name, or the full name."""
    first = person.name.split()[0]
    return rng.choice([*person.nicknames, *person.nicknames, first, person.name])


def _person(key: str) -> Person:
    return next(p for p in (*STAFF, *PROVIDERS) if p.key == key)


def praise(rng: random.Random, language: str, provider: str) -> str:
    if rng.random() < 0.6:
        return rng.choice(PRAISE_PROVIDER[language]).format(name=spoken_name(rng, _person(provider)))
    return rng.choice(PRAISE_STAFF[language]).format(name=spoken_name(rng, _person(rng.choice(MET_ON_A_VISIT))))


def complaint(rng: random.Random, language: str, visit: Visit) -> str:
    if visit.wait_minutes > 30 and rng.random() < 0.7:
        return rng.choice(WAIT[language]).format(minutes=round(visit.wait_minutes / 5) * 5)
    if visit.provider_late_minutes > 20 and rng.random() < 0.5:
        return rng.choice(RUSHED[language])
    themes = [FRONT_DESK, BILLING, PHONE, MIXED]
    return rng.choice(rng.choices(themes, weights=[2, 3, 3, 1])[0][language])


def comment_for(rng: random.Random, language: str, visit: Visit, mood: str) -> str:
    """A comment for a response whose patient was `mood`: happy, unhappy or neutral."""
    if rng.random() < URGENT_SHARE:
        return rng.choice(URGENT[language])
    if mood == "happy":
        return praise(rng, language, visit.provider)
    if mood == "unhappy":
        return complaint(rng, language, visit)
    if visit.wait_minutes > 30:
        return rng.choice(WAIT[language]).format(minutes=round(visit.wait_minutes / 5) * 5)
    return rng.choice(MIXED[language])
