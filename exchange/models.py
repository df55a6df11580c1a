"""Member organisations that call the exchange services, their tokens, and the log of every
call. Only a token's SHA-256 is stored: the secret is shown once, when it is issued."""

from __future__ import annotations

from django.contrib.postgres.fields import ArrayField
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q


class Service(models.TextChoices):
    """The services a client may be allowed, named as the security server publishes them."""

    ADDRESS_VALIDATION = "address-validation", "Address validation"
    POSTCODE_LOOKUP = "postcode-lookup", "Postcode lookup"
    PARCEL_LOOKUP = "parcel-lookup", "Parcel lookup"


# X-Road's client identifier: instance / member class / member code / subsystem code.
IDENTIFIER_PATTERN = r"^[A-Z]{2,8}/[A-Z]{2,8}/[A-Za-z0-9-]{1,40}/[A-Za-z0-9_-]{1,60}$"
DEFAULT_RATE_LIMIT_PER_MINUTE = 600


class ExchangeClient(models.Model):
    """A member organisation's subsystem (``PS/GOV/<member code>/<subsystem>``), the services it
    may call and how many calls a minute it may make."""

    identifier = models.CharField(
        max_length=120,
        unique=True,
        validators=[RegexValidator(IDENTIFIER_PATTERN)],
        help_text="X-Road client identifier: instance/member class/member code/subsystem",
    )
    name = models.CharField(max_length=200)
    active = models.BooleanField(default=True)
    rate_limit_per_minute = models.PositiveIntegerField(default=DEFAULT_RATE_LIMIT_PER_MINUTE)
    allowed_services = ArrayField(
        models.CharField(max_length=40, choices=Service.choices), default=list, blank=True
    )
    certificate_sha256 = models.CharField(
        max_length=64,
        blank=True,
        help_text="SHA-256 fingerprint (hex) of the client certificate the security server "
        "presents, when the client authenticates by certificate instead of a token",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["identifier"]
        constraints = [
            models.UniqueConstraint(
                fields=["certificate_sha256"],
                condition=~Q(certificate_sha256=""),
                name="exchange_client_certificate_unique",
            ),
            models.CheckConstraint(
                condition=Q(identifier__regex=IDENTIFIER_PATTERN),
                name="exchange_client_identifier_shape",
            ),
        ]

    def __str__(self) -> str:
        return self.identifier


class ExchangeToken(models.Model):
    """A bearer token of a client: the SHA-256 of the secret (hex), its expiry and revocation.
    ``prefix`` (the secret's first characters) lets an operator tell tokens apart."""

    client = models.ForeignKey(ExchangeClient, on_delete=models.PROTECT, related_name="tokens")
    secret_sha256 = models.CharField(max_length=64, unique=True)
    prefix = models.CharField(max_length=12)
    label = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.client} {self.prefix}…"


class ExchangeRequestLog(models.Model):
    """One row per call, refusals included: who, which service and version, the answer's status
    and error code, how long it took, the X-Road message id, and the request's parameters
    without personal data. Never the token."""

    at = models.DateTimeField(auto_now_add=True, db_index=True)
    client = models.ForeignKey(
        ExchangeClient, null=True, blank=True, on_delete=models.PROTECT, related_name="calls"
    )
    token = models.ForeignKey(
        ExchangeToken, null=True, blank=True, on_delete=models.PROTECT, related_name="calls"
    )
    service = models.CharField(max_length=40)
    version = models.CharField(max_length=10)
    method = models.CharField(max_length=10)
    status_code = models.PositiveSmallIntegerField()
    error_code = models.CharField(max_length=60, blank=True)
    duration_ms = models.FloatField()
    message_id = models.CharField(max_length=128, blank=True, help_text="X-Road-Id")
    request_id = models.CharField(max_length=128, blank=True, help_text="X-Request-Id")
    client_address = models.CharField(max_length=64, blank=True)
    parameters = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-at"]
        indexes = [models.Index(fields=["client", "at"], name="exchange_log_client_at")]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M:%S} {self.service} {self.status_code}"
