"""Template helpers of the e-mail digest: level chips with inline styles.

Mail clients drop style sheets and scripts, so every style is inline. Each
coloured element sets its text colour *and* its background (and a border),
so a client that darkens a mail recolours the pair together and never leaves
dark text on a darkened background; the initials and the level's name are
always written out, so nothing depends on colour.
"""

from django import template
from django.utils.html import format_html
from django.utils.translation import gettext as _

from measures.choices import NO_EVIDENCE, Level
from measures.reads import labels

register = template.Library()

# (background, text, border) per level: the web pages' level colours
# (measures/static/measures/cbm.css); suspended and "not rated", hatched on
# the pages, get a solid red and a dashed outline (no gradients in mail).
CHIP_COLOURS = {
    Level.IMPLEMENTED: ("#1b6e3a", "#ffffff", "#1b6e3a"),
    Level.PARTIAL: ("#8fcf8f", "#1a1a1a", "#6b6b6b"),
    Level.AGREED: ("#d9ef8b", "#1a1a1a", "#6b6b6b"),
    Level.UNDER_DISCUSSION: ("#fee08b", "#1a1a1a", "#6b6b6b"),
    Level.NOT_STARTED: ("#f4a582", "#1a1a1a", "#6b6b6b"),
    Level.SUSPENDED: ("#b3261e", "#ffffff", "#b3261e"),
    Level.NOT_APPLICABLE: ("#e0e0e0", "#1a1a1a", "#6b6b6b"),
}
NOT_RATED = ("#ffffff", "#4a4a4a", "#6b6b6b")


def level_name(level):
    """A level's name; "not rated" for a cell that had no level before."""
    return _("not rated") if level == NO_EVIDENCE else labels.level_label(level)


@register.filter
def mail_level(level):
    return level_name(level)


@register.simple_tag
def mail_chip(level):
    """The level's initials on its colour, its name as the title."""
    background, colour, border = CHIP_COLOURS.get(level, NOT_RATED)
    return format_html(
        '<span title="{}" style="padding:0 4px;border:1px {} {};border-radius:3px;'
        'background:{};color:{};font:bold 12px monospace">{}</span>',
        level_name(level),
        "dashed" if level == NO_EVIDENCE else "solid",
        border,
        background,
        colour,
        labels.level_initials(level),
    )
