"""The admin, tuned for the staff who update statuses every week.

Reads: every queryset of a marked model (Source, Evidence, Assessment,
ChangeRecord, and the optionally marked Initiative, Membership and
CarriedMeasure) goes through ``visible_to(request.user)``, so a hidden row is
a 404 here as everywhere; inlines, choices, filters and counts are filtered
the same way. The cell list shows each cell's level *for the viewer*
(``Status.objects.with_level``).

Writes: only through measures/services.py. A model form here validates input;
``save_model``/``save_formset``/``delete_model`` call a service. When the
service refuses (ValidationError, PermissionDenied, StaleVersion), the
exception leaves the admin view's transaction, so nothing the request did is
kept; the view then validates the same POST again with the refusal attached
and the page comes back with the user's input and the service's message
(``ServiceAdmin.changeform_view``). ``services.NotVisible`` becomes a 404.

Versioned rows carry the version the user read in a hidden
``expected_version`` field; the services compare-and-swap on it.
"""

from . import audit, catalogue, cells, evidence  # noqa: F401  (registers)
