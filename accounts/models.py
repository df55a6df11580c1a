"""Who a sign-on provider's subject is on the platform."""

from django.conf import settings
from django.db import models

from core.models import TimeStampedModel


class ExternalIdentity(TimeStampedModel):
    """A user's identity at an OpenID Connect provider: the issuer and its ``sub`` claim.

    Users are matched on this pair only, never on an e-mail address, which a provider may let
    its users change: matching on it would hand one person's account to another.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="external_identities"
    )
    issuer = models.URLField(max_length=255)
    subject = models.CharField(max_length=255)
    last_sign_in_at = models.DateTimeField()

    class Meta:
        verbose_name_plural = "external identities"
        constraints = [
            models.UniqueConstraint(
                fields=["issuer", "subject"], name="accounts_identity_issuer_subject_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.subject} @ {self.issuer}"
