"""Comment analysis: where (touchpoint) and what (theme) a patient's comment is about, its sentiment,
staff mentioned, urgency. Runs offline on a CPU from a committed static embedding model (model/)."""
