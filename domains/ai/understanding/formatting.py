"""Numbers as the user's language writes them: EN "€1,234.56", DE "1.234,56 €"."""

from __future__ import annotations

from typing import Any

CURRENCY_SYMBOLS = {"EUR": "€", "USD": "$", "GBP": "£", "CHF": "CHF"}


def _group(value: float, decimals: int, language: str) -> str:
    text = f"{value:,.{decimals}f}"  # 1,234.56
    if language == "de":
        text = text.replace(",", "_").replace(".", ",").replace("_", ".")
    return text


def money(value: Any, language: str, currency: str = "EUR") -> str:
    if value is None:
        return not_available(language)
    amount = float(value)
    symbol = CURRENCY_SYMBOLS.get(currency.upper(), currency.upper())
    sign = "-" if amount < 0 else ""
    digits = _group(abs(amount), 2, language)
    if language == "de":
        return f"{sign}{digits} {symbol}"
    if len(symbol) > 1:
        return f"{sign}{symbol} {digits}"
    return f"{sign}{symbol}{digits}"


def count(value: Any, language: str) -> str:
    if value is None:
        return not_available(language)
    return _group(float(value), 0, language)


def number(value: Any, language: str, decimals: int = 1) -> str:
    if value is None:
        return not_available(language)
    return _group(float(value), decimals, language)


def percent(value: Any, language: str) -> str:
    if value is None:
        return not_available(language)
    digits = _group(float(value), 2, language)
    return f"{digits} %" if language == "de" else f"{digits}%"


def not_available(language: str) -> str:
    return "nicht verfügbar" if language == "de" else "not available"


def table(headers: list[str], rows: list[list[str]]) -> str:
    """A compact markdown table."""
    lines = ["| " + " | ".join(headers) + " |", "|" + "|".join(" --- " for _ in headers) + "|"]
    for row in rows:
        lines.append("| " + " | ".join(cell.replace("|", "/") for cell in row) + " |")
    return "\n".join(lines)
