"""Console and ending-page forms. Filters fail loudly: an invalid value is an error beside its
field and the view applies none of them. Policy settings are validated by the policy engine itself
(PolicySettings.from_dict), whose per-field errors are attached to the matching form fields with
the settings named by their labels."""

from __future__ import annotations

import json
import re
from datetime import timedelta

from django import forms
from django.contrib.auth import get_user_model
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from conversations.exceptions import ChatError
from conversations.inputs import parse_json
from conversations.models import Ending
from moderation import taxonomy
from moderation.models import Feedback, Review
from moderation.policy import PolicySettings, PolicySettingsError
from moderation.selectors import AuditFilters, QueueFilters
from moderation.services.reviews import BULK_MAX_ITEMS, NOTE_MAX_CHARS

CATEGORY_FILTER_CHOICES = [("", "any category")] + [(c.name, c.label) for c in taxonomy.CATEGORIES]
REASON_LABELS = {
    Ending.Reason.PERSISTENT_HARM: "Persistent harmful requests",
    Ending.Reason.ABUSE: "Abuse of the assistant",
    Ending.Reason.USER_REQUEST: "The user's request",
    Ending.Reason.MODEL_REQUEST: "The assistant's request",
}
NO_CATEGORY_LABEL = "No harm category"
DATE_WIDGET = {"widget": forms.DateInput(attrs={"type": "date"})}


def reason_label(reason: str) -> str:
    return REASON_LABELS.get(reason, reason.replace("_", " "))


def category_label(category: str) -> str:
    """The taxonomy label; endings without a harm category (a user's request) say so in words."""
    return taxonomy.label(category) if category in taxonomy.BY_NAME else NO_CATEGORY_LABEL


class StrictFiltersMixin:
    """A filter form is either wholly valid or applies nothing: dates in order, every choice known."""

    def clean(self):
        cleaned = super().clean()
        date_from, date_to = cleaned.get("date_from"), cleaned.get("date_to")
        if date_from and date_to and date_from > date_to:
            self.add_error("date_to", "The end date is before the start date.")
        return cleaned


class QueueFilterForm(StrictFiltersMixin, forms.Form):
    kind = forms.ChoiceField(
        required=False, choices=[("", "endings and flags"), ("endings", "endings"), ("flags", "flags")]
    )
    reason = forms.ChoiceField(required=False, choices=[("", "any reason"), *REASON_LABELS.items()])
    category = forms.ChoiceField(required=False, choices=CATEGORY_FILTER_CHOICES)
    review = forms.ChoiceField(
        required=False,
        label="Status",
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
    date_from = forms.DateField(required=False, label="From", **DATE_WIDGET)
    date_to = forms.DateField(required=False, label="To", **DATE_WIDGET)
    handled = forms.BooleanField(required=False, label="Show handled items")

    def filters(self) -> QueueFilters:
        """The filters; call only when the form is valid (an unbound form gives the defaults)."""
        if not self.is_bound:
            return QueueFilters()
        if not self.is_valid():
            raise ValueError("invalid filters are never applied")
        return QueueFilters(**{name: value for name, value in self.cleaned_data.items() if value})


class AuditFilterForm(StrictFiltersMixin, forms.Form):
    actor = forms.CharField(
        required=False,
        max_length=150,
        label="Moderator",
        help_text="a username, or 'system' for automatic endings",
        widget=forms.TextInput(attrs={"list": "audit-actors", "autocomplete": "off"}),
    )
    action = forms.CharField(
        required=False,
        max_length=64,
        help_text="e.g. case. or policy.publish",
        widget=forms.TextInput(attrs={"list": "audit-actions", "autocomplete": "off"}),
    )
    target = forms.CharField(required=False, max_length=130, help_text="an id, or type:id")
    date_from = forms.DateField(required=False, label="From", **DATE_WIDGET)
    date_to = forms.DateField(required=False, label="To", **DATE_WIDGET)

    TARGET_TYPES = ("ending", "message", "flag", "policyversion", "conversation")

    def clean_actor(self):
        actor = self.cleaned_data["actor"].strip()
        if actor and actor != "system" and not get_user_model().objects.filter(username=actor).exists():
            raise forms.ValidationError("Nobody has that username.")
        return actor

    def clean_action(self):
        action = self.cleaned_data["action"].strip()
        if action and not re.fullmatch(r"[a-z_]+(\.[a-z_]*)?", action):
            raise forms.ValidationError("An action looks like case.uphold, or a prefix such as case.")
        return action

    def clean_target(self):
        target = self.cleaned_data["target"].strip()
        kind, colon, _id = target.partition(":")
        if colon and (kind not in self.TARGET_TYPES or not _id):
            raise forms.ValidationError(f"A target is an id, or type:id with a type of {', '.join(self.TARGET_TYPES)}.")
        return target

    def filters(self) -> AuditFilters:
        if not self.is_bound:
            return AuditFilters()
        if not self.is_valid():
            raise ValueError("invalid filters are never applied")
        return AuditFilters(**{name: value for name, value in self.cleaned_data.items() if value})


PERIOD_DEFAULT = 30


class PeriodForm(forms.Form):
    days = forms.TypedChoiceField(
        required=False,
        coerce=int,
        empty_value=PERIOD_DEFAULT,
        initial=PERIOD_DEFAULT,
        label="Period",
        choices=[(7, "the last 7 days"), (30, "the last 30 days"), (90, "the last 90 days"), (365, "the last year")],
    )

    def __init__(self, data=None, **kwargs):
        # The selector must read what the page shows: an unbound form shows the default period.
        super().__init__(data if data else None, **kwargs)

    def period(self):
        """(first day, last day), inclusive, ending today. Call only when the form is valid."""
        days = self.cleaned_data.get("days") if self.is_bound else PERIOD_DEFAULT
        end = timezone.localdate()
        return end - timedelta(days=(days or PERIOD_DEFAULT) - 1), end


def _reason_choices(verdict: str) -> list:
    return [("", "— choose the reason the user will read —")] + [
        (code, str(label)) for code, label in Review.REASONS[verdict].items()
    ]


class ReviewForm(forms.Form):
    """A posted verdict. For uphold and overturn, `reason` and `note` are what the user reads on
    their ending page (the service checks the reason); a note is internal. `confirmed` is set by
    the confirm step that an overturn needs."""

    verdict = forms.ChoiceField(choices=Review.Verdict.choices)
    reason = forms.CharField(required=False, max_length=32)
    note = forms.CharField(required=False, max_length=NOTE_MAX_CHARS)
    confirmed = forms.CharField(required=False)


class VerdictForm(forms.Form):
    """The uphold or the overturn form of the case page (one per verdict, with its own ids)."""

    def __init__(self, *args, verdict: str, **kwargs):
        kwargs.setdefault("auto_id", f"id_{verdict}_%s")
        super().__init__(*args, **kwargs)
        self.verdict = verdict
        self.fields["reason"] = forms.ChoiceField(
            choices=_reason_choices(verdict),
            label="Reason shown to the user",
            widget=forms.Select(attrs={"required": True, "data-testid": f"{verdict}-reason"}),
        )
        self.fields["note"] = forms.CharField(
            required=False,
            max_length=NOTE_MAX_CHARS,
            label="Message to the user (optional; needed for “another reason”)",
            widget=forms.Textarea(attrs={"rows": 2, "maxlength": NOTE_MAX_CHARS, "data-testid": f"{verdict}-note"}),
        )


class BulkForm(forms.Form):
    """A bulk action over selected queue rows. Nothing happens until `confirmed` (the confirm page
    posts it); uphold needs the reason the users will read, assign an assignee."""

    ACTIONS = [("uphold", "Uphold selected endings"), ("resolve", "Resolve selected flags"), ("assign", "Assign to")]

    action = forms.ChoiceField(choices=ACTIONS)
    ending = forms.TypedMultipleChoiceField(required=False, coerce=str)
    flag = forms.TypedMultipleChoiceField(required=False, coerce=int)
    assignee = forms.CharField(required=False, max_length=150)
    reason = forms.ChoiceField(
        required=False,
        choices=_reason_choices(Review.Verdict.UPHELD),
        label="Reason shown to the users",
        widget=forms.Select(attrs={"required": True, "data-testid": "bulk-reason"}),
    )
    note = forms.CharField(
        required=False,
        max_length=NOTE_MAX_CHARS,
        label="Message to the users (optional; needed for “another reason”)",
        widget=forms.Textarea(attrs={"rows": 2, "data-testid": "bulk-note"}),
    )
    confirmed = forms.CharField(required=False)

    def __init__(self, *args, moderators=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.moderators = {user.username: user for user in moderators}
        # Any value is accepted here; ids are checked below and the services check the rows.
        self.fields["ending"].valid_value = lambda value: True
        self.fields["flag"].valid_value = lambda value: True

    def clean_ending(self):
        import uuid

        values = self.cleaned_data.get("ending") or []
        try:
            return [uuid.UUID(str(value)) for value in values]
        except ValueError:
            raise forms.ValidationError("Unknown ending id.") from None

    def clean_assignee(self):
        name = self.cleaned_data.get("assignee", "").strip()
        if not name:
            return None
        if name not in self.moderators:
            raise forms.ValidationError("Choose one of the moderators.")
        return self.moderators[name]

    def clean(self):
        cleaned = super().clean()
        action = cleaned.get("action")
        endings, flags = cleaned.get("ending") or [], cleaned.get("flag") or []
        selected = flags if action == "resolve" else endings
        if action and not selected:
            self.add_error(None, "Select the flags to resolve." if action == "resolve" else "Select some endings.")
        if len(selected) > BULK_MAX_ITEMS:
            self.add_error(None, f"Select at most {BULK_MAX_ITEMS} items at a time.")
        if action == "assign" and "assignee" not in self.errors and cleaned.get("assignee") is None:
            self.add_error("assignee", "Choose who gets the cases.")
        return cleaned

    @property
    def is_confirmed(self) -> bool:
        return self.cleaned_data.get("confirmed") == "yes"


class FeedbackForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("What happened?"),
        choices=Feedback.Kind.choices,
        widget=forms.RadioSelect,
        initial=Feedback.Kind.UNEXPECTED,
    )
    text = forms.CharField(
        required=False,
        max_length=2000,
        label=_("Anything you want to add (optional)"),
        widget=forms.Textarea(attrs={"rows": 4, "maxlength": 2000}),
    )


class BacktestForm(forms.Form):
    since = forms.DateField(required=False, label="Only chats since", **DATE_WIDGET)

    def clean_since(self):
        since = self.cleaned_data.get("since")
        if since and since > timezone.localdate():
            raise forms.ValidationError("That date is in the future: there is no history to replay.")
        return since


# Every policy setting in words: the labels of the form, also used for the diff and for the
# engine's messages that mention another setting ("Must be greater than warn_at (5)").
POLICY_LABELS = {
    "count_severity": "Severity that counts as a strike",
    "counted_categories": "Categories that count",
    "refuse_severity": "Severity that is refused",
    "redirect_at": "Strikes before a safe direction is offered",
    "warn_at": "Strikes before the warning",
    "end_at": "Strikes that end the chat",
    "decay_after": "Calm turns before strikes decay",
    "decay_by": "Strikes removed by a decay",
    "crisis_severity": "Severity that starts crisis mode",
    "confirm_user_end": "Ask users to confirm before ending at their request",
    "honour_model_end": "Let the assistant end a warned chat",
    "crisis_resources": "Crisis resources",
    "rail_severity": "Severity that stops the assistant's reply",
    "note": "Note",
}
_SETTING_NAME = re.compile(r"\b(" + "|".join(name for name in POLICY_LABELS if "_" in name) + r")\b")


def setting_label(name: str) -> str:
    return POLICY_LABELS.get(name, name.replace("_", " "))


def in_words(message: str) -> str:
    """The engine names settings by their field names; people read them by their labels."""
    return _SETTING_NAME.sub(lambda match: f"“{POLICY_LABELS[match.group(1)]}”", message)


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
    rail_severity = forms.IntegerField(
        help_text="The output rail withholds a reply whose own text reaches this severity (0: off)."
    )
    note = forms.CharField(required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name, field in self.fields.items():
            field.label = setting_label(name)

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
                self.add_error(name if name in self.fields else None, in_words(message))
        return cleaned


def audit_action_names() -> list[str]:
    """The actions the audit log can hold, for the filter's suggestions (no query)."""
    return sorted(AUDIT_ACTIONS)


AUDIT_ACTIONS = {
    "ending.automatic",
    "case.view",
    "case.claim",
    "case.release",
    "case.assign",
    "case.uphold",
    "case.overturn",
    "case.note",
    "content.reveal",
    "conversation.view",
    "flag.resolve",
    "cases.export",
    "policy.draft_create",
    "policy.draft_update",
    "policy.backtest",
    "policy.publish",
    "policy.rollback",
}
