"""Shoe sizes: US sizes as stored ("10", "10.5"), EU sizes converted by a standard chart.

docs/domain.md: a size is a US size; an EU size ("EU 44", "Größe 44" when no US size that
large exists) converts by the brand's standard chart and the answer says which US size it used.
Charts: Nike/Jordan men's (the default), adidas/Yeezy (thirds), New Balance.
"""

from __future__ import annotations

# EU -> US men's
_NIKE = {
    38.5: 6,
    39: 6.5,
    40: 7,
    40.5: 7.5,
    41: 8,
    42: 8.5,
    42.5: 9,
    43: 9.5,
    44: 10,
    44.5: 10.5,
    45: 11,
    45.5: 11.5,
    46: 12,
    47: 12.5,
    47.5: 13,
    48.5: 14,
}
_ADIDAS = {
    39.3: 6.5,
    40: 7,
    40.7: 7.5,
    41.3: 8,
    42: 8.5,
    42.7: 9,
    43.3: 9.5,
    44: 10,
    44.7: 10.5,
    45.3: 11,
    46: 11.5,
    46.7: 12,
    47.3: 12.5,
    48: 13,
}
_NEW_BALANCE = {
    40: 7,
    40.5: 7.5,
    41.5: 8,
    42: 8.5,
    42.5: 9,
    43: 9.5,
    44: 10,
    44.5: 10.5,
    45: 11,
    45.5: 11.5,
    46.5: 12,
    47: 12.5,
    47.5: 13,
}
CHARTS = {"adidas": _ADIDAS, "yeezy": _ADIDAS, "new balance": _NEW_BALANCE}
MAX_US = 18.0


def is_us_size(value: float) -> bool:
    return 3 <= value <= MAX_US and (value * 2) == int(value * 2)


def size_label(value: float) -> str:
    return str(int(value)) if value == int(value) else f"{value:g}"


def eu_to_us(eu: float, *, brand: str | None) -> float | None:
    """The US size of an EU size on the brand's chart (Nike's by default); None if off the chart."""
    chart = CHARTS.get((brand or "").lower(), _NIKE)
    for eu_size, us in chart.items():
        if abs(eu_size - eu) < 0.2:
            return float(us)
    return None
