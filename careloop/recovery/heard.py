"""What to say: the HEARD service-recovery model (Hear, Empathize, Apologize, Resolve, Diagnose), the
Disney Institute's service-recovery technique as adopted in patient-experience training (the Cleveland
Clinic's programme among others; issue 7 asks for it by name). The first four are
said to the patient; Diagnose is what the owner does afterwards, which is why a resolved case asks for
a cause category and a fix level (issue 7, item 5).

The texts are prompts, not scripts to read out; the owner fills in the specifics. They never include
the patient's answers or comment: the case page shows the evidence separately.
"""

from __future__ import annotations

from dataclasses import dataclass

from careloop.recovery.models import Case, Trigger


@dataclass(frozen=True)
class HeardStep:
    key: str
    name: str
    aim: str


HEARD_STEPS = (
    HeardStep("hear", "Hear", "Let the patient tell the whole story without interrupting; take notes."),
    HeardStep("empathise", "Empathise", "Say you understand how it felt, in your own words."),
    HeardStep("apologise", "Apologise", "Apologise sincerely for the experience, without blaming a colleague."),
    HeardStep("resolve", "Resolve", "Agree what will put it right for this patient, and when; ask what they would like."),
    HeardStep("diagnose", "Diagnose", "After the call: find why it happened, so it does not happen to the next patient."),
)

# Opening lines by what opened the case: the "Hear" step starts from what we know.
OPENINGS = {
    Trigger.DETRACTOR: "Thank you for your survey answer. You told us you would be unlikely to recommend us, "
    "and you asked us to get in touch. Could you tell me what happened?",
    Trigger.BOTTOM_BOX: "Thank you for answering our survey and for asking us to call. One of your answers tells us "
    "something did not go well. Could you tell me more about it?",
    Trigger.URGENT_COMMENT: "Thank you for telling us about this in your survey. We take it seriously, and I am calling "
    "to hear more and to make sure you are safe and looked after.",
    Trigger.LONG_WAIT: "I am calling about your recent visit: we kept you waiting much longer than we should have. "
    "How was the rest of your visit?",
    Trigger.REFERRAL_OPEN: "I am calling about your referral: it has been open longer than it should be. "
    "Has anyone been in touch with you about the appointment?",
    Trigger.BILLING_UNANSWERED: "I am calling about the billing question you sent us: we have not answered it yet, "
    "and we should have. Is the question still open for you?",
    Trigger.COMPLAINT: "Thank you for raising this with us. I am the person responsible for this part of the practice, "
    "and I would like to hear what happened.",
}

EMPATHY = "That sounds really frustrating. I would feel the same in your place."
APOLOGY = "I am sorry this happened to you. It is not the experience we want anyone to have with us."
RESOLVE = "Here is what I can do now: … Would that put it right for you? I will call you back by … to check."
INCIDENT = (
    "This is an incident from an anonymous comment: there is nobody to call. Hear it from the evidence, check that "
    "nobody is at risk, act on what it describes, and diagnose the cause."
)


def script_for(case: Case) -> list[tuple[HeardStep, str]]:
    """Each HEARD step with a suggested line for this case (empty where the step is for the owner alone)."""
    if case.is_incident:
        return [(step, INCIDENT if step.key == "hear" else "") for step in HEARD_STEPS]
    lines = {
        "hear": OPENINGS.get(Trigger(case.trigger), OPENINGS[Trigger.COMPLAINT]),
        "empathise": EMPATHY,
        "apologise": APOLOGY,
        "resolve": RESOLVE,
        "diagnose": "",
    }
    return [(step, lines[step.key]) for step in HEARD_STEPS]
