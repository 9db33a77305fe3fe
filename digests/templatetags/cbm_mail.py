"""Template helpers of the e-mail digest: level chips with inline styles.

Mail clients drop style sheets and scripts, so every style is inline. Each
coloured element sets its text colour *and* its background (and a border),
so a client that darkens a mail recolours the pair together and never leaves
dark text on a darkened background; the initials and the level's name are
always written out, so nothing depends on colour.
"""

from django import template
from django.utils.html import format_html

from measures.choices import NO_EVIDENCE
from measures.reads import labels
from measures.reads.colours import INK, LEVEL_COLOURS, WHITE

register = template.Library()

# Mail clients draw no gradients: suspended, hatched on the pages, is filled
# solid; "not rated" stays white with a dashed outline in its hatch colour.
BORDER = "#6b6b6b"


def chip_colours(level):
    """(background, text, border) of a level's chip, from the one palette."""
    colour = LEVEL_COLOURS.get(level, LEVEL_COLOURS[NO_EVIDENCE])
    if level == NO_EVIDENCE or level not in LEVEL_COLOURS:
        return WHITE, INK, colour.fill
    return colour.fill, colour.text, colour.fill if colour.text == WHITE else BORDER


@register.filter
def mail_level(level):
    return labels.level_label(level)


@register.simple_tag
def mail_chip(level):
    """The level's initials on its colour, its name as the title."""
    background, colour, border = chip_colours(level)
    return format_html(
        '<span title="{}" style="padding:0 4px;border:1px {} {};border-radius:3px;'
        'background:{};color:{};font:bold 12px monospace">{}</span>',
        labels.level_label(level),
        "dashed" if level == NO_EVIDENCE else "solid",
        border,
        background,
        colour,
        labels.level_initials(level),
    )
