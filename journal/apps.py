from django.apps import AppConfig


class JournalConfig(AppConfig):
    name = "journal"
    verbose_name = "公正记录"

    def ready(self):
        from journal.actions import autodiscover

        autodiscover()
