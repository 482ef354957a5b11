from django.urls import path

from careloop.recovery import views

app_name = "recovery"
urlpatterns = [
    path("", views.inbox, name="inbox"),
    path("complaint/", views.log_complaint, name="log_complaint"),
    path("standards/", views.recovery_standards, name="standards"),
    path("rules/", views.recovery_rules, name="rules"),
    path("rules/edit/", views.edit_recovery_rules, name="edit_rules"),
    path("<uuid:case_id>/", views.case_page, name="case"),
    path("<uuid:case_id>/contact/", views.log_contact, name="log_contact"),
    path("<uuid:case_id>/resolve/", views.resolve, name="resolve"),
    path("<uuid:case_id>/close/", views.close_without_contact, name="close"),
    path("<uuid:case_id>/reopen/", views.reopen, name="reopen"),
    path("<uuid:case_id>/reassign/", views.reassign, name="reassign"),
    path("<uuid:case_id>/answer/", views.close_loop, name="close_loop"),
]
