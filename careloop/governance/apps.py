from django.apps import AppConfig


class GovernanceConfig(AppConfig):
    name = "careloop.governance"
    label = "governance"
    verbose_name = "Governance: reviews, strategy, recognition"
