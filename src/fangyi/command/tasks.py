from typing import Any

from django_tasks import task

from fangyi.command.services import directives_escalate, sitreps_generate_daily


@task()
def directives_escalate_task() -> int:
    return directives_escalate()


@task()
def command_daily_task() -> dict[str, Any]:
    """The daily round: escalate overdue targets, then archive the day's situation reports."""
    escalated = directives_escalate()
    sitreps = sitreps_generate_daily()
    return {"escalated": escalated, "sitreps": len(sitreps)}
