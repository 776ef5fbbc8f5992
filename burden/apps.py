from django.apps import AppConfig


class BurdenConfig(AppConfig):
    name = "burden"
    verbose_name = "减负"
