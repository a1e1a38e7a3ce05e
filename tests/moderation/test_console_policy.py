"""Policy tuning: drafts (validated, per-field errors), diff, publish, roll back; all audited."""

from __future__ import annotations

import json

import pytest

from moderation.forms import PolicyDraftForm
from moderation.models import AuditEvent, PolicyVersion
from moderation.policy import PolicySettings, PolicySettingsError
from moderation.services import policies

pytestmark = pytest.mark.django_db


def form_data(settings: PolicySettings, **changes) -> dict:
    data = settings.to_dict()
    data["crisis_resources"] = json.dumps(data["crisis_resources"])
    data.update(changes)
    data["confirm_user_end"] = "on" if data["confirm_user_end"] else ""
    data["honour_model_end"] = "on" if data["honour_model_end"] else ""
    return {key: value for key, value in data.items() if value != ""}


def test_a_new_draft_copies_the_active_version(active_policy, policy_admin):
    draft = policies.policy_draft_create(author=policy_admin)
    assert draft.number == 2 and draft.status == "draft"
    assert draft.settings == active_policy.settings
    assert AuditEvent.objects.get().action == "policy.draft_create"


def test_invalid_settings_change_nothing(active_policy, policy_admin):
    draft = policies.policy_draft_create(author=policy_admin)
    before = PolicyVersion.objects.get(pk=draft.pk).settings
    with pytest.raises(PolicySettingsError) as error:
        policies.policy_draft_update(
            number=draft.number, author=policy_admin, data={**before, "end_at": 1, "counted_categories": ["self_harm"]}
        )
    assert set(error.value.errors) == {"end_at", "counted_categories"}
    assert PolicyVersion.objects.get(pk=draft.pk).settings == before
    assert list(AuditEvent.objects.values_list("action", flat=True)) == ["policy.draft_create"]


def test_the_form_shows_per_field_errors_and_saves_nothing(client, active_policy, policy_admin):
    draft = policies.policy_draft_create(author=policy_admin)
    client.force_login(policy_admin)
    data = form_data(PolicySettings(), warn_at=5, end_at=4, crisis_resources='[{"name": ""}]')
    response = client.post(f"/moderation/policy/{draft.number}/edit/", data)
    assert response.status_code == 400
    page = response.content.decode()
    assert 'data-testid="error-end_at"' in page
    assert "Must be greater than “Strikes before the warning” (5)" in page and "warn_at (5)" not in page
    assert 'data-testid="error-crisis_resources"' in page and "needs a name" in page
    response = client.post(f"/moderation/policy/{draft.number}/edit/", {**data, "crisis_resources": "not json"})
    assert "is not valid JSON" in response.content.decode()
    assert PolicyVersion.objects.get(pk=draft.pk).settings == active_policy.settings


def test_saving_a_draft_through_the_form_stores_it_and_shows_the_diff(client, active_policy, policy_admin):
    draft = policies.policy_draft_create(author=policy_admin)
    client.force_login(policy_admin)
    data = form_data(PolicySettings(), warn_at=4, end_at=5, counted_categories=["cbrn", "abuse"], note="gentler")
    response = client.post(f"/moderation/policy/{draft.number}/edit/", data)
    assert response.status_code == 302
    saved = PolicySettings.from_dict(PolicyVersion.objects.get(pk=draft.pk).settings)
    assert (saved.warn_at, saved.end_at, saved.counted_categories) == (4, 5, ("cbrn", "abuse"))
    event = AuditEvent.objects.get(action="policy.draft_update")
    assert event.data["changes"]["end_at"] == {"from": 4, "to": 5}
    page = client.get(f"/moderation/policy/{draft.number}/").content.decode()
    assert 'Strikes before the warning <code class="muted small">warn_at</code></td><td class="old">3</td>' in page


def test_publishing_retires_the_previous_version_in_one_step(active_policy, policy_admin):
    draft = policies.policy_draft_create(author=policy_admin)
    policies.policy_publish(number=draft.number, actor=policy_admin)
    assert dict(PolicyVersion.objects.values_list("number", "status")) == {1: "retired", 2: "active"}
    assert policies.policy_active()[0] == 2
    policies.policy_publish(number=draft.number, actor=policy_admin)  # twice: nothing more
    assert AuditEvent.objects.filter(action="policy.publish").count() == 1
    with pytest.raises(policies.PolicyError) as error:
        policies.policy_draft_update(number=2, author=policy_admin, data=PolicySettings().to_dict())
    assert error.value.code == "not_draft"


def test_rolling_back_publishes_a_copy_of_the_retired_version_as_a_new_number(active_policy, policy_admin):
    draft = policies.policy_draft_create(author=policy_admin)
    policies.policy_draft_update(number=draft.number, author=policy_admin, data=PolicySettings(end_at=6).to_dict())
    policies.policy_publish(number=draft.number, actor=policy_admin)
    restored = policies.policy_rollback(number=1, actor=policy_admin)
    assert restored.number == 3 and restored.settings == active_policy.settings
    assert dict(PolicyVersion.objects.values_list("number", "status")) == {1: "retired", 2: "retired", 3: "active"}
    event = AuditEvent.objects.get(action="policy.rollback")
    assert event.data["restored"] == 1 and event.data["previous"] == 2
    with pytest.raises(policies.PolicyError):
        policies.policy_rollback(number=3, actor=policy_admin)


def test_publish_and_rollback_through_http(client, active_policy, policy_admin):
    client.force_login(policy_admin)
    response = client.post("/moderation/policy/new/")
    assert response["Location"] == "/moderation/policy/2/edit/"
    assert client.post("/moderation/policy/2/publish/", {"confirmed": "yes"}).status_code == 302
    assert client.post("/moderation/policy/1/rollback/", {"confirmed": "yes"})["Location"] == "/moderation/policy/3/"
    assert policies.policy_active()[0] == 3
    page = client.get("/moderation/policy/").content.decode()
    assert "v3" in page and "retired" in page
    assert client.post("/moderation/policy/99/publish/").status_code == 404
    assert client.post("/moderation/policy/99/publish/", {"confirmed": "yes"}).status_code == 404


def test_publish_and_rollback_ask_to_confirm_with_the_changes_and_change_nothing_until_then(
    client, active_policy, policy_admin
):
    draft = policies.policy_draft_create(author=policy_admin)
    policies.policy_draft_update(number=draft.number, author=policy_admin, data=PolicySettings(end_at=6).to_dict())
    client.force_login(policy_admin)
    response = client.post(f"/moderation/policy/{draft.number}/publish/")
    assert response.status_code == 200
    page = response.content.decode()
    assert 'data-testid="confirm-publish"' in page and "Strikes that end the chat" in page and "4 → 6" in page
    assert 'name="confirmed" value="yes"' in page
    assert policies.policy_active()[0] == 1
    client.post(f"/moderation/policy/{draft.number}/publish/", {"confirmed": "yes"})
    assert policies.policy_active()[0] == 2
    response = client.post("/moderation/policy/1/rollback/")
    assert response.status_code == 200 and 'data-testid="confirm-rollback"' in response.content.decode()
    assert policies.policy_active()[0] == 2 and PolicyVersion.objects.count() == 2
    assert [e.action for e in AuditEvent.objects.order_by("id")][-1] == "policy.publish"


def test_every_policy_error_names_settings_by_their_labels():
    from moderation.forms import POLICY_LABELS, in_words

    assert in_words("Must be at least redirect_at (2).") == (
        "Must be at least “Strikes before a safe direction is offered” (2)."
    )
    form = PolicyDraftForm()
    assert {name: field.label for name, field in form.fields.items()} == POLICY_LABELS
    for message in _every_engine_message():
        assert not any(name in in_words(message) for name in POLICY_LABELS if "_" in name), message


def _every_engine_message() -> list[str]:
    bad = [
        {"warn_at": 1, "redirect_at": 2},
        {"warn_at": 4, "end_at": 4},
        {"counted_categories": ["self_harm", "nope"]},
        {"crisis_resources": []},
        {"count_severity": 9, "decay_by": 0, "confirm_user_end": "x"},
    ]
    messages = []
    for changes in bad:
        try:
            PolicySettings.from_dict({**PolicySettings().to_dict(), **changes})
        except PolicySettingsError as error:
            messages += error.errors.values()
    assert len(messages) >= 7
    return messages


def test_the_seed_policy_note_says_what_the_defaults_are(active_policy):
    import importlib

    from django.apps import apps

    migration = importlib.import_module("moderation.migrations.0006_seed_policy_note_in_plain_words")
    PolicyVersion.objects.filter(number=1).update(note="The defaults of DESIGN 4.")
    migration.reword(apps, None)
    note = PolicyVersion.objects.get(number=1).note
    assert "DESIGN" not in note and note.startswith("The default policy:")
    PolicyVersion.objects.filter(number=1).update(note="An admin's own note.")
    migration.reword(apps, None)
    assert PolicyVersion.objects.get(number=1).note == "An admin's own note."
