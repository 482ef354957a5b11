import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "careloop.settings")
# get_wsgi_application() sets Django up first; the answer pages' handler is built after it.
site = get_wsgi_application()

from careloop.surveys.answer_handler import with_lean_answer_pages  # noqa: E402

# The patient's answer pages (/s/...) skip the middleware they never use (surveys/answer_handler.py).
application = with_lean_answer_pages(site)
