"""What an insight says, in English and German: headline, explanation and follow-up question.

Templates are filled from an insight's figures only, so the words can never state a number the
figures do not carry. Follow-up questions are phrased the way the assistant reads them.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from domains.insights.schemas import Language

METRIC_NAMES: dict[Language, dict[str, str]] = {
    "en": {"orders": "Pairs sold", "revenue": "Revenue", "profit": "Profit"},
    "de": {"orders": "Verkaufte Paare", "revenue": "Umsatz", "profit": "Gewinn"},
}


def amount(value: Decimal | str, language: Language) -> str:
    """1,234.50 (en) / 1.234,50 (de)."""
    text = f"{Decimal(value):,.2f}"
    if language == "de":
        text = text.replace(",", "_").replace(".", ",").replace("_", ".")
    return text


def money(value: Decimal | str, currency: str, language: Language) -> str:
    return f"{amount(value, language)} {currency}"


def number(value: float, language: Language) -> str:
    text = f"{value:,.1f}".removesuffix(".0")
    if language == "de":
        text = text.replace(",", "_").replace(".", ",").replace("_", ".")
    return text


# type -> language -> (headline, explanation, follow-up); filled with str.format(**words).
TEMPLATES: dict[str, dict[Language, tuple[str, str, str]]] = {
    "dead_stock_crossed": {
        "en": (
            "{units} {pairs} crossed {threshold} days since the last digest ({value})",
            "{units} {pairs} in inventory passed your dead-stock line of {threshold} days in the last "
            "{days} day(s); they cost {value}. Dead stock now stands at {total_units} {total_pairs} worth "
            "{total_value}. Consider repricing or moving them before they age further.",
            "Which pairs are older than {threshold} days?",
        ),
        "de": (
            "{units} {pairs} haben seit dem letzten Bericht {threshold} Tage überschritten ({value})",
            "{units} {pairs} im Bestand haben in den letzten {days} Tag(en) deine Ladenhüter-Grenze von "
            "{threshold} Tagen überschritten; Einkaufswert {value}. Ladenhüter jetzt: {total_units} "
            "{total_pairs} im Wert von {total_value}. Preise anpassen oder abverkaufen, bevor sie weiter altern.",
            "Welche Paare sind älter als {threshold} Tage?",
        ),
    },
    "listing_above_market": {
        "en": (
            "{units} listed {pairs} priced over {pct}% above the lowest ask",
            "{units} {listings} (listed at {value} in total) ask more than {pct}% over the newest lowest "
            "ask on their platform, {gap} above it altogether. Buyers see cheaper pairs first; "
            "bring these prices nearer the market or expect them to sit.",
            "What is the market price of {product} in size {size}?",
        ),
        "de": (
            "{units} gelistete {pairs} liegen über {pct}% über dem niedrigsten Angebot",
            "{units} {listings} (zusammen {value}) verlangen mehr als {pct}% über dem neuesten "
            "niedrigsten Angebot ihrer Plattform, insgesamt {gap} darüber. Käufer sehen günstigere "
            "Paare zuerst; Preise an den Markt annähern oder mit langer Standzeit rechnen.",
            "Was ist der Marktpreis von {product} in Größe {size}?",
        ),
    },
    "listing_below_cost": {
        "en": (
            "{units} listed {pairs} would sell at a loss after fees ({gap})",
            "{units} {listings} pay out less than the pair cost once the platform's fees are taken; "
            "selling all of them would lose {gap} on {value} of listings. Raise the price or list "
            "them where the fees are lower.",
            "What are the fees for selling at {price} on {platform}?",
        ),
        "de": (
            "{units} gelistete {pairs} würden nach Gebühren mit Verlust verkaufen ({gap})",
            "{units} {listings} zahlen nach den Plattformgebühren weniger aus, als das Paar gekostet hat; "
            "alle zu verkaufen hieße {gap} Verlust bei {value} Angebotswert. Preis erhöhen oder dort "
            "listen, wo die Gebühren niedriger sind.",
            "Wie hoch sind die Gebühren bei einem Verkauf für {price} auf {platform}?",
        ),
    },
    "underwater_stock": {
        "en": (
            "Underwater: {units} {pairs} fetch {gap} less on the market than they cost",
            "For {units} {pairs} in inventory (cost {value}) even the best current market price, after "
            "that platform's fees, is below the purchase price, {gap} short altogether. Decide "
            "whether to hold for a recovery or cut the loss.",
            "What is the market price of {product} in size {size}?",
        ),
        "de": (
            "{units} {pairs} sind unter Wasser: der Markt zahlt {gap} weniger, als sie gekostet haben",
            "Bei {units} {pairs_dative} im Bestand (Einkauf {value}) liegt selbst der beste aktuelle Marktpreis "
            "nach den Gebühren der Plattform unter dem Einkaufspreis, zusammen {gap} darunter. "
            "Entscheiden: auf Erholung warten oder den Verlust begrenzen.",
            "Was ist der Marktpreis von {product} in Größe {size}?",
        ),
    },
    "sales_vs_baseline": {
        "en": (
            "{metric} of the last 7 days {direction} {change}% against the usual week",
            "{metric} in the last 7 full days ({start} to {end}): {current}; the median of the same "
            "7 days in the 8 weeks before: {baseline} ({change_signed}%). Flagged because the change "
            "passes {threshold}%.",
            "{question}",
        ),
        "de": (
            "{metric} der letzten 7 Tage {direction} {change}% gegenüber einer üblichen Woche",
            "{metric} in den letzten 7 vollen Tagen ({start} bis {end}): {current}; Median derselben "
            "7 Tage in den 8 Wochen davor: {baseline} ({change_signed}%). Gemeldet, weil die Änderung "
            "{threshold}% übersteigt.",
            "{question}",
        ),
    },
    "best_sellers_low_stock": {
        "en": (
            "{count} {sellers} running low: {names}",
            "{count} of your top {top} products by pairs sold in the last 90 days have at most one "
            "pair left in inventory ({names}). Restock them before the sales stop.",
            "Which products are low on stock?",
        ),
        "de": (
            "{count} {sellers} knapp: {names}",
            "{count} deiner {top} meistverkauften Produkte der letzten 90 Tage haben höchstens noch "
            "ein Paar im Bestand ({names}). Nachkaufen, bevor die Verkäufe stoppen.",
            "Welche Produkte sind knapp im Bestand?",
        ),
    },
    "fee_change_soon": {
        "en": (
            "{platform} fees change on {date} (in {days} days)",
            "From {date} {platform} charges {new_pct}% commission + {new_processing}% processing + "
            "{new_fixed} fixed (now {old_pct}% + {old_processing}% + {old_fixed}). Listings there "
            "{effect}.",
            "What are the fees for selling at 200 on {platform}?",
        ),
        "de": (
            "{platform}-Gebühren ändern sich am {date} (in {days} Tagen)",
            "Ab {date} berechnet {platform} {new_pct}% Provision + {new_processing}% Zahlungsgebühr + "
            "{new_fixed} fix (jetzt {old_pct}% + {old_processing}% + {old_fixed}). Angebote dort "
            "{effect}.",
            "Wie hoch sind die Gebühren bei einem Verkauf für 200 auf {platform}?",
        ),
    },
}

# The assistant's reading of "last 7 days" (docs/domain.md windows) for each baseline metric.
BASELINE_QUESTIONS: dict[Language, dict[str, str]] = {
    "en": {
        "orders": "How many pairs did I sell in the last 7 days?",
        "revenue": "What was my revenue in the last 7 days?",
        "profit": "What was my profit in the last 7 days?",
    },
    "de": {
        "orders": "Wie viele Paare habe ich in den letzten 7 Tagen verkauft?",
        "revenue": "Wie hoch war mein Umsatz in den letzten 7 Tagen?",
        "profit": "Wie hoch war mein Gewinn in den letzten 7 Tagen?",
    },
}

DIRECTION: dict[Language, dict[bool, str]] = {
    "en": {True: "up", False: "down"},
    "de": {True: "plus", False: "minus"},
}
FEE_EFFECT: dict[Language, dict[bool, str]] = {
    "en": {True: "pay out less: check their prices", False: "pay out more"},
    "de": {True: "zahlen weniger aus: Preise prüfen", False: "zahlen mehr aus"},
}


NOUNS: dict[str, dict[Language, tuple[str, str]]] = {
    "pairs": {"en": ("pair", "pairs"), "de": ("Paar", "Paare")},
    "pairs_dative": {"en": ("pair", "pairs"), "de": ("Paar", "Paaren")},
    "listings": {"en": ("listing", "listings"), "de": ("Angebot", "Angebote")},
    "sellers": {"en": ("best seller is", "best sellers are"), "de": ("Bestseller wird", "Bestseller werden")},
}
COUNTED_BY = {"pairs": "units", "pairs_dative": "units", "listings": "units", "sellers": "count"}


def render(kind: str, language: Language, **words: Any) -> tuple[str, str, str]:
    """The insight's three texts; nouns agree with their numbers ("1 pair", "2 pairs")."""
    for noun, counter in (*COUNTED_BY.items(), ("total_pairs", "total_units")):
        if counter in words:
            singular, plural = NOUNS[noun.removeprefix("total_")][language]
            words.setdefault(noun, singular if words[counter] == 1 else plural)
    headline, explanation, follow_up = TEMPLATES[kind][language]
    return headline.format(**words), explanation.format(**words), follow_up.format(**words)
