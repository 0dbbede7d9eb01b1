from django.apps import AppConfig


class CoursesConfig(AppConfig):
    name = "courses"
    verbose_name = "Curriculum"

    def ready(self):
        from . import receivers  # noqa: F401 - connects the domain-signal receivers
