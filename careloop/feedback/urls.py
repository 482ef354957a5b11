from django.urls import path

from careloop.feedback import views

app_name = "feedback"
urlpatterns = [
    path("", views.explorer_page, name="explorer"),
    path("empathy-map/", views.empathy_map_page, name="empathy_map"),
    path("comments/<uuid:analysis_id>/correct/", views.correct_labels, name="correct"),
]
