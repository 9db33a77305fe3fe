"""The admin, tuned for the staff who update cells every week.

Reads: every queryset of a marked model (Source, Evidence, Assessment,
ChangeRecord, and the optionally marked Initiative, Membership and
CarriedMeasure) goes through ``visible_to(request.user)``, so a hidden row is
a 404 here as everywhere; inlines, choices, filters and counts are filtered
the same way. The cell list shows each cell's level *for the viewer*
(``Cell.objects.with_level``).

Writes: only through measures/services.py, once per request, while the form
is validated. A change form checks its input and, as the last step of its
validation, hands the cleaned data (and its inline rows) to the model admin's
write step (``ServiceAdmin.write_checked``), which calls the services in one
savepoint. A refusal (ValidationError, PermissionDenied, StaleVersion) undoes
the savepoint and becomes an error of the form, so Django shows the page again
with the user's input and the service's message; ``save_model`` and
``save_related`` have nothing left to do. ``services.NotVisible`` becomes a
404. A refused deletion rolls the view back and says why in a message.

Versioned rows carry the version the user read in a hidden
``expected_version`` field; the services compare-and-swap on it.
"""

from . import audit, catalogue, cells, disclosures, evidence, tokens  # noqa: F401  (registers)
