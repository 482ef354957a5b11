"""The JSON API (django-ninja, OpenAPI at /api/docs). Each app adds its router in its api.py."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from ninja import NinjaAPI
from ninja.security import django_auth

from careloop import __version__
from careloop.events.api import router as events_router
from careloop.journeys.api import router as journeys_router
from careloop.measures.api import router as measures_router

# Session auth (ninja checks CSRF on session-authenticated writes): the same login and role checks as the pages.
# The docs and schema pages need a login too: the API's shape is nobody else's business.
api = NinjaAPI(title="careloop API", version=__version__, auth=django_auth, docs_decorator=login_required)
api.add_router("/journey", journeys_router)
api.add_router("/events", events_router)
api.add_router("/measures", measures_router)
