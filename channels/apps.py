from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


def _ensure_schedules(sender, **kwargs) -> None:
    from .services.schedules import schedules_ensure_defaults

    schedules_ensure_defaults()


class ChannelsConfig(AppConfig):
    name = "channels"
    verbose_name = _("Marketplace channels")

    def ready(self) -> None:
        from . import checks  # noqa: F401  (registers the system checks)

        # The default beat schedules exist after every migrate (and every test flush).
        post_migrate.connect(_ensure_schedules, sender=self)
        # Registers the Celery tasks in every process, so that a service queues one by its
        # name without importing channels.tasks (which imports the services).
        from . import tasks  # noqa: F401
