from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "lms.accounts"
    label = "accounts"
    verbose_name = "People and organisations"

    def ready(self) -> None:
        from . import security_log

        security_log.connect()
