"""The five roles as Django groups, with the model permissions the admin needs.

Permissions only open admin pages; what a user may see and write is decided
by measures/access/ and the services, whatever the group grants.
"""

from django.contrib.auth.models import Group, Permission

from .choices import Role

APPS = ("countries", "digests", "measures")
EDITOR_MODELS = ("assessment", "evidence", "source", "cell")


def _perms(actions, models=None):
    qs = Permission.objects.filter(content_type__app_label__in=APPS)
    qs = qs.filter(codename__regex=rf"^({'|'.join(actions)})_")
    if models is not None:
        qs = qs.filter(content_type__model__in=models)
    return list(qs)


def ensure_roles(**kwargs):
    """Create or refresh the role groups (run after every migrate)."""
    grants = {
        Role.READER: _perms(["view"]),
        Role.ANALYST: _perms(["view"]),
        Role.EDITOR: _perms(["view"]) + _perms(["add", "change"], EDITOR_MODELS),
        Role.ADMIN: _perms(["view", "add", "change", "delete"]),
        # Replies are written on the pages and the API, not in the admin.
        Role.RESPONDENT: [],
    }
    for role, permissions in grants.items():
        group, _ = Group.objects.get_or_create(name=role)
        group.permissions.set(permissions)
