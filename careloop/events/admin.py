"""No event table is registered in the Django admin, on purpose.

Visits, referrals, messages and billing inquiries carry a patient_ref, and admin pages are not
audited; the IT admin role has no need to read them (minimum necessary, 45 CFR 164.502(b)).
Patient events are read through careloop/events/access.py, which writes the audit log.
"""
