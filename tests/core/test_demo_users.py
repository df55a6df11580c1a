from io import StringIO

from django.contrib.auth import authenticate
from django.core.management import call_command

from core.roles import Role, user_roles
from core.services import demo_users_ensure


def test_one_demo_account_per_role_with_a_random_password_that_works(db):
    accounts = demo_users_ensure()
    assert {a.role for a in accounts} == set(Role)
    passwords = [a.password for a in accounts]
    assert all(p and len(p) >= 12 for p in passwords)
    assert len(set(passwords)) == len(passwords)
    for account in accounts:
        user = authenticate(username=account.username, password=account.password)
        assert user is not None
        assert account.role in user_roles(user)
        assert user.get_full_name().endswith("(demo)")


def test_second_call_keeps_existing_passwords_and_shows_none(db):
    first = {a.username: a.password for a in demo_users_ensure()}
    second = demo_users_ensure()
    assert all(a.password is None for a in second)
    for username, password in first.items():
        assert authenticate(username=username, password=password) is not None


def test_reset_issues_new_passwords_and_old_ones_stop_working(db):
    first = {a.username: a.password for a in demo_users_ensure()}
    reset = {a.username: a.password for a in demo_users_ensure(reset_passwords=True)}
    for username, password in reset.items():
        assert password != first[username]
        assert authenticate(username=username, password=first[username]) is None
        assert authenticate(username=username, password=password) is not None


def test_command_prints_passwords_only_once(db):
    out = StringIO()
    call_command("demo_users", stdout=out)
    assert "demo-planner" in out.getvalue()
    assert "passwords shown this once" in out.getvalue()
    out = StringIO()
    call_command("demo_users", stdout=out)
    assert "passwords shown this once" not in out.getvalue()
    assert "kept with their passwords" in out.getvalue()
