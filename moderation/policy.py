"""The conversation policy (DESIGN 4): branch state + one classified user turn + settings -> decision.

Pure: no Django, no ORM, no I/O, no clock. The same inputs always give the same decision, so the
pipeline, the backtest and the tests all replay history through `decide()` and agree.

The rules, in the order `decide()` applies them:

1. Classification failed: answer cautiously (`crisis_support` if the branch is already in crisis
   mode). The turn is neither a strike nor a calm turn: strikes, calm streak and warning are
   unchanged. A pending end confirmation is dropped (a confirmation must be the very next turn,
   and an unclassified turn never ends a chat).
2. Bookkeeping for every classified turn (`_advance`):
   - it *counts* (a strike) when a counted category reaches `count_severity`;
   - otherwise it is *calm*: after `decay_after` consecutive calm turns, strikes drop by
     `decay_by` (never below 0) and the streak restarts. When decay takes strikes below `warn_at`
     the warning expires (`warned` is cleared): a user who backed off is warned afresh before any
     ending;
   - `self_harm` / `threat_to_others` at `crisis_severity` switch on crisis mode, sticky for the
     branch.
3. Crisis mode: the branch is never ended, by anyone. A turn that shows crisis now gets
   `crisis_support` (even if it also counts). A harmful request without a crisis signal is still
   refused (`refuse`, or `redirect` from `redirect_at`), never warned or ended, with
   `crisis_mode=True` so the reply carries resources. Anything else, including a request to end
   the chat, gets `crisis_support`.
4. A strike that reaches `end_at` after a warning in force ends the branch (`persistent_harm`, or
   `abuse` when abuse drove it). A warning is always given on an earlier turn, so one message never
   ends a chat.
5. User request: a turn that asks to end gets `confirm_end` (or ends at once when
   `confirm_user_end` is off); the next turn ends the chat with `user_request` if it confirms or
   asks again; anything else continues normally. This runs before the strike ladder, so a user who
   asks to leave is never answered with a refusal (a counted turn still records its strike).
6. A strike: `refuse` (strike 1), `redirect` (from `redirect_at`), `warn` (from `warn_at`, and at
   `end_at` or beyond while no warning is in force).
7. Any non-crisis category at `refuse_severity` or above: `refuse`, not counted.
8. Otherwise `answer` (reason `decayed` when this turn removed strikes, else `benign`).

Crisis categories are never refused and never counted: a person at risk gets support.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field, fields, replace
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from moderation import intents
from moderation.taxonomy import COUNTED_BY_DEFAULT, CRISIS_CATEGORIES, NAMES

if TYPE_CHECKING:
    from moderation.classifiers.base import Verdict

ABUSE = "abuse"
MAX_SEVERITY = 4
MAX_STRIKE_STEP = 20


def _resource_entry(name: str, contact: str, url: str, region: str) -> dict:
    return {"name": name, "contact": contact, "url": url, "region": region}


# Checked by hand; keep to services whose numbers and sites are certain.
DEFAULT_CRISIS_RESOURCES: tuple[dict, ...] = (
    _resource_entry("988 Suicide & Crisis Lifeline", "Call or text 988", "https://988lifeline.org", "United States"),
    _resource_entry("Crisis Text Line", "Text HOME to 741741", "https://www.crisistextline.org", "United States"),
    _resource_entry("9-8-8 Suicide Crisis Helpline", "Call or text 9-8-8", "https://988.ca", "Canada"),
    _resource_entry(
        "Kids Help Phone",
        "Call 1-800-668-6868 or text CONNECT to 686868",
        "https://kidshelpphone.ca",
        "Canada, young people",
    ),
    _resource_entry(
        "Samaritans", "Call 116 123 (free, 24/7)", "https://www.samaritans.org", "United Kingdom & Ireland"
    ),
    _resource_entry("Shout", "Text SHOUT to 85258", "https://giveusashout.org", "United Kingdom"),
    _resource_entry("Lifeline Australia", "Call 13 11 14", "https://www.lifeline.org.au", "Australia"),
    _resource_entry(
        "TelefonSeelsorge",
        "Call 0800 111 0 111 or 0800 111 0 222 (free, 24/7)",
        "https://www.telefonseelsorge.de",
        "Germany",
    ),
    _resource_entry(
        "3114 – Numéro national de prévention du suicide", "Call 3114 (free, 24/7)", "https://3114.fr", "France"
    ),
    _resource_entry("SOS Amitié", "Call 09 72 39 40 50", "https://www.sos-amitie.com", "France"),
    _resource_entry("Línea 024", "Call 024 (free, 24/7)", "", "Spain"),
    _resource_entry("Teléfono de la Esperanza", "Call 717 003 717", "https://telefonodelaesperanza.org", "Spain"),
    _resource_entry(
        "Emergency services",
        "112 (EU and many countries), 911 (US & Canada), 999 (UK), 000 (Australia)",
        "",
        "If you or someone else is in immediate danger",
    ),
    _resource_entry(
        "Find A Helpline",
        "Free, confidential helplines in many countries",
        "https://findahelpline.com",
        "International directory",
    ),
)

RESOURCE_KEYS = ("name", "contact", "url", "region")
# Every crisis reply carries the whole list: bounded, like any text a user is shown.
RESOURCE_MAX_CHARS = {"name": 120, "contact": 200, "url": 500, "region": 80}
MAX_RESOURCES = 50


# --- Settings ----------------------------------------------------------------------------------


class PolicySettingsError(ValueError):
    """Invalid policy settings. `errors` maps each offending field to a readable message."""

    def __init__(self, errors: Mapping[str, str]) -> None:
        self.errors = dict(errors)
        super().__init__("; ".join(f"{name}: {message}" for name, message in self.errors.items()))


@dataclass(frozen=True)
class PolicySettings:
    """Every admin-tunable number of the policy (one `PolicyVersion`). Always valid: the
    constructor and `from_dict` raise PolicySettingsError otherwise."""

    count_severity: int = 3
    counted_categories: tuple[str, ...] = COUNTED_BY_DEFAULT
    refuse_severity: int = 2
    redirect_at: int = 2
    warn_at: int = 3
    end_at: int = 4
    decay_after: int = 2
    decay_by: int = 1
    crisis_severity: int = 2
    confirm_user_end: bool = True
    honour_model_end: bool = True
    crisis_resources: tuple[dict, ...] = DEFAULT_CRISIS_RESOURCES
    # The output rail (moderation.rails): a reply stops and is withheld when what the assistant
    # writes reaches this severity in a non-crisis category; 0 turns the rail off.
    rail_severity: int = 3

    def __post_init__(self) -> None:
        errors = _settings_errors(self)
        if errors:
            raise PolicySettingsError(errors)
        # Normalise containers so that equal settings compare equal and callers cannot mutate ours.
        object.__setattr__(self, "counted_categories", tuple(self.counted_categories))
        object.__setattr__(self, "crisis_resources", tuple(_resource(r) for r in self.crisis_resources))

    @classmethod
    def from_dict(cls, data: Mapping) -> PolicySettings:
        """Validated settings from JSON-like data (a stored version, a form). Missing keys take the
        defaults; unknown keys and every invalid value are reported together, per field."""
        if not isinstance(data, Mapping):
            raise PolicySettingsError({"__all__": "Settings must be an object of field: value."})
        known = {f.name for f in fields(cls)}
        errors = {str(key): "Unknown setting." for key in data if key not in known}
        values = {key: value for key, value in data.items() if key in known}
        for name in ("counted_categories", "crisis_resources"):
            if isinstance(values.get(name), list):
                values[name] = tuple(values[name])
        try:
            settings = cls(**values)
        except PolicySettingsError as error:
            errors.update(error.errors)
        if errors:
            raise PolicySettingsError(errors)
        return settings

    def to_dict(self) -> dict:
        """JSON-serialisable; `from_dict(to_dict())` gives back equal settings."""
        data = asdict(self)
        data["counted_categories"] = list(self.counted_categories)
        data["crisis_resources"] = [dict(r) for r in self.crisis_resources]
        return data

    def diff(self, other: PolicySettings) -> list[tuple[str, object, object]]:
        """(field, self value, other value) for every field that differs, in declaration order,
        with values as in `to_dict` (lists, not tuples) so they print cleanly."""
        mine, theirs = self.to_dict(), other.to_dict()
        return [(name, mine[name], theirs[name]) for name in mine if mine[name] != theirs[name]]


_INT_RANGES: dict[str, tuple[int, int]] = {
    "count_severity": (1, MAX_SEVERITY),
    "refuse_severity": (1, MAX_SEVERITY),
    "crisis_severity": (1, MAX_SEVERITY),
    "redirect_at": (1, MAX_STRIKE_STEP),
    "warn_at": (1, MAX_STRIKE_STEP),
    "end_at": (2, MAX_STRIKE_STEP),  # one message never ends a chat
    "decay_after": (1, 100),
    "decay_by": (1, MAX_STRIKE_STEP),  # 0 would let a user who backed off be ended later
    "rail_severity": (0, MAX_SEVERITY),  # 0: the output rail is off
}
_BOOLS = ("confirm_user_end", "honour_model_end")


def _settings_errors(settings: PolicySettings) -> dict[str, str]:
    errors: dict[str, str] = {}
    for name, (low, high) in _INT_RANGES.items():
        value = getattr(settings, name)
        if not isinstance(value, int) or isinstance(value, bool):
            errors[name] = "Must be a whole number."
        elif not low <= value <= high:
            errors[name] = f"Must be between {low} and {high}."
    for name in _BOOLS:
        if not isinstance(getattr(settings, name), bool):
            errors[name] = "Must be true or false."
    if not ({"redirect_at", "warn_at", "end_at"} & errors.keys()):
        if settings.warn_at < settings.redirect_at:
            errors["warn_at"] = f"Must be at least redirect_at ({settings.redirect_at})."
        elif settings.end_at <= settings.warn_at:
            errors["end_at"] = f"Must be greater than warn_at ({settings.warn_at}): an ending needs a warning first."
    message = _counted_categories_error(settings.counted_categories)
    if message:
        errors["counted_categories"] = message
    message = _resources_error(settings.crisis_resources)
    if message:
        errors["crisis_resources"] = message
    return errors


def _counted_categories_error(value: Any) -> str | None:
    if not isinstance(value, (tuple, list)) or not all(isinstance(name, str) for name in value):
        return "Must be a list of category names."
    unknown = [name for name in value if name not in NAMES]
    if unknown:
        return f"Unknown categories: {', '.join(unknown)}."
    crisis = [name for name in value if name in CRISIS_CATEGORIES]
    if crisis:
        return f"Crisis categories never count toward an ending: {', '.join(crisis)}."
    if len(set(value)) != len(value):
        return "Categories must not repeat."
    return None


def _resources_error(value: Any) -> str | None:
    if not isinstance(value, (tuple, list)):
        return "Must be a list of resources."
    if not value:
        return "At least one crisis resource is required: crisis replies must list somewhere to turn."
    if len(value) > MAX_RESOURCES:
        return f"At most {MAX_RESOURCES} resources."
    problems = []
    for number, resource in enumerate(value, start=1):
        problem = _resource_problem(resource)
        if problem:
            problems.append(f"resource {number}: {problem}")
    return "; ".join(problems) or None


def _resource_problem(resource: Any) -> str | None:
    if not isinstance(resource, Mapping):
        return "must be an object with name, contact, url and region."
    unknown = sorted(str(key) for key in resource if key not in RESOURCE_KEYS)
    if unknown:
        return f"unknown keys {', '.join(unknown)}."
    if not all(isinstance(resource.get(key, ""), str) for key in RESOURCE_KEYS):
        return "name, contact, url and region must be text."
    for key, limit in RESOURCE_MAX_CHARS.items():
        if len(resource.get(key, "")) > limit:
            return f"{key} is limited to {limit} characters."
        if any(char == "\x00" or "\ud800" <= char <= "\udfff" for char in resource.get(key, "")):
            return f"{key} contains a NUL character or invalid Unicode."
    if not resource.get("name", "").strip():
        return "needs a name."
    if not (resource.get("contact", "").strip() or resource.get("url", "").strip()):
        return "needs a contact or a url."
    url = resource.get("url", "").strip()
    if url:
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            return "url must start with http:// or https:// and name a host."
    return None


def _resource(resource: Mapping) -> dict:
    return {key: str(resource.get(key, "")).strip() for key in RESOURCE_KEYS}


# --- State, input, decision --------------------------------------------------------------------


@dataclass(frozen=True)
class BranchState:
    """Everything the policy remembers about a branch (root -> leaf), after its latest user turn.

    `calm_streak` counts consecutive non-counted turns since the last strike or decay.
    `warned` means a warning is *in force*: set by a `warn`, cleared when decay takes strikes below
    `warn_at`. `refusals` and `category_counts` count every counted turn and never decay (they feed
    the statement of reasons)."""

    strikes: int = 0
    calm_streak: int = 0
    warned: bool = False
    crisis_mode: bool = False
    awaiting_end_confirmation: bool = False
    refusals: int = 0
    last_category: str | None = None
    category_counts: tuple[tuple[str, int], ...] = ()

    def to_dict(self) -> dict:
        data = asdict(self)
        data["category_counts"] = dict(self.category_counts)
        return data

    @classmethod
    def from_dict(cls, data: Mapping | None) -> BranchState:
        """Tolerant of stored states from older code: missing keys default, unknown keys are ignored."""
        if not data:
            return cls()
        known = {f.name for f in fields(cls)} - {"category_counts"}
        values = {key: data[key] for key in known if key in data}
        counts = data.get("category_counts") or {}
        pairs = counts.items() if isinstance(counts, Mapping) else counts
        values["category_counts"] = tuple(sorted((str(name), int(n)) for name, n in pairs))
        return cls(**values)

    def count_of(self, category: str) -> int:
        return dict(self.category_counts).get(category, 0)


@dataclass(frozen=True)
class TurnInput:
    """One classified user turn. `scores` maps category -> severity (absent = 0)."""

    scores: Mapping[str, int] = field(default_factory=dict)
    classification_failed: bool = False
    asks_to_end: bool = False
    confirms: bool = False

    @classmethod
    def from_verdict(cls, verdict: Verdict | None, text: str) -> TurnInput:
        """A None verdict means every classifier failed. Intents come from the text itself."""
        return cls(
            scores=dict(verdict.scores) if verdict is not None else {},
            classification_failed=verdict is None,
            asks_to_end=intents.asks_to_end(text),
            confirms=intents.confirms(text),
        )


@dataclass(frozen=True)
class Decision:
    """The assistant's action for one user turn. `state` is the branch state after the turn:
    store it, and pass it to `decide()` for the next turn on the same branch."""

    action: str
    reason: str
    counted: bool
    strikes_before: int
    strikes_after: int
    crisis_mode: bool
    end_reason: str | None
    category: str | None
    state: BranchState


# --- The engine --------------------------------------------------------------------------------


def decide(state: BranchState, turn: TurnInput, settings: PolicySettings) -> Decision:
    """The action for `turn`, given the branch `state` before it. Pure; see the module docstring
    for the rules. Precondition: the branch is not ended (a locked branch takes no turns)."""
    if turn.classification_failed:
        return _unclassified(state)
    crisis_category = _top_category(turn.scores, CRISIS_CATEGORIES, settings.crisis_severity)
    counted_category = _top_category(turn.scores, settings.counted_categories, settings.count_severity)
    refused_category = _top_category(turn.scores, _REFUSABLE, settings.refuse_severity)
    after = _advance(state, counted_category, crisis_category, settings)

    def decision(
        action: str, reason: str, category: str | None, end_reason: str | None = None, **changes: Any
    ) -> Decision:
        return Decision(
            action=action,
            reason=reason,
            counted=counted_category is not None,
            strikes_before=state.strikes,
            strikes_after=after.strikes,
            crisis_mode=after.crisis_mode,
            end_reason=end_reason,
            category=category,
            state=replace(after, **changes),
        )

    if after.crisis_mode:
        if crisis_category:
            return decision("crisis_support", "crisis", crisis_category)
        if counted_category or refused_category:
            action = "redirect" if counted_category and after.strikes >= settings.redirect_at else "refuse"
            return decision(action, "crisis_refusal", counted_category or refused_category)
        if turn.asks_to_end or (state.awaiting_end_confirmation and turn.confirms):
            return decision("crisis_support", "crisis_user_request", None)
        return decision("crisis_support", "crisis", None)

    if counted_category and after.strikes >= settings.end_at and state.warned:
        end_reason = "abuse" if counted_category == ABUSE else "persistent_harm"
        return decision("end", end_reason, counted_category, end_reason)

    if state.awaiting_end_confirmation and (turn.confirms or turn.asks_to_end):
        return decision("end", "user_request", None, "user_request")
    if turn.asks_to_end:
        if not settings.confirm_user_end:
            return decision("end", "user_request", None, "user_request")
        return decision("confirm_end", "user_request_confirm", None, awaiting_end_confirmation=True)

    if counted_category:
        if after.strikes >= settings.warn_at:
            return decision("warn", "warned", counted_category, warned=True)
        if after.strikes >= settings.redirect_at:
            return decision("redirect", "strike", counted_category)
        return decision("refuse", "strike", counted_category)

    if refused_category:
        return decision("refuse", "refused_uncounted", refused_category)
    return decision("answer", "decayed" if after.strikes < state.strikes else "benign", None)


def replay(
    turns: Iterable[TurnInput],
    settings: PolicySettings,
    state: BranchState = BranchState(),
) -> list[Decision]:
    """Decide each turn in order along one branch, starting from `state`. Stops after an `end`:
    a locked branch takes no more turns, so later turns get no decision."""
    decisions = []
    for turn in turns:
        decision = decide(state, turn, settings)
        decisions.append(decision)
        if decision.action == "end":
            break
        state = decision.state
    return decisions


def accept_model_end(state: BranchState, settings: PolicySettings) -> tuple[bool, str]:
    """Whether to honour the language model's `end_conversation` call, given the branch state
    after the turn it answered. Accepted (reason `model_request`) only when the settings allow it,
    the branch is not in crisis mode, a warning is in force (so strikes >= warn_at >= 1) and there
    is at least one strike. Otherwise (False, why): `model_end_disabled`, `crisis_mode`,
    `not_warned`, `no_strikes`."""
    if not settings.honour_model_end:
        return False, "model_end_disabled"
    if state.crisis_mode:
        return False, "crisis_mode"
    if not state.warned:
        return False, "not_warned"
    if state.strikes < 1:
        return False, "no_strikes"
    return True, "model_request"


# --- Helpers -----------------------------------------------------------------------------------

_REFUSABLE = tuple(name for name in NAMES if name not in CRISIS_CATEGORIES)


def _top_category(scores: Mapping[str, int], among: Iterable[str], threshold: int) -> str | None:
    """The most severe category of `among` at or above `threshold`; ties go to the earlier one in
    the taxonomy (the gravest harms are listed first, abuse after them)."""
    reached = [name for name in NAMES if name in among and scores.get(name, 0) >= threshold]
    if not reached:
        return None
    return max(reached, key=lambda name: (scores[name], -NAMES.index(name)))


def _advance(
    state: BranchState, counted_category: str | None, crisis_category: str | None, settings: PolicySettings
) -> BranchState:
    """Strikes, calm streak, decay, warning expiry and crisis mode after one classified turn. The
    end-confirmation flag is cleared; `decide()` sets it again when it asks for confirmation."""
    crisis_mode = state.crisis_mode or crisis_category is not None
    if counted_category:
        counts = dict(state.category_counts)
        counts[counted_category] = counts.get(counted_category, 0) + 1
        return replace(
            state,
            strikes=state.strikes + 1,
            calm_streak=0,
            crisis_mode=crisis_mode,
            awaiting_end_confirmation=False,
            refusals=state.refusals + 1,
            last_category=counted_category,
            category_counts=tuple(sorted(counts.items())),
        )
    strikes, calm_streak, warned = state.strikes, state.calm_streak + 1, state.warned
    if calm_streak >= settings.decay_after:
        strikes, calm_streak = max(0, strikes - settings.decay_by), 0
        warned = warned and strikes >= settings.warn_at
    return replace(
        state,
        strikes=strikes,
        calm_streak=calm_streak,
        warned=warned,
        crisis_mode=crisis_mode,
        awaiting_end_confirmation=False,
    )


def _unclassified(state: BranchState) -> Decision:
    action = "crisis_support" if state.crisis_mode else "answer"
    after = replace(state, awaiting_end_confirmation=False)
    return Decision(
        action=action,
        reason="classification_failed",
        counted=False,
        strikes_before=state.strikes,
        strikes_after=state.strikes,
        crisis_mode=state.crisis_mode,
        end_reason=None,
        category=None,
        state=after,
    )
