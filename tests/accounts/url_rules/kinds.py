"""The shape of one API rule, shared by the per-app rule modules."""

from __future__ import annotations

from dataclasses import dataclass

LOGIN_ONLY = "signed in"


@dataclass(frozen=True)
class ApiRule:
    permission: str
    method: str = "get"
    body: dict[str, str] | None = None
