"""The web pages, one module per page family; ``common`` holds their plumbing.

The mail templates' tags (measures/templatetags/cbm_mail.py) read level labels
as ``measures.pages.level_label``: re-exported here so they keep working."""

from .common import level_initials, level_label

__all__ = ["level_initials", "level_label"]
