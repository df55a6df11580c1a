from django.apps import AppConfig


class JobsConfig(AppConfig):
    """Background jobs: a record of every long task (who, what, state, progress, result)."""

    name = "jobs"
    verbose_name = "Background jobs"
