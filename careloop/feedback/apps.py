from django.apps import AppConfig


class FeedbackConfig(AppConfig):
    name = "careloop.feedback"
    label = "feedback"
    verbose_name = "Comment analysis"

    def ready(self) -> None:
        # A response saved complete with a comment through the ORM is analysed at once; the answer page's
        # completions are read by the worker's analysis round (tasks.py).
        from django.db.models.signals import post_save

        from careloop.feedback.tasks import enqueue_analysis_of_completed_response
        from careloop.surveys.models import Response

        post_save.connect(enqueue_analysis_of_completed_response, sender=Response,
                          dispatch_uid="feedback-analyse-completed-response")
