from django import template

from core.roles import user_sees_internal

register = template.Library()


@register.filter
def get_item(mapping, key):
    """``mapping[key]`` in a template (None when missing)."""
    return mapping.get(key) if hasattr(mapping, "get") else None


@register.filter
def is_staff_member(user) -> bool:
    """Whether ``user`` works with the internal tools (every role but courier)."""
    return user_sees_internal(user)
