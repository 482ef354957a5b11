"""Signals comment analysis sends, for later stages of the loop to listen to (recovery opens a case for
each urgent comment) without feedback importing them: dependencies point one way along the loop."""

from __future__ import annotations

from django.dispatch import Signal

# Sent once per analysed batch, after its rows are saved, with
#   analysis_ids: list[int]  every CommentAnalysis created or updated,
#   urgent_ids: list[int]    those among them whose urgency is not empty.
# sender is careloop.feedback.models.CommentAnalysis.
comments_analysed = Signal()
