"""Plain validation rules shared by the forms and the services."""


def ascii_digits(value: str) -> bool:
    """Only 0-9: `str.isdigit` also accepts "²" and Arabic-Indic digits, which Cdiscount refuses."""
    return value.isascii() and value.isdigit()
