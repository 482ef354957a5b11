from django.apps import AppConfig


class FeedbackConfig(AppConfig):
    name = "careloop.feedback"
    label = "feedback"
    verbose_name = "Comment analysis"

    def ready(self) -> None:
        # A completed survey response with a comment gets analysed in the background (tasks.py).
        from django.db.models.signals import post_save

        from careloop.feedback.tasks import enqueue_analysis_of_completed_response
        from careloop.surveys.models import Response

        post_save.connect(enqueue_analysis_of_completed_response, sender=Response,
                          dispatch_uid="feedback-analyse-completed-response")
