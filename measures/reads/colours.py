"""The level colours: the one place they are defined.

The style sheet's ``--lv-*`` variables (measures/static/measures/cbm.css) and
the digest mail's inline chips (digests/templatetags/cbm_mail.py) carry these
values; tests/pages/test_level_colours.py holds the style sheet to them and
checks that every pair of levels stays apart under simulated protanopia,
deuteranopia and tritanopia (Machado et al. 2009) as well as normal vision.

A blue ramp for the levels that count up (implemented dark, partial mid,
agreed pale), yellow then orange below it: blue against yellow-orange is the
contrast that red-green deficiencies keep, and each step differs in
lightness too, so the order reads even in greys. The old green ramp put
"agreed" and "under discussion" on the same yellow for a deuteranope.
"""

from typing import NamedTuple

from measures.choices import NO_EVIDENCE, Level
from measures.reads.scorecards import MIXED

INK = "#1a1a1a"
WHITE = "#ffffff"


class LevelColour(NamedTuple):
    # The cell's colour; for the two hatched levels, the hatch's colour on white.
    fill: str
    # The initials' colour on ``fill`` (pages put a hatched level's initials
    # on a white patch instead; the mail fills suspended solid).
    text: str
    hatched: bool = False


LEVEL_COLOURS = {
    Level.IMPLEMENTED: LevelColour("#1d4f91", WHITE),
    Level.PARTIAL: LevelColour("#5b8dc5", INK),
    Level.AGREED: LevelColour("#cfe4f7", INK),
    Level.UNDER_DISCUSSION: LevelColour("#fff27d", INK),
    Level.NOT_STARTED: LevelColour("#f59571", INK),
    Level.NOT_APPLICABLE: LevelColour("#a8a8a8", INK),
    MIXED: LevelColour("#dbafff", INK),
    Level.SUSPENDED: LevelColour("#b3261e", WHITE, hatched=True),
    NO_EVIDENCE: LevelColour("#6e6e6e", WHITE, hatched=True),
}
