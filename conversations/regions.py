"""Which crisis resources come first for a person: those of the regions their browser names
(Accept-Language "de-AT" -> Austria), then those of the regions where their language is spoken.
The page sorts the resources of a reply by these hints (static/conversations/crisis.js)."""

from __future__ import annotations

# Names as they appear in the `region` of a crisis resource (admins write them in English).
COUNTRY_REGIONS: dict[str, tuple[str, ...]] = {
    "us": ("United States",),
    "ca": ("Canada",),
    "gb": ("United Kingdom",),
    "uk": ("United Kingdom",),
    "ie": ("Ireland",),
    "au": ("Australia",),
    "nz": ("New Zealand",),
    "de": ("Germany",),
    "at": ("Austria",),
    "ch": ("Switzerland",),
    "fr": ("France",),
    "be": ("Belgium",),
    "es": ("Spain",),
    "mx": ("Mexico",),
    "ar": ("Argentina",),
    "it": ("Italy",),
    "pt": ("Portugal",),
    "br": ("Brazil",),
    "nl": ("Netherlands",),
    "pl": ("Poland",),
    "tr": ("Turkey", "Türkiye"),
}
LANGUAGE_REGIONS: dict[str, tuple[str, ...]] = {
    "en": ("United States", "United Kingdom", "Ireland", "Canada", "Australia", "New Zealand"),
    "de": ("Germany", "Austria", "Switzerland"),
    "fr": ("France", "Belgium", "Switzerland", "Canada"),
    "es": ("Spain", "Mexico", "Argentina"),
    "it": ("Italy", "Switzerland"),
    "pt": ("Portugal", "Brazil"),
    "nl": ("Netherlands", "Belgium"),
    "pl": ("Poland",),
    "tr": ("Turkey", "Türkiye"),
}
MAX_TAGS = 8


def hints(accept_language: str, language: str) -> list[str]:
    """Region names, most relevant first, without repeats."""
    ordered: list[str] = []
    for part in accept_language.split(",")[:MAX_TAGS]:
        tag = part.split(";")[0].strip().lower().replace("_", "-")
        subtags = tag.split("-")
        if len(subtags) > 1:
            ordered.extend(COUNTRY_REGIONS.get(subtags[-1], ()))
    ordered.extend(LANGUAGE_REGIONS.get(language.split("-")[0], ()))
    return list(dict.fromkeys(ordered))
