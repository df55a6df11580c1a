from django.apps import AppConfig


class AccountsConfig(AppConfig):
    """Single sign-on through OpenID Connect (the national sign-on service), beside the local
    accounts small municipalities keep: who a provider's subject is here, and which of the
    platform's roles its claims grant."""

    name = "accounts"
    verbose_name = "Accounts and single sign-on"
