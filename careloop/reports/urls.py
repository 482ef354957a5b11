from django.urls import path

from careloop.reports import views

app_name = "reports"

urlpatterns = [
    path("", views.brief_page, name="brief"),
    path("pdf/", views.brief_pdf, name="brief_pdf"),
]
