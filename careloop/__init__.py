"""careloop: patient-experience management for medical practices."""

__version__ = "0.1.0"
