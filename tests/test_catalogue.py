"""Every message a person can see is in the French catalogue: a string marked
for translation in the code or a template but missing from
locale/fr/LC_MESSAGES/django.po fails here (the catalogue's own completeness
is tests/pages/test_french.py)."""

import io
from pathlib import Path

from babel.messages.extract import extract_python
from babel.messages.pofile import read_po
from django.conf import settings
from django.utils.translation.template import templatize

ROOT = Path(settings.BASE_DIR)
CODE = ("cbm_tracker", "countries", "digests", "measures", "webhooks")
KEYWORDS = {
    "_": None,
    "gettext": None,
    "gettext_lazy": None,
    "ngettext": (1, 2),
    "ngettext_lazy": (1, 2),
    "pgettext": ((1, "c"), 2),
    "pgettext_lazy": ((1, "c"), 2),
    "npgettext": ((1, "c"), 2, 3),
}


def messages(source):
    """(context, message id) of each string marked in Python source."""
    for _line, function, message, _comments in extract_python(
        io.BytesIO(source.encode()), KEYWORDS.keys(), [], {}
    ):
        if function.startswith(("pgettext", "npgettext")):
            yield message[0], message[1]
        elif isinstance(message, tuple):  # ngettext: the singular is the id
            yield None, message[0]
        elif message:
            yield None, message


def marked_in_code():
    for package in CODE:
        for path in (ROOT / package).rglob("*"):
            if "migrations" in path.parts:
                continue
            if path.suffix == ".py":
                yield from ((m, path) for m in messages(path.read_text()))
            elif path.suffix in {".html", ".txt"} and "templates" in path.parts:
                yield from (
                    (m, path) for m in messages(templatize(path.read_text(), origin=str(path)))
                )


def test_every_message_marked_in_the_code_is_in_the_catalogue():
    po = ROOT / "locale" / "fr" / "LC_MESSAGES" / "django.po"
    with po.open("rb") as handle:
        known = {
            (m.context, m.id if isinstance(m.id, str) else m.id[0])
            for m in read_po(handle, locale="fr")
            if m.id
        }
    missing = sorted(
        {f"{path.relative_to(ROOT)}: {key!r}" for key, path in marked_in_code() if key not in known}
    )
    assert missing == []


def test_the_catalogue_defines_each_message_once():
    """Engineers append to the catalogue in parallel (.gitattributes merges it
    by union): a message defined twice makes GNU msgfmt refuse the file."""
    po = ROOT / "locale" / "fr" / "LC_MESSAGES" / "django.po"
    seen, twice = set(), []
    context = None
    for line in po.read_text().splitlines():
        if line.startswith("msgctxt "):
            context = line
        elif line.startswith("msgid ") and line != 'msgid ""':
            key = (context, line)
            if key in seen:
                twice.append(key)
            seen.add(key)
            context = None
    assert twice == []
