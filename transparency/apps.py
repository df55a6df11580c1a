from django.apps import AppConfig


class TransparencyConfig(AppConfig):
    """What the platform promises the public, made visible and enforced: the transparency page
    (every public collection's source, licence, last change, downloads, and the delivery and
    service-request figures) and the privacy page with the retention of personal data, which a
    scheduled job applies (``transparency.services.personal_data_retention_apply``).

    At the top of the apps: it reads the collection registry, delivery and servicerequests;
    no other app imports it."""

    name = "transparency"
    verbose_name = "Transparency and privacy"
