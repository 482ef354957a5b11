"""Patient comments with planted identifiers (all invented; numbers from reserved fictional ranges where one
exists: US 555-01xx, UK Ofcom drama numbers 07700 900xxx and 020 7946 0xxx, example.com/.org/.net), in
English and Spanish, written as patients write: identifiers inside sentences, in signatures, in several
formats. Each comment lists what was planted, by kind, and which staff names must survive."""

from __future__ import annotations

from dataclasses import dataclass, field

# The practice's staff, as redaction is given them (`keep`).
STAFF_NAMES = ("Dr Amara Okafor", "Grace Lee", "William Park", "José Martínez", "Michael Chen", "Guadalupe Ruiz")


@dataclass(frozen=True)
class PlantedComment:
    text: str
    planted: dict[str, list[str]]  # kind (name, phone, email, dob, record, address) → the identifier's text
    staff: list[str] = field(default_factory=list)  # staff names in the text that must stay


CORPUS: list[PlantedComment] = [
    PlantedComment(
        "My name is Jane Doe and my DOB is 03/04/1961. Please call me on (555) 010-3344.",
        {"name": ["Jane", "Doe"], "dob": ["03/04/1961"], "phone": ["(555) 010-3344"]},
    ),
    PlantedComment(
        "I am Robert Hughes, MRN 00482913. Dr Okafor was brilliant, thank her for me.",
        {"name": ["Robert", "Hughes"], "record": ["00482913"]},
        ["Okafor"],
    ),
    PlantedComment(
        "Email me at r.hughes61@example.com or text 555-010-7788 about the bill.",
        {"email": ["r.hughes61@example.com"], "phone": ["555-010-7788"]},
    ),
    PlantedComment(
        "Patient: Linda Marsh, date of birth 12 March 1958, NHS number 943 476 5919.",
        {"name": ["Linda", "Marsh"], "dob": ["12 March 1958"], "record": ["943 476 5919"]},
    ),
    PlantedComment(
        "Mrs Patel waited three hours. Her number is 07700 900123 and she was born on 5/11/1947.",
        {"name": ["Patel"], "phone": ["07700 900123"], "dob": ["5/11/1947"]},
    ),
    PlantedComment(
        "Grace Lee was so kind to my husband Tom Baker. We live at 42 Oak Street, Apt 4B.",
        {"name": ["Tom", "Baker"], "address": ["42 Oak Street"]},
        ["Grace", "Lee"],
    ),
    PlantedComment(
        "Thank you William Park at the desk!\nThanks, Sarah Connell",
        {"name": ["Sarah", "Connell"]},
        ["William", "Park"],
    ),
    PlantedComment(
        "My SSN 123-45-6789 was printed on the letter they sent to 17 Birch Lane. Unacceptable.",
        {"record": ["123-45-6789"], "address": ["17 Birch Lane"]},
    ),
    PlantedComment(
        "Mr. Donovan (DOB: 1950-07-22) never got a call back. Ring +44 20 7946 0958.",
        {"name": ["Donovan"], "dob": ["1950-07-22"], "phone": ["+44 20 7946 0958"]},
    ),
    PlantedComment(
        "I'm Keisha Brown, account number 77120934, and I was billed twice.",
        {"name": ["Keisha", "Brown"], "record": ["77120934"]},
    ),
    PlantedComment(
        "Dr Chen explained everything. My daughter Emily was seen too. Contact: emily.w@example.org",
        {"name": ["Emily"], "email": ["emily.w@example.org"]},
        ["Chen"],
    ),
    PlantedComment(
        "Born on March 4, 1961 and still no appointment! Member ID ABX449201. Call 555.010.4455",
        {"dob": ["March 4, 1961"], "record": ["ABX449201"], "phone": ["555.010.4455"]},
    ),
    PlantedComment(
        "This is Harold Fenwick writing for my wife. We're at 1208 North Maple Avenue.",
        {"name": ["Harold", "Fenwick"], "address": ["1208 North Maple Avenue"]},
    ),
    PlantedComment(
        "The patient Ahmed Karimi was left waiting. Medical record number 55-301-882.",
        {"name": ["Ahmed", "Karimi"], "record": ["55-301-882"]},
    ),
    PlantedComment(
        "Nurse Grace was lovely.\n- Paula Greene",
        {"name": ["Paula", "Greene"]},
        ["Grace"],
    ),
    PlantedComment(
        "Reach me at +1 (555) 010-9090 ext. 12 or mike_t@example.net; DOB 7-9-82.",
        {"phone": ["+1 (555) 010-9090"], "email": ["mike_t@example.net"], "dob": ["7-9-82"]},
    ),
    PlantedComment(
        "My mother Ruth Abernathy fell. Her hospital number is H2231987.",
        {"name": ["Ruth", "Abernathy"], "record": ["H2231987"]},
    ),
    PlantedComment(
        "Ms O'Neill here, date of birth 02.09.1975. My address is 9 Kings Road, SW1A 1AA.",
        {"name": ["O'Neill"], "dob": ["02.09.1975"], "address": ["9 Kings Road", "SW1A 1AA"]},
    ),
    # Spanish
    PlantedComment(
        "Me llamo José Pérez, nací el 4 de marzo de 1970 y mi teléfono es +34 612 345 678.",
        {"name": ["José", "Pérez"], "dob": ["4 de marzo de 1970"], "phone": ["+34 612 345 678"]},
    ),
    PlantedComment(
        "Vivo en Calle Mayor 12, 3º B. Mi correo es lucia.ramos@example.com",
        {"address": ["Calle Mayor 12"], "email": ["lucia.ramos@example.com"]},
    ),
    PlantedComment(
        "Soy Carmen Delgado, número de expediente 448812. La doctora Okafor fue muy amable.",
        {"name": ["Carmen", "Delgado"], "record": ["448812"]},
        ["Okafor"],
    ),
    PlantedComment(
        "Mi hijo Diego Morales esperó dos horas. Llámenme al 55 1234 5678.",
        {"name": ["Diego", "Morales"], "phone": ["55 1234 5678"]},
    ),
    PlantedComment(
        "La paciente Rosa Jiménez Vega, fecha de nacimiento 15/08/1969, no recibió sus resultados.",
        {"name": ["Rosa", "Jiménez", "Vega"], "dob": ["15/08/1969"]},
    ),
    PlantedComment(
        "Gracias a Guadalupe Ruiz por todo.\nAtentamente, Fernando Ortiz",
        {"name": ["Fernando", "Ortiz"]},
        ["Guadalupe", "Ruiz"],
    ),
    PlantedComment(
        "Mi número de seguro social es 987-65-4321 y me cobraron mal. Avenida Reforma 222, col. Juárez.",
        {"record": ["987-65-4321"], "address": ["Avenida Reforma 222"]},
    ),
    PlantedComment(
        "La señora Beatriz Salas (fecha de nacimiento: 1948-01-30) se cayó en la entrada. Tel. 612 98 76 54",
        {"name": ["Beatriz", "Salas"], "dob": ["1948-01-30"], "phone": ["612 98 76 54"]},
    ),
    PlantedComment(
        "Mi nombre es Andrés Castillo y mi correo es a.castillo@example.org",
        {"name": ["Andrés", "Castillo"], "email": ["a.castillo@example.org"]},
    ),
    PlantedComment(
        "El señor Martínez de recepción fue muy amable con mi madre Pilar Núñez. Número de póliza PZ-7781234.",
        {"name": ["Pilar", "Núñez"], "record": ["PZ-7781234"]},
        ["Martínez"],
    ),
    PlantedComment(
        "Escríbanme a marta.gil@example.net o al móvil 699 112 233. Soy Marta Gil.",
        {"email": ["marta.gil@example.net"], "phone": ["699 112 233"], "name": ["Marta", "Gil"]},
    ),
    PlantedComment(
        "Dr. Chen fue excelente. Nací el 23 de julio de 1981, historia clínica 3390021.",
        {"dob": ["23 de julio de 1981"], "record": ["3390021"]},
        ["Chen"],
    ),
]


def planted_count() -> int:
    return sum(len(values) for comment in CORPUS for values in comment.planted.values())
