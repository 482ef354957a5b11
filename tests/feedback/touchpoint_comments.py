"""Hand-labelled comments for measuring touchpoint routing on the default journey (issue 6).

Written for careloop's tests by its developers, in English and Spanish, the way patients write on a
survey's comment box: mostly one touchpoint, some two, some none ("thanks, all good"). None is in
seed_examples.yaml or in the default journey's example phrases (test_touchpoint_recall.py checks), and
none was copied from any survey or data set. Each was labelled with the default journey's touchpoint keys
(careloop/journeys/default_journey.yaml: its descriptions decide, e.g. "referral-in" is another clinician
sending the patient to us, "referral" is us sending the patient on; "appointment-booking" is finding a
time, "online-booking" doing it online) before any router saw it.

Two halves: DEV was used to choose the router's settings (touchpoints.py says which), TEST only to report
them, so the figures on TEST are not fitted to it. Labels: a list of keys, empty for no touchpoint.
"""

from __future__ import annotations

LabelledComment = tuple[str, list[str]]

DEV: list[LabelledComment] = [
    # website
    ("Your website still lists Dr Lee, who left last year", ["website"]),
    ("Could not find the parking directions anywhere on your site", ["website"]),
    ("The practice webpage was clear about which insurances you accept", ["website"]),
    ("En su sitio de internet no aparece la dirección nueva", ["website"]),
    # phone-call
    ("Spent 25 minutes listening to hold music before I gave up", ["phone-call"]),
    ("The woman who picked up when I rang was patient and sorted everything out", ["phone-call"]),
    ("Every time I call I get a recording telling me to call back later", ["phone-call"]),
    ("Llamé cuatro veces y nadie me contestó", ["phone-call"]),
    # referral-in
    ("My GP referred me here and it was three weeks before anyone contacted me", ["referral-in"]),
    ("After my cardiologist sent me over, your office phoned me the next morning", ["referral-in"]),
    ("My other doctor faxed the referral twice and you said you never got it", ["referral-in"]),
    ("Mi doctora de cabecera me mandó con ustedes y tardaron mucho en llamarme", ["referral-in"]),
    # online-booking
    ("The booking site kept logging me out before I could pick a time", ["online-booking"]),
    ("Love that I can book from my phone at midnight", ["online-booking"]),
    ("Online scheduling showed nothing free, but when I called there were openings", ["online-booking", "phone-call"]),
    ("Agendar la cita por internet fue rapidísimo", ["online-booking"]),
    # appointment-booking
    ("Earliest they could see me was six weeks out, for a painful ear", ["appointment-booking"]),
    ("They squeezed me in the same afternoon when my son had a fever", ["appointment-booking"]),
    ("Getting a new patient appointment took forever", ["appointment-booking"]),
    ("Me dieron cita para dentro de dos meses, demasiado tiempo", ["appointment-booking"]),
    # reminders
    ("The text reminder came with the wrong date on it", ["reminders"]),
    ("Appreciated the confirmation email with everything I needed to bring", ["reminders"]),
    ("I got a reminder call at 7am on a Sunday, not ideal", ["reminders"]),
    ("El mensaje de confirmación me ayudó a no olvidar la cita", ["reminders"]),
    # check-in
    ("The girl at the front desk didn't even look up when I came in", ["check-in"]),
    ("Signing in on the tablet at arrival was fast", ["check-in"]),
    ("They asked for my insurance card and ID three separate times at the desk", ["check-in"]),
    ("Al llegar la recepcionista me saludó con una sonrisa", ["check-in"]),
    # waiting-room
    ("The waiting area had no chairs free and a TV blaring", ["waiting-room"]),
    ("Sat in the lobby for fifty minutes past my appointment and nobody explained why", ["waiting-room"]),
    ("Nice clean lobby with water and magazines", ["waiting-room"]),
    ("Estuve casi una hora sentada en la sala antes de que me pasaran", ["waiting-room"]),
    # visit
    ("Dr Patel answered every question and never made me feel rushed", ["visit"]),
    ("The provider barely examined me and was out of the room in five minutes", ["visit"]),
    ("The medical assistant who took my blood pressure was very gentle", ["visit"]),
    ("La doctora me explicó el diagnóstico con mucha paciencia", ["visit"]),
    # check-out
    ("When I left, nobody scheduled the follow-up the doctor wanted", ["check-out"]),
    ("At the exit desk they printed my visit summary and booked my next one", ["check-out"]),
    ("Checkout took longer than the visit itself", ["check-out"]),
    ("A la salida me cobraron el copago sin problema", ["check-out"]),
    # referral
    ("The referral to the dermatologist took a month to go out", ["referral"]),
    ("They sent my records to the orthopedist right away", ["referral"]),
    ("The specialist said they never received anything from your office", ["referral"]),
    ("Todavía espero que envíen mi referencia al cardiólogo", ["referral"]),
    # follow-up
    ("Nobody ever called with my blood test results", ["follow-up"]),
    ("The nurse called two days later to see how I was feeling", ["follow-up"]),
    ("I had to chase my MRI results for two weeks", ["follow-up"]),
    ("Nunca me dieron los resultados de los análisis", ["follow-up"]),
    # portal-messages
    ("My refill request on the portal sat there for a week", ["portal-messages"]),
    ("Got a reply to my portal question the same day, very handy", ["portal-messages"]),
    ("I messaged the doctor through MyChart and heard nothing back", ["portal-messages"]),
    ("Escribí por el portal para pedir una receta y nadie respondió", ["portal-messages"]),
    # billing
    ("I was billed for a visit my insurance already paid", ["billing"]),
    ("Nobody can explain the charges on my statement", ["billing"]),
    ("The billing lady fixed my claim in one call", ["billing", "phone-call"]),
    ("Me llegó una cuenta por un servicio que nunca recibí", ["billing"]),
    # two touchpoints
    ("Waited forty minutes in the lobby and then the doctor rushed through the exam", ["waiting-room", "visit"]),
    ("Checked in fine but then sat in the waiting room for an hour", ["check-in", "waiting-room"]),
    # no touchpoint
    ("Thank you all so much", []),
    ("Great practice, would recommend", []),
    ("Keep up the good work", []),
    ("Muy buen servicio en general, gracias", []),
    ("Nothing to add", []),
    ("Todo bien", []),
]

TEST: list[LabelledComment] = [
    # website
    ("The hours on your website were wrong so I turned up to a locked door", ["website"]),
    ("Finding the new patient forms on the site was easy", ["website"]),
    ("Your site does not say whether you take Medicaid", ["website"]),
    ("La página de internet no funciona bien en el celular", ["website"]),
    # phone-call
    ("I was transferred three times and then the line went dead", ["phone-call"]),
    ("Whoever answered the phones on Monday was brilliant", ["phone-call"]),
    ("It takes ages for someone to pick up when you ring the clinic", ["phone-call"]),
    ("La persona que me contestó por teléfono fue muy grosera", ["phone-call"]),
    # referral-in
    ("My family doctor referred me and you called within a day to set things up", ["referral-in"]),
    ("I was referred to this clinic in March and only heard from you in May", ["referral-in"]),
    ("The hospital sent my referral but your office lost it", ["referral-in"]),
    ("Mi médico me refirió aquí y nadie me llamó durante semanas", ["referral-in"]),
    # online-booking
    ("The online appointment tool wouldn't accept my date of birth", ["online-booking"]),
    ("Booked through the portal in a couple of clicks", ["online-booking"]),
    ("Your app says no availability every time I try to book", ["online-booking"]),
    ("Reservar en línea es muy cómodo", ["online-booking"]),
    # appointment-booking
    ("Couldn't get seen for a month even though it was urgent", ["appointment-booking"]),
    ("They found me a slot with a different doctor that same week", ["appointment-booking"]),
    ("No appointments available until after the holidays", ["appointment-booking"]),
    ("Conseguir una cita es casi imposible", ["appointment-booking"]),
    # reminders
    ("I never received the reminder text and missed my visit", ["reminders"]),
    ("Too many reminder messages, four for one appointment", ["reminders"]),
    ("The automated confirmation call was helpful", ["reminders"]),
    ("No me llegó ningún recordatorio", ["reminders"]),
    # check-in
    ("Front desk staff were chatting and made me wait to sign in", ["check-in"]),
    ("Registration on arrival was smooth and friendly", ["check-in"]),
    ("So many forms to fill in when I got there, same as last time", ["check-in"]),
    ("En la recepción me trataron muy mal cuando llegué", ["check-in"]),
    # waiting-room
    ("The lobby was freezing and the seats were dirty", ["waiting-room"]),
    ("Waited over an hour to be called back to a room", ["waiting-room"]),
    ("Nobody told us the doctor was behind, we just sat there", ["waiting-room"]),
    ("La sala de espera estaba muy limpia y tranquila", ["waiting-room"]),
    # visit
    ("The doctor listened and took my concerns seriously", ["visit"]),
    ("I felt the physician was in a hurry and didn't examine me properly", ["visit"]),
    ("The nurse practitioner explained my treatment plan step by step", ["visit"]),
    ("El médico ni me revisó, solo me hizo dos preguntas", ["visit"]),
    # check-out
    ("On my way out they gave me the paperwork and the next appointment", ["check-out"]),
    ("Left without anyone telling me what to do about my labs", ["check-out"]),
    ("The check-out line was long and only one person was working", ["check-out"]),
    ("Al salir nadie me dio la siguiente cita", ["check-out"]),
    # referral
    ("My referral to the neurologist has been pending for six weeks", ["referral"]),
    ("They set up the specialist referral before I even left", ["referral"]),
    ("I had to call the specialist myself because the referral was never sent", ["referral"]),
    ("Nunca enviaron mi referencia al especialista", ["referral"]),
    # follow-up
    ("I'm still waiting on my biopsy results", ["follow-up"]),
    ("They called promptly with my lab results and explained them", ["follow-up"]),
    ("No one followed up after my procedure", ["follow-up"]),
    ("Me llamaron para darme los resultados y explicarme todo", ["follow-up"]),
    # portal-messages
    ("Portal messages go unanswered for days", ["portal-messages"]),
    ("Sent a question through the patient portal and got a clear answer", ["portal-messages"]),
    ("My prescription refill request through the portal was ignored", ["portal-messages"]),
    ("Mandé un mensaje en el portal y me contestaron rápido", ["portal-messages"]),
    # billing
    ("I got a bill months later for something that should have been covered", ["billing"]),
    ("The statement was confusing and had duplicate charges", ["billing"]),
    ("They sent my account to collections without any warning", ["billing"]),
    ("Me cobraron dos veces el mismo análisis", ["billing"]),
    # two touchpoints
    ("The receptionist was rude when I arrived and then the doctor was lovely", ["check-in", "visit"]),
    ("Nobody answered the phone so I had to book online instead", ["phone-call", "online-booking"]),
    # no touchpoint
    ("Thanks for everything", []),
    ("Excellent as always", []),
    ("Everyone was wonderful", []),
    ("Gracias por todo", []),
    ("No comments", []),
    ("Excelente", []),
]
