from django import template

register = template.Library()


@register.filter
def figure(value: object) -> str:
    """A count with thousands grouped by commas (as official statistics print them), "—" if unknown."""
    if value is None or value == "":
        return "—"
    try:
        return f"{int(str(value)):,}"
    except ValueError:
        return str(value)


@register.filter
def percent(rate: float | None) -> str:
    """A rate (0..1) as a percentage to one decimal ("99.6%"), "—" if unknown."""
    return "—" if rate is None or rate == "" else f"{float(rate):.1%}"


@register.filter
def can(user: object, capability: str) -> bool:
    """Does the user hold `capability` anywhere? Decides which navigation links to show."""
    prefixes_for = getattr(user, "prefixes_for", None)
    return bool(prefixes_for and prefixes_for(capability))
