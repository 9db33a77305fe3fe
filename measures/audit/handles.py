"""The names rows go by outside the tracker: nothing a viewer is shown counts
rows they may not see.

Sequential primary keys would: a reader who sees evidence 57 but not 56 or
58 learns that two hidden rows exist. So every row shown to a viewer is
named by a *handle*:

- marked rows that clients address (evidence, assessments, audit records):
  their random ``public_id``;
- a marked row the viewer may not see: no handle at all (None), exactly as
  for a deleted one;
- reference rows with a natural key: that key (a source's key, an
  initiative's slug, a measure's number, a user's name, a marking's key);
  countries are keyed by ISO code and cells by their id already (cells are
  reference data: one per country or pair and measure, none ever hidden);
- anything else (memberships, pairs, profiles...): a keyed hash of the
  model and primary key, stable and opaque.

Audit snapshots are translated the same way before anyone sees them
(``public_snapshot``): internal ids, revision numbers and versions of
shared counters never leave the server.
"""

from collections import defaultdict

from django.apps import apps
from django.utils.crypto import salted_hmac

PUBLIC_ID_MODELS = {("measures", "evidence"), ("measures", "assessment"), ("measures", "reply")}
NATURAL_KEYS = {
    ("measures", "source"): "key",
    ("measures", "measure"): "number",
    ("measures", "marking"): "key",
    ("countries", "initiative"): "slug",
    ("auth", "user"): "username",
}
# Keys as they are: a country's ISO code, a cell's id.
OWN_KEYS = {("countries", "country"), ("measures", "cell")}
# Never shown: internal counters and the row's own internal id.
HIDDEN_FIELDS = {"id", "revision"}
# Snapshot keys written before a field was renamed (issue 12: an assessment's
# ``status`` is its ``cell``): old records keep their JSON and its key, and
# their ids still resolve to handles.
FORMER_NAMES = {("measures", "assessment"): {"status_id": "cell_id", "status": "cell"}}


def _label(model):
    return (model._meta.app_label, model._meta.model_name)


def opaque(model, pk):
    """A stable, non-counting handle for a row with no natural key."""
    digest = salted_hmac("cbm-handle", f"{model._meta.label_lower}:{pk}").hexdigest()
    return digest[:20]


def resolve(wanted, user):
    """``{(model, pk): handle}`` for every (model, pk) pair in ``wanted``, with
    one query per model that needs one. A marked row ``user`` may not see
    (or one since deleted) has no handle: None, the same for both."""
    by_model = defaultdict(set)
    for model, pk in wanted:
        by_model[model].add(pk)
    handles = {}
    for model, pks in by_model.items():
        label = _label(model)
        if label in OWN_KEYS:
            handles.update({(model, pk): pk for pk in pks})
        elif label in PUBLIC_ID_MODELS or label in NATURAL_KEYS:
            field = "public_id" if label in PUBLIC_ID_MODELS else NATURAL_KEYS[label]
            rows = model._base_manager.all()
            if hasattr(model.objects, "visible_to"):
                rows = model.objects.visible_to(user)
            found = dict(
                rows.filter(pk__in=[_as_pk(model, pk) for pk in pks]).values_list("pk", field)
            )
            for pk in pks:
                value = found.get(_as_pk(model, pk))
                handles[(model, pk)] = str(value) if value is not None else None
        else:
            handles.update({(model, pk): opaque(model, pk) for pk in pks})
    return handles


def _as_pk(model, value):
    try:
        return model._meta.pk.to_python(value)
    except Exception:  # a malformed id in an old snapshot: matches nothing
        return None


def model_for(content_type):
    return apps.get_model(content_type.app_label, content_type.model)


def snapshot_refs(model, data):
    """The (model, pk) pairs a snapshot of ``model`` refers to."""
    refs = []
    for name, value in (data or {}).items():
        field = _relation(model, name)
        if field is None or value is None:
            continue
        values = value if isinstance(value, list) else [value]
        refs += [(field.related_model, v) for v in values]
    return refs


def public_snapshot(model, data, handles):
    """``data`` with internal ids replaced by handles and counters dropped."""
    if data is None:
        return None
    shown = {}
    for name, value in data.items():
        if name in HIDDEN_FIELDS:
            continue
        field = _relation(model, name)
        if field is None:
            shown[name] = value
            continue
        # A relation goes by its public name, set or not (partner, never partner_id).
        public_name = name.removesuffix("_id") if name.endswith("_id") else name
        if value is None:
            shown[public_name] = None
        elif isinstance(value, list):
            shown[public_name] = sorted(
                str(h) for v in value if (h := handles[(field.related_model, v)]) is not None
            )
        else:
            shown[public_name] = handles[(field.related_model, value)]
    return shown


def _relation(model, name):
    """The relation field a snapshot key names (``source_id``, ``cells``), if any."""
    name = FORMER_NAMES.get(_label(model), {}).get(name, name)
    for field in model._meta.get_fields():
        if not field.is_relation or field.related_model is None or field.auto_created:
            continue
        if getattr(field, "attname", None) == name or field.name == name:
            if field.related_model._meta.label_lower == "measures.marking":
                return None  # snapshots already hold the marking's key
            return field
    return None
