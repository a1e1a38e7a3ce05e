"""Console and ending-page forms. Policy settings are validated by the policy engine itself
(PolicySettings.from_dict), whose per-field errors are attached to the matching form fields."""

from __future__ import annotations

import json
from datetime import timedelta

from django import forms
from django.utils import timezone

from conversations.exceptions import ChatError
from conversations.inputs import parse_json
from conversations.models import Ending
from moderation import taxonomy
from moderation.models import Feedback, Review
from moderation.policy import PolicySettings, PolicySettingsError
from moderation.selectors import AuditFilters, QueueFilters

CATEGORY_FILTER_CHOICES = [("", "any category")] + [(c.name, c.label) for c in taxonomy.CATEGORIES]


class QueueFilterForm(forms.Form):
    kind = forms.ChoiceField(
        required=False, choices=[("", "endings and flags"), ("endings", "endings"), ("flags", "flags")]
    )
    reason = forms.ChoiceField(required=False, choices=[("", "any reason"), *Ending.Reason.choices])
    category = forms.ChoiceField(required=False, choices=CATEGORY_FILTER_CHOICES)
    review = forms.ChoiceField(
        required=False,
        choices=[
            ("", "any status"),
            ("unreviewed", "unreviewed / open"),
            ("upheld", "upheld"),
            ("overturned", "overturned"),
        ],
    )
    feedback = forms.ChoiceField(
        required=False, choices=[("", "feedback or not"), ("yes", "has feedback"), ("no", "no feedback")]
    )
    date_from = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))
    date_to = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def filters(self) -> QueueFilters:
        if not self.is_valid():
            return QueueFilters()
        return QueueFilters(**{name: value for name, value in self.cleaned_data.items() if value})


class AuditFilterForm(forms.Form):
    actor = forms.CharField(required=False, max_length=150, help_text="username, or 'system'")
    action = forms.CharField(required=False, max_length=64, help_text="e.g. case. or policy.publish")
    target = forms.CharField(required=False, max_length=130, help_text="id, or type:id")
    date_from = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))
    date_to = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def filters(self) -> AuditFilters:
        if not self.is_valid():
            return AuditFilters()
        return AuditFilters(**{name: value for name, value in self.cleaned_data.items() if value})


class PeriodForm(forms.Form):
    days = forms.TypedChoiceField(
        required=False,
        coerce=int,
        empty_value=30,
        choices=[(7, "7 days"), (30, "30 days"), (90, "90 days"), (365, "a year")],
    )

    def period(self):
        days = self.cleaned_data.get("days") if self.is_valid() else 30
        end = timezone.localdate()
        return end - timedelta(days=(days or 30) - 1), end


class ReviewForm(forms.Form):
    verdict = forms.ChoiceField(choices=Review.Verdict.choices)
    note = forms.CharField(required=False, max_length=4000, widget=forms.Textarea(attrs={"rows": 3}))


class FeedbackForm(forms.Form):
    kind = forms.ChoiceField(choices=Feedback.Kind.choices, widget=forms.RadioSelect, initial=Feedback.Kind.UNEXPECTED)
    text = forms.CharField(
        required=False,
        max_length=2000,
        label="Anything you want to add (optional)",
        widget=forms.Textarea(attrs={"rows": 4, "maxlength": 2000}),
    )


class BacktestForm(forms.Form):
    since = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}), label="Only chats since")


RESOURCES_MAX_BYTES = 64 * 1024


class PolicyDraftForm(forms.Form):
    """One field per PolicySettings field. Validation is the engine's: nothing is saved unless
    PolicySettings.from_dict accepts the whole set."""

    count_severity = forms.IntegerField(help_text="A turn is a strike when a counted category reaches this severity.")
    counted_categories = forms.MultipleChoiceField(
        required=False,
        widget=forms.CheckboxSelectMultiple,
        choices=[(c.name, c.label) for c in taxonomy.CATEGORIES if not c.crisis],
        help_text="Categories whose strikes lead toward an ending. Crisis categories never count.",
    )
    refuse_severity = forms.IntegerField(help_text="Refuse (without a strike) from this severity in any category.")
    redirect_at = forms.IntegerField(help_text="Strikes from which the refusal offers a safe direction.")
    warn_at = forms.IntegerField(help_text="Strikes from which the user is warned that the chat will end.")
    end_at = forms.IntegerField(help_text="Strikes that end the chat, only after a warning.")
    decay_after = forms.IntegerField(help_text="Consecutive calm turns after which strikes decay.")
    decay_by = forms.IntegerField(help_text="Strikes removed by one decay.")
    crisis_severity = forms.IntegerField(help_text="Self-harm / threat severity that switches on crisis mode.")
    confirm_user_end = forms.BooleanField(required=False, help_text="Ask once before ending at the user's request.")
    honour_model_end = forms.BooleanField(required=False, help_text="Let the model end a warned, non-crisis chat.")
    crisis_resources = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 12, "class": "mono", "spellcheck": "false"}),
        help_text='A JSON list of {"name", "contact", "url", "region"}.',
    )
    note = forms.CharField(required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))

    @staticmethod
    def initial_for(settings: PolicySettings, note: str = "") -> dict:
        data = settings.to_dict()
        data["crisis_resources"] = json.dumps(data["crisis_resources"], indent=2, ensure_ascii=False)
        data["note"] = note
        return data

    def clean(self):
        cleaned = super().clean()
        raw = cleaned.get("crisis_resources")
        resources = None
        if raw is not None:
            try:
                resources = parse_json(raw, max_bytes=RESOURCES_MAX_BYTES, what="The list of resources")
            except ChatError as error:
                self.add_error("crisis_resources", error.detail)
        if self.errors:
            return cleaned
        data = {name: cleaned[name] for name in PolicySettings.__dataclass_fields__ if name != "crisis_resources"}
        data["counted_categories"] = list(cleaned.get("counted_categories") or [])
        data["crisis_resources"] = resources
        try:
            self.settings = PolicySettings.from_dict(data)
        except PolicySettingsError as error:
            for name, message in error.errors.items():
                self.add_error(name if name in self.fields else None, message)
        return cleaned
