"""Masking rules for personal data shown on screen, in exports and in public disclosures."""


def mask_id_number(value: str) -> str:
    """4101**********1234: first four and last four characters kept."""
    if not value:
        return ""
    if len(value) <= 8:
        return "*" * len(value)
    return value[:4] + "*" * (len(value) - 8) + value[-4:]


def mask_phone(value: str) -> str:
    """138****5678 for mobiles; other numbers keep only their last four digits."""
    if not value:
        return ""
    if len(value) == 11:
        return value[:3] + "****" + value[-4:]
    if len(value) <= 4:
        return "*" * len(value)
    return "*" * (len(value) - 4) + value[-4:]


def mask_name(value: str) -> str:
    """张*明 / 李* : the surname and (for three or more characters) the last character stay."""
    if not value:
        return ""
    if len(value) == 1:
        return value
    if len(value) == 2:
        return value[0] + "*"
    return value[0] + "*" * (len(value) - 2) + value[-1]
