"""Policy tuning: drafts (validated, per-field errors), diff, publish, roll back; all audited."""

from __future__ import annotations

import json

import pytest

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
    assert 'data-testid="error-end_at"' in page and "Must be greater than warn_at (5)" in page
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
    assert '<code>warn_at</code></td><td class="old">3</td><td class="new">4</td>' in page


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
    assert client.post("/moderation/policy/2/publish/").status_code == 302
    assert client.post("/moderation/policy/1/rollback/")["Location"] == "/moderation/policy/3/"
    assert policies.policy_active()[0] == 3
    page = client.get("/moderation/policy/").content.decode()
    assert "v3" in page and "retired" in page
    assert client.post("/moderation/policy/99/publish/").status_code == 404
