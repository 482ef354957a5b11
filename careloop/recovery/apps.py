from django.apps import AppConfig


class RecoveryConfig(AppConfig):
    name = "careloop.recovery"
    label = "recovery"
    verbose_name = "Service recovery"

    def ready(self) -> None:
        from careloop.measures.scorecard import register_scorecard_section
        from careloop.recovery.receivers import connect_receivers
        from careloop.recovery.scorecard_section import section

        # Urgent comments open a case the moment comment analysis flags them (issue 7, item 2).
        connect_receivers()
        # The owner's scorecard shows their cases beside their standards (issue 7, item 4).
        register_scorecard_section(section)
