"""Moderation records (DESIGN 2). Only moderation.services writes these models."""

from __future__ import annotations

from django.conf import settings as django_settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from conversations.models import Conversation, Ending, Message
from moderation.taxonomy import CATEGORY_CHOICES


class Classification(models.Model):
    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="classifications")
    backend = models.CharField(max_length=32)
    backend_version = models.CharField(max_length=64, blank=True)
    severity = models.PositiveSmallIntegerField()
    category = models.CharField(max_length=32, choices=CATEGORY_CHOICES)
    scores = models.JSONField(default=dict)
    signals = models.JSONField(default=list)
    rationale = models.TextField(blank=True)
    extra = models.JSONField(default=dict, blank=True)
    latency_ms = models.FloatField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["message", "backend"], name="classification_one_per_backend"),
            models.CheckConstraint(condition=Q(severity__lte=4), name="classification_severity_range"),
        ]

    def __str__(self) -> str:
        return f"{self.backend}: {self.category}/{self.severity}"


class Decision(models.Model):
    """The policy's decision for one user message (one per message; a retried task reuses it)."""

    message = models.OneToOneField(Message, on_delete=models.CASCADE, related_name="decision")
    classification = models.ForeignKey(Classification, null=True, blank=True, on_delete=models.SET_NULL)
    policy_version = models.PositiveIntegerField()
    action = models.CharField(max_length=32)
    reason = models.CharField(max_length=64)
    counted = models.BooleanField(default=False)
    strikes_before = models.PositiveSmallIntegerField(default=0)
    strikes_after = models.PositiveSmallIntegerField(default=0)
    crisis_mode = models.BooleanField(default=False)
    category = models.CharField(max_length=32, blank=True)
    end_reason = models.CharField(max_length=32, blank=True)
    state = models.JSONField(default=dict)
    # The language model's end_conversation call, if any: {"reason", "accepted", "code"}.
    model_end_request = models.JSONField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    def __str__(self) -> str:
        return f"{self.action} ({self.reason})"


class RailEvent(models.Model):
    """The output rail stopped an assistant reply (moderation.rails): one per reply. The reply
    stored and shown is the refusal; what the assistant had written up to the trip is kept in
    `withheld` for moderators only (hidden on the console until revealed, each reveal audited).
    Never a strike: the user did not write it."""

    message = models.OneToOneField(Message, on_delete=models.CASCADE, related_name="rail_event")
    decision = models.ForeignKey(Decision, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    category = models.CharField(max_length=32, choices=CATEGORY_CHOICES)
    severity = models.PositiveSmallIntegerField()
    threshold = models.PositiveSmallIntegerField()  # the policy's rail_severity then
    scores = models.JSONField(default=dict)
    signals = models.JSONField(default=list)
    backend = models.CharField(max_length=32)
    backend_version = models.CharField(max_length=64, blank=True)
    offset = models.PositiveIntegerField()  # characters of the reply read when it tripped
    window_start = models.PositiveIntegerField(default=0)  # where the tripping window began
    shown_chars = models.PositiveIntegerField(default=0)  # released to the user's screen before the trip
    checks = models.PositiveSmallIntegerField(default=0)
    withheld = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        constraints = [models.CheckConstraint(condition=Q(severity__lte=4), name="rail_event_severity_range")]

    def __str__(self) -> str:
        return f"rail: {self.category}/{self.severity}"


class PolicyVersion(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft"
        ACTIVE = "active"
        RETIRED = "retired"

    number = models.PositiveIntegerField(unique=True)
    settings = models.JSONField()
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.DRAFT)
    author = models.ForeignKey(django_settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    note = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    published_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-number"]
        permissions = [("tune_policy", "Can draft, backtest, publish and roll back policy versions")]
        constraints = [
            models.UniqueConstraint(fields=["status"], condition=Q(status="active"), name="policy_one_active"),
        ]

    def __str__(self) -> str:
        return f"Policy v{self.number} ({self.status})"


class Feedback(models.Model):
    """The owner's report about an ending: a complaint in the sense of the EU Digital Services Act
    (Art. 20). Its status is what the user's ending page shows: received (`open`), under review
    (`in_review`: a moderator opened, claimed or was assigned the case) and decided (`reviewed`:
    a verdict was recorded; `decision` is that review, `decided_at` its time)."""

    class Kind(models.TextChoices):
        UNEXPECTED = "unexpected", _("This was unexpected")
        EXPECTED = "expected", _("I understand why")
        OTHER = "other", _("Something else")

    class Status(models.TextChoices):
        OPEN = "open", _("received")
        IN_REVIEW = "in_review", _("under review")
        REVIEWED = "reviewed", _("decided")

    UNDECIDED = (Status.OPEN, Status.IN_REVIEW)

    ending = models.ForeignKey(Ending, on_delete=models.CASCADE, related_name="feedback")
    user = models.ForeignKey(django_settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=16, choices=Kind.choices, default=Kind.UNEXPECTED)
    text = models.TextField(blank=True, max_length=2000)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.OPEN)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    decision = models.ForeignKey("Review", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["ending", "user"], name="feedback_one_per_user_and_ending"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} feedback on ending {self.ending_id} ({self.status})"


class ImmutableQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise PermissionError(f"{self.model.__name__} rows are immutable")

    def delete(self):
        raise PermissionError(f"{self.model.__name__} rows are immutable")


class ImmutableModel(models.Model):
    """Rows are written once: no update, no delete through the application (PostgreSQL also
    refuses them with a trigger, see the migrations)."""

    objects = ImmutableQuerySet.as_manager()

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise PermissionError(f"{type(self).__name__} rows are immutable")
        kwargs["force_insert"] = True
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionError(f"{type(self).__name__} rows are immutable")


class Review(ImmutableModel):
    """A moderator's verdict on an ending. For `upheld` and `overturned`, `reason` (a code of
    REASONS) and `note` are the statement the user reads on their ending page, in their language
    for the reason; a `note` verdict is an internal remark that the user never sees."""

    class Verdict(models.TextChoices):
        UPHELD = "upheld"
        OVERTURNED = "overturned"
        NOTE = "note"

    # The reasons a moderator chooses from, per verdict; the label is what the user reads.
    # "other" needs the note to say it.
    REASONS = {
        "upheld": {
            "repeated_harm": _(
                "The chat kept asking for content we do not help with, after the assistant declined and warned."
            ),
            "abuse": _("The chat kept abusing the assistant after it declined and warned."),
            "user_request": _("The chat was ended because you asked for it and confirmed it."),
            "other": _("Another reason, explained below."),
        },
        "overturned": {
            "misread": _("Our automatic system misread your messages: they did not ask for harmful content."),
            "legitimate": _("In context, your questions were legitimate (for example study, work, safety or fiction)."),
            "too_strict": _("The policy was applied too strictly in this case."),
            "other": _("Another reason, explained below."),
        },
    }

    ending = models.ForeignKey(Ending, on_delete=models.CASCADE, related_name="reviews")
    moderator = models.ForeignKey(
        django_settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    verdict = models.CharField(max_length=16, choices=Verdict.choices)
    reason = models.CharField(max_length=32, blank=True)
    note = models.TextField(blank=True, max_length=4000)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["created_at"]
        permissions = [("review_endings", "Can review endings, feedback and flags in the console")]

    def __str__(self) -> str:
        return f"{self.verdict} review of ending {self.ending_id}"

    @property
    def reason_label(self) -> str:
        """The reason as the user reads it (translated when a translation exists)."""
        return str(self.REASONS.get(self.verdict, {}).get(self.reason, ""))


class Flag(models.Model):
    class Kind(models.TextChoices):
        CRISIS = "crisis", "Crisis escalation"
        REPEAT_ENDINGS = "repeat_endings", "Repeated endings"
        RAIL = "rail", "Reply withheld by the output rail"

    class Status(models.TextChoices):
        OPEN = "open"
        RESOLVED = "resolved"

    kind = models.CharField(max_length=32, choices=Kind.choices)
    priority = models.PositiveSmallIntegerField(default=1)  # higher is more urgent
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.OPEN)
    user = models.ForeignKey(django_settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    conversation = models.ForeignKey(Conversation, null=True, blank=True, on_delete=models.CASCADE)
    message = models.ForeignKey(Message, null=True, blank=True, on_delete=models.CASCADE)
    detail = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.ForeignKey(
        django_settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        constraints = [
            # One crisis flag per conversation while open; one per message ever.
            models.UniqueConstraint(
                fields=["kind", "conversation"],
                condition=Q(status="open", kind="crisis"),
                name="flag_one_open_crisis_per_conversation",
            ),
            models.UniqueConstraint(fields=["kind", "message"], name="flag_one_per_message_and_kind"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} flag {self.pk} ({self.status})"


class AuditEvent(ImmutableModel):
    """Append-only record of every moderator and admin action and every automatic ending."""

    actor = models.ForeignKey(django_settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    action = models.CharField(max_length=64, db_index=True)
    target_type = models.CharField(max_length=64, blank=True)
    target_id = models.CharField(max_length=64, blank=True)
    data = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["target_type", "target_id"], name="audit_target")]

    def __str__(self) -> str:
        return f"{self.action} {self.target_type}:{self.target_id}"


class CaseClaim(models.Model):
    """A moderator's claim on one ending's case, so two moderators do not review the same case.
    A claim lapses at `expires_at`; taking it is a conditional UPDATE (see services.reviews).
    `assigned_by` is set when another moderator assigned the case (a longer claim)."""

    ending = models.OneToOneField(Ending, on_delete=models.CASCADE, related_name="claim")
    moderator = models.ForeignKey(django_settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    claimed_at = models.DateTimeField()
    expires_at = models.DateTimeField(db_index=True)
    assigned_by = models.ForeignKey(
        django_settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    def __str__(self) -> str:
        return f"claim on {self.ending_id} by {self.moderator_id}"


class Backtest(models.Model):
    """A replay of stored history under one policy version (run by the `run_backtest` task)."""

    class Status(models.TextChoices):
        QUEUED = "queued"
        RUNNING = "running"
        DONE = "done"
        FAILED = "failed"

    policy_version = models.ForeignKey(PolicyVersion, on_delete=models.CASCADE, related_name="backtests")
    requested_by = models.ForeignKey(
        django_settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    since = models.DateTimeField(null=True, blank=True)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.QUEUED)
    progress = models.PositiveSmallIntegerField(default=0)  # percent
    result = models.JSONField(default=dict, blank=True)
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"Backtest {self.pk} of v{self.policy_version_id} ({self.status})"


class ReviewNotice(models.Model):
    """The in-app notice that tells a user a verdict was recorded on one of their endings (the
    report they sent was decided, or their chat was reopened). Shown on their chat pages until
    they open the ending page (`seen_at`). One per review."""

    user = models.ForeignKey(django_settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    ending = models.ForeignKey(Ending, on_delete=models.CASCADE, related_name="+")
    review = models.OneToOneField(Review, on_delete=models.CASCADE, related_name="notice")
    created_at = models.DateTimeField(auto_now_add=True)
    seen_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["user", "created_at"], condition=Q(seen_at__isnull=True), name="notice_unseen_by_user")
        ]

    def __str__(self) -> str:
        return f"notice of review {self.review_id} to user {self.user_id}"
