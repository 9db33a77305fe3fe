"""Reference data in the admin: admins only, written through save/delete_reference."""

import datetime
import decimal

import pytest
from django.contrib.messages import get_messages
from django.core.exceptions import ValidationError
from django.urls import reverse

from countries.models import Country, CountryPair, Initiative, Membership, Region
from measures import services
from measures.audit.revisions import latest_revision
from measures.models import ChangeRecord, Source
from tests.factories import make_user

pytestmark = pytest.mark.django_db


def url(model, view, *args):
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


def form_data(response):
    """The POST a browser would send back for a change page, unchanged."""
    data = {}

    def add(form):
        for name in form.fields:
            if form.fields[name].disabled:
                continue
            value = form[name].value()
            key = form.add_prefix(name)
            if value is None:
                data[key] = ""
            elif isinstance(value, bool):
                if value:
                    data[key] = "on"
            elif isinstance(value, list | tuple):
                data[key] = [str(v) for v in value]
            elif isinstance(value, datetime.date | decimal.Decimal | int):
                data[key] = str(value)
            else:
                data[key] = value

    add(response.context["adminform"].form)
    for inline in response.context["inline_admin_formsets"]:
        add(inline.formset.management_form)
        for form in inline.formset.forms:
            add(form)
    return data


def errors(response):
    form = response.context["adminform"].form
    return " ".join(str(m) for messages in form.errors.values() for m in messages)


def test_an_admin_edits_a_country_through_save_reference(client, users):
    client.force_login(users.admin)
    page = client.get(url(Country, "change", "TN"))
    data = form_data(page)
    assert data["expected_version"] == "1"
    start = latest_revision()

    response = client.post(url(Country, "change", "TN"), {**data, "name_ar": "الجمهورية التونسية"})

    assert response.status_code == 302, errors(response)
    tunisia = Country.objects.get(pk="TN")
    assert (tunisia.name_ar, tunisia.version) == ("الجمهورية التونسية", 2)
    record = ChangeRecord.objects.get(revision=start + 1)
    assert (record.action, record.object_id, record.actor) == ("update", "TN", users.admin)
    assert record.after["name_ar"] == "الجمهورية التونسية"


def test_a_stale_country_form_is_refused_and_writes_nothing(client, users):
    client.force_login(users.admin)
    data = form_data(client.get(url(Country, "change", "TN")))
    tunisia = Country.objects.get(pk="TN")
    tunisia.name_fr = "Tunisie (changed meanwhile)"
    services.save_reference(users.admin, tunisia, expected_version=1)
    start = latest_revision()

    response = client.post(url(Country, "change", "TN"), {**data, "name_en": "Mine"})

    assert response.status_code == 200
    assert "Someone changed this since you opened it" in errors(response)
    assert latest_revision() == start
    assert Country.objects.get(pk="TN").name_en == "Tunisia"


@pytest.mark.parametrize("role", ["editor", "analyst"])
def test_only_admins_change_reference_data(client, users, role):
    client.force_login(users.editor if role == "editor" else users.analyst)
    start = latest_revision()
    page = client.get(url(Country, "change", "TN"))
    assert page.status_code == 200
    assert 'name="_save"' not in page.content.decode()
    assert client.get(url(Country, "add")).status_code == 403
    response = client.post(url(Country, "change", "TN"), {"name_en": "X", "expected_version": 1})
    assert response.status_code == 403
    assert client.post(url(Country, "delete", "TN"), {"post": "yes"}).status_code == 403
    assert latest_revision() == start


def test_a_membership_is_added_from_the_initiative_page_through_the_services(client, users):
    cemoc = Initiative.objects.get(slug="cemoc")
    client.force_login(users.admin)
    data = form_data(client.get(url(Initiative, "change", cemoc.pk)))
    n = int(data["memberships-TOTAL_FORMS"])
    data.update(
        {
            "memberships-TOTAL_FORMS": str(n + 1),
            f"memberships-{n}-country": "TD",
            f"memberships-{n}-role": "observer",
            f"memberships-{n}-start": "2012-07-01",
            f"memberships-{n}-start_precision": "month",
            f"memberships-{n}-note": "Second ring.",
        }
    )
    start = latest_revision()

    response = client.post(url(Initiative, "change", cemoc.pk), data)

    assert response.status_code == 302, errors(response)
    added = Membership.objects.get(initiative=cemoc, country="TD", role="observer")
    assert added.note == "Second ring."
    assert ChangeRecord.objects.filter(
        revision__gt=start, content_type__model="membership", object_id=str(added.pk)
    ).exists()
    cemoc.refresh_from_db()
    assert cemoc.version == 1  # the initiative itself was not changed, so not written


def test_a_stale_membership_row_refuses_the_whole_initiative_form(client, users):
    cemoc = Initiative.objects.get(slug="cemoc")
    client.force_login(users.admin)
    data = form_data(client.get(url(Initiative, "change", cemoc.pk)))
    member = Membership.objects.get(pk=data["memberships-0-id"])
    member.note = "Changed meanwhile."
    services.save_reference(users.admin, member, expected_version=member.version)
    start = latest_revision()

    data["memberships-0-note"] = "Mine."
    data["seat"] = "Tamanrasset (Algeria)"
    response = client.post(url(Initiative, "change", cemoc.pk), data)

    assert response.status_code == 200
    assert "Someone changed this since you opened it" in errors(response)
    assert latest_revision() == start
    cemoc.refresh_from_db()
    assert cemoc.seat != "Tamanrasset (Algeria)"


def test_a_pair_is_deleted_through_delete_reference_at_the_version_read(client, users):
    pair = services.save_reference(users.admin, CountryPair(country_id="GH", partner_id="TN"))
    client.force_login(users.admin)
    page = client.get(url(CountryPair, "delete", pair.pk))
    assert 'name="expected_version" value="1"' in page.content.decode()
    start = latest_revision()

    response = client.post(
        url(CountryPair, "delete", pair.pk), {"post": "yes", "expected_version": 0}
    )
    assert response.status_code == 302
    assert "Someone changed this" in " ".join(str(m) for m in get_messages(response.wsgi_request))
    assert CountryPair.objects.filter(pk=pair.pk).exists()
    assert latest_revision() == start

    response = client.post(
        url(CountryPair, "delete", pair.pk), {"post": "yes", "expected_version": 1}
    )
    assert response.status_code == 302
    assert not CountryPair.objects.filter(pk=pair.pk).exists()
    assert ChangeRecord.objects.filter(
        revision=start + 1, action="delete", object_id=str(pair.pk)
    ).exists()


def test_the_bulk_delete_action_goes_through_the_services_all_or_nothing(client, users):
    pairs = [
        services.save_reference(users.admin, CountryPair(country_id="GH", partner_id=p))
        for p in ("TN", "US")
    ]
    client.force_login(users.admin)
    start = latest_revision()
    response = client.post(
        url(CountryPair, "changelist"),
        {"action": "delete_selected", "_selected_action": [p.pk for p in pairs], "post": "yes"},
    )
    assert response.status_code == 302
    assert not CountryPair.objects.filter(pk__in=[p.pk for p in pairs]).exists()
    assert ChangeRecord.objects.filter(revision__gt=start, action="delete").count() == 2


def test_a_pair_in_the_wrong_order_is_refused_with_a_message(client, users):
    client.force_login(users.admin)
    start = latest_revision()
    response = client.post(
        url(CountryPair, "add"), {"country": "TN", "partner": "GH", "note": "", "cite_locator": ""}
    )
    assert response.status_code == 200
    assert errors(response)
    assert latest_revision() == start


def test_regions_and_a_countrys_regions_are_edited_through_the_audited_service(client, users):
    client.force_login(users.admin)
    response = client.post(
        url(Region, "add"), {"code": "horn", "name_en": "Horn of Africa", "name_fr": "Corne"}
    )
    assert response.status_code == 302, errors(response)
    assert ChangeRecord.objects.filter(content_type__model="region", object_id="horn").exists()
    region = Region.objects.get(code="horn")
    response = client.post(
        url(Region, "change", "horn"),
        {
            "code": "horn",
            "name_en": "Horn of Africa",
            "name_fr": "Corne de l'Afrique",
            "expected_version": region.version,
        },
    )
    assert response.status_code == 302, errors(response)
    assert Region.objects.get(code="horn").version == 2
    response = client.post(url(Region, "delete", "horn"), {"post": "yes", "expected_version": 2})
    assert response.status_code == 302
    assert not Region.objects.filter(code="horn").exists()
    assert ChangeRecord.objects.filter(
        content_type__model="region", object_id="horn", action="delete"
    ).exists()


def test_marked_reference_data_is_hidden_from_viewers_not_cleared(client, users):
    """Initiatives and memberships known only from the NATO cable (seed 001)."""
    pap_t = Initiative.objects.get(slug="pap-t")
    assert pap_t.marking.key == "confidential:MA,nato"
    hidden = Membership.objects.filter(cite_source__key="001", marking__isnull=False).first()
    client.force_login(users.french_analyst)  # confidential, not releasable to France
    assert client.get(url(Initiative, "change", pap_t.pk)).status_code == 404
    assert client.get(url(Membership, "change", hidden.pk)).status_code == 404
    listing = client.get(url(Initiative, "changelist")).content.decode()
    assert "PAP-T" not in listing and "Partnership Action Plan" not in listing
    # Nor in filters, choices or inlines of other pages.
    assert "PAP-T" not in client.get(url(Country, "changelist")).content.decode()
    page = client.get(url(Initiative, "change", hidden.initiative_id))
    if page.status_code == 200:
        rows = [f.instance for f in page.context["inline_admin_formsets"][0].formset.forms]
        assert hidden not in rows

    client.force_login(users.admin)  # NATO and Morocco
    page = client.get(url(Initiative, "change", pap_t.pk))
    assert page.status_code == 200
    assert "CONFIDENTIAL" in page.content.decode()
    assert "PAP-T" in client.get(url(Country, "changelist")).content.decode()


def test_an_unmarked_row_may_not_cite_a_marked_source(users):
    cable = Source.objects.get(key="001")
    with pytest.raises(ValidationError, match="at least as high"):
        services.save_reference(
            users.admin,
            Membership(
                initiative=Initiative.objects.get(slug="amu"),
                country_id="TN",
                role="observer",
                note="Test row.",
                cite_source=cable,
            ),
        )
    assert not Membership.objects.filter(note="Test row.").exists()


def test_a_row_marked_like_its_confidential_source_is_hidden_from_the_uncleared(client, users):
    cable = Source.objects.get(key="001")
    row = services.save_reference(
        users.admin,
        Membership(
            initiative=Initiative.objects.get(slug="amu"),
            country_id="EG",  # not a member: a dated row that overlaps none
            role="observer",
            start=datetime.date(2012, 2, 7),
            note="Test row.",
            cite_source=cable,
            cite_locator="PPC-DS secret paragraph",
            marking=cable.marking,
        ),
    )
    client.force_login(users.french_analyst)
    assert client.get(url(Membership, "change", row.pk)).status_code == 404
    listing = client.get(url(Membership, "changelist"), {"q": "Test row"}).content.decode()
    assert "Test row." not in listing and "PPC-DS" not in listing
    client.force_login(users.moroccan_analyst)
    assert "PPC-DS" in client.get(url(Membership, "change", row.pk)).content.decode()


def test_a_membership_is_deleted_from_the_initiative_page_through_delete_reference(client, users):
    amu = Initiative.objects.get(slug="amu")
    client.force_login(users.admin)
    data = form_data(client.get(url(Initiative, "change", amu.pk)))
    gone = Membership.objects.get(pk=data["memberships-0-id"])
    data["memberships-0-DELETE"] = "on"
    start = latest_revision()

    response = client.post(url(Initiative, "change", amu.pk), data)

    assert response.status_code == 302, errors(response)
    assert not Membership.objects.filter(pk=gone.pk).exists()
    assert ChangeRecord.objects.filter(
        revision=start + 1, action="delete", content_type__model="membership"
    ).exists()


def test_an_admin_cannot_delete_what_cascades_into_rows_hidden_from_them(client, users):
    agreements = Initiative.objects.get(slug="nato-security-agreements")
    marked = Membership.objects.filter(initiative=agreements, marking__isnull=False)
    assert marked.exists()
    limited = make_user("admin_fr", role="admin", clearance="restricted", affiliations=["FR"])
    client.force_login(limited)
    listing = client.get(url(Initiative, "changelist"), {"q": "nato-security"})
    [row] = listing.context["cl"].result_list
    assert (
        row.n_members
        == Membership.objects.visible_to(limited)
        .filter(initiative=agreements)
        .values("country")
        .distinct()
        .count()
    )
    page = client.get(url(Initiative, "delete", agreements.pk)).content.decode()
    assert "not cleared to see" in page
    assert "MA in" not in page
    start = latest_revision()
    response = client.post(
        url(Initiative, "delete", agreements.pk), {"post": "yes", "expected_version": 1}
    )
    assert response.status_code == 403
    assert latest_revision() == start and Initiative.objects.filter(pk=agreements.pk).exists()
