from typing import Any

from django.db import models

from fangyi.core.models import AuditEvent


def audit_record(
    *,
    actor: Any,
    action: str,
    obj: models.Model,
    region_path: str = "",
    reason: str = "",
    data: dict[str, Any] | None = None,
) -> AuditEvent:
    """Append an audit event. Call inside the service's transaction so both commit or neither."""
    return AuditEvent.objects.create(
        actor=actor if getattr(actor, "pk", None) else None,
        action=action,
        object_type=obj._meta.label_lower,
        object_id=str(obj.pk),
        region_path=region_path,
        reason=reason,
        data=data or {},
    )
