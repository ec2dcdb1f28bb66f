from django import template

register = template.Library()


@register.filter
def hours_until(moment, now) -> float:
    """Hours from `now` to `moment` (negative when past)."""
    if not moment or not now:
        return 0.0
    return (moment - now).total_seconds() / 3600
