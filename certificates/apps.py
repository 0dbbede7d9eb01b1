from django.apps import AppConfig


class CertificatesConfig(AppConfig):
    name = "certificates"
    verbose_name = "Credentials and career pathways"

    def ready(self):
        from courses.field import qualification as field_qualification
        from lms.accounts import qualification as role_qualification

        from . import receivers  # noqa: F401 - connects the domain-signal receivers
        from .selectors import qualification_gaps
        from .services.qualification import fto_qualification

        field_qualification.register(fto_qualification)
        role_qualification.register(qualification_gaps)
