from typing import Any

from django_tasks import task

from fangyi.supplies.services import reconcile


@task()
def reconcile_task() -> dict[str, Any]:
    """Check every stock balance against its ledger; the mismatches are stored and logged."""
    run = reconcile()
    return {"id": run.pk, "balances_checked": run.balances_checked, "mismatches": len(run.mismatches)}
