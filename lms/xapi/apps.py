from django.apps import AppConfig


class XapiConfig(AppConfig):
    name = "lms.xapi"
    label = "xapi"
    verbose_name = "xAPI learning records"
