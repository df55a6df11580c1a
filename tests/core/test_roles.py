from django.contrib.auth.models import AnonymousUser, Group

from core.roles import Role, user_has_role, user_roles
from tests.factories import UserFactory


def test_migration_creates_one_group_per_role(db):
    # pytest-django runs these rollback tests before any test that flushes the database, so
    # the groups seen here are the migration's own.
    names = set(Group.objects.values_list("name", flat=True))
    assert {role.value for role in Role} <= names


def test_user_holds_the_roles_of_their_groups(db):
    planner = UserFactory(role=Role.PLANNER)
    assert user_roles(planner) == {Role.PLANNER}
    assert user_has_role(planner, Role.PLANNER, Role.COURIER)
    assert not user_has_role(planner, Role.ADMINISTRATOR)
    assert planner.is_staff


def test_courier_is_not_staff(db):
    assert UserFactory(role=Role.COURIER).is_staff is False


def test_superuser_holds_every_role_and_the_public_none(db):
    admin = UserFactory(role=Role.ADMINISTRATOR)
    assert user_roles(admin) == set(Role)
    assert user_roles(AnonymousUser()) == frozenset()


def test_inactive_user_holds_no_role(db):
    user = UserFactory(role=Role.DISPATCHER, is_active=False)
    assert user_roles(user) == frozenset()
