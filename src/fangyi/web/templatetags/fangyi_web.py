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
