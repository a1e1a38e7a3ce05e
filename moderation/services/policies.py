"""Policy versions: exactly one is active (a database constraint backs it)."""

from __future__ import annotations

from moderation.models import PolicyVersion
from moderation.policy import PolicySettings


def policy_active() -> tuple[int, PolicySettings]:
    """The active version's number and settings. Falls back to the defaults (version 0) only if
    the migration that creates version 1 has not run."""
    version = PolicyVersion.objects.filter(status=PolicyVersion.Status.ACTIVE).only("number", "settings").first()
    if version is None:
        return 0, PolicySettings()
    return version.number, PolicySettings.from_dict(version.settings)
