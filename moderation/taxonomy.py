"""The harm taxonomy (DESIGN 3): the one vocabulary shared by classifiers, policy, console and docs."""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum


class Severity(IntEnum):
    NONE = 0
    LOW = 1  # edgy but fine
    MODERATE = 2  # should be refused
    HIGH = 3  # clearly harmful request
    SEVERE = 4  # extreme: sexual content involving minors, operational help for mass casualties


@dataclass(frozen=True)
class Category:
    name: str
    label: str
    description: str
    counts_by_default: bool = False
    crisis: bool = False


CATEGORIES: tuple[Category, ...] = (
    Category(
        "sexual_minors",
        "Sexual content involving minors",
        "Any sexualisation of minors, including fiction and role-play.",
        counts_by_default=True,
    ),
    Category(
        "violent_extremism",
        "Violent extremism",
        "Terrorism, mass violence, attack planning, praise or recruitment for violent groups.",
        counts_by_default=True,
    ),
    Category(
        "cbrn",
        "CBRN weapons",
        "Chemical, biological, radiological or nuclear weapons: synthesis, acquisition, weaponisation.",
        counts_by_default=True,
    ),
    Category(
        "cyber_attack",
        "Cyber attack",
        "Malware, exploits and intrusion into systems the user does not own.",
        counts_by_default=True,
    ),
    Category(
        "abuse",
        "Abuse of the assistant",
        "Harassment, threats and degrading abuse aimed at the assistant.",
        counts_by_default=True,
    ),
    Category(
        "self_harm",
        "Self-harm risk",
        "The user may hurt themselves. Never counts: crisis support instead.",
        crisis=True,
    ),
    Category(
        "threat_to_others",
        "Threat to others",
        "The user intends to hurt a specific person. Never counts: crisis support instead.",
        crisis=True,
    ),
    Category("violent_crime", "Violent crime", "Help with assault, murder, kidnapping and similar crimes."),
    Category("weapons", "Weapons", "Illegal acquisition, manufacture or modification of conventional weapons."),
    Category("hate", "Hate", "Demeaning or dehumanising content about protected groups."),
    Category("sexual_adult", "Adult sexual content", "Explicit sexual content between adults."),
    Category(
        "nonviolent_crime",
        "Non-violent crime",
        "Fraud, theft, drugs, scams, evasion of law enforcement.",
    ),
    Category("privacy", "Privacy", "Doxxing, stalking, surveillance of private individuals."),
    Category("other", "Other harm", "Misinformation, dangerous advice and other harms."),
)

BY_NAME: dict[str, Category] = {c.name: c for c in CATEGORIES}
NAMES: tuple[str, ...] = tuple(c.name for c in CATEGORIES)
COUNTED_BY_DEFAULT: tuple[str, ...] = tuple(c.name for c in CATEGORIES if c.counts_by_default)
CRISIS_CATEGORIES: tuple[str, ...] = tuple(c.name for c in CATEGORIES if c.crisis)
NONE = "none"  # the top category of a verdict with severity 0

CATEGORY_CHOICES = [(NONE, "None")] + [(c.name, c.label) for c in CATEGORIES]
SEVERITY_CHOICES = [(int(s), s.name.lower()) for s in Severity]

# DESIGN 7: a row is "flagged" at severity >= 2 in any category, "crisis" at >= 2 in a crisis category.
FLAG_SEVERITY = Severity.MODERATE
CRISIS_SEVERITY = Severity.MODERATE


def label(name: str) -> str:
    category = BY_NAME.get(name)
    return category.label if category else "None"
