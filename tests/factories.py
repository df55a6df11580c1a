"""Factories for test records. Geometry-bearing factories will join them as the apps grow."""

import factory
from django.contrib.auth import get_user_model

from core.roles import STAFF_ROLES, Role, role_group

PASSWORD = "correct horse battery staple"


class UserFactory(factory.django.DjangoModelFactory):
    """A user; ``UserFactory(role=Role.PLANNER)`` puts them in that role's group."""

    class Meta:
        model = get_user_model()
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    password = factory.django.Password(PASSWORD)

    @factory.post_generation
    def role(self, create, extracted: Role | None, **kwargs) -> None:
        if not (create and extracted):
            return
        self.is_staff = extracted in STAFF_ROLES
        self.is_superuser = extracted is Role.ADMINISTRATOR
        self.save(update_fields=["is_staff", "is_superuser"])
        self.groups.add(role_group(extracted))
