"""SurveyContact was the survey side's stand-in for the contact store (issue 3). Every row moves to
events.PatientContact (opt-outs included), then the model goes. Reversible: going back copies the
survey-side fields of every contact into SurveyContact again (names and consent_contact, which
SurveyContact never had, stay in the contact store's table until that is rolled back too)."""

from django.db import migrations, models
import django.utils.timezone

COPIED = ("email", "phone", "language", "consent_email", "consent_sms", "opted_out_at", "opted_out_via", "updated_at")


def survey_contacts_to_store(apps, schema_editor):
    SurveyContact = apps.get_model("surveys", "SurveyContact")
    PatientContact = apps.get_model("events", "PatientContact")
    known = set(PatientContact.objects.values_list("patient_ref", flat=True))
    new = []
    for old in SurveyContact.objects.order_by("pk").iterator():
        values = {name: getattr(old, name) for name in COPIED}
        if old.patient_ref in known:
            PatientContact.objects.filter(patient_ref=old.patient_ref).update(**values)
        else:
            new.append(PatientContact(patient_ref=old.patient_ref, **values))
    PatientContact.objects.bulk_create(new, batch_size=1000)


def store_to_survey_contacts(apps, schema_editor):
    SurveyContact = apps.get_model("surveys", "SurveyContact")
    PatientContact = apps.get_model("events", "PatientContact")
    SurveyContact.objects.bulk_create(
        [SurveyContact(patient_ref=c.patient_ref, **{name: getattr(c, name) for name in COPIED})
         for c in PatientContact.objects.order_by("pk").iterator()],
        batch_size=1000,
    )


class Migration(migrations.Migration):

    dependencies = [
        ("surveys", "0002_invitation_sending"),
        ("events", "0003_patient_contact_store"),
    ]

    operations = [
        migrations.RunPython(survey_contacts_to_store, store_to_survey_contacts),
        migrations.DeleteModel(name="SurveyContact"),
    ]
