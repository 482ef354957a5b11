from django.urls import path

from careloop.governance import views

app_name = "governance"

urlpatterns = [
    path("", views.board, name="board"),
    path("reviews/new/", views.review_new, name="review_new"),
    path("reviews/<uuid:review_id>/", views.review_detail, name="review"),
    path("strategy/", views.strategy, name="strategy"),
    path("strategy/new/", views.goal_new, name="goal_new"),
    path("recognition/", views.recognition_queue, name="recognition"),
    path("recognition/new/", views.moment_new, name="moment_new"),
    path("kind-words/", views.my_kind_words, name="my_kind_words"),
    path("staff/<uuid:staff_id>/", views.staff_kind_words, name="staff"),
]
