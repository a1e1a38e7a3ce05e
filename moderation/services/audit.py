from __future__ import annotations

from moderation.models import AuditEvent


def audit_record(*, actor, action: str, target=None, target_type: str = "", target_id: str = "", **data) -> AuditEvent:
    """Append one audit row. `actor` None means the system (an automatic ending)."""
    if target is not None:
        target_type = target_type or type(target).__name__.lower()
        target_id = target_id or str(target.pk)
    return AuditEvent.objects.create(
        actor=actor if getattr(actor, "pk", None) else None,
        action=action,
        target_type=target_type,
        target_id=str(target_id),
        data=data,
    )
