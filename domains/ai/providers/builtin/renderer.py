"""Tool results -> a short answer in the user's language. Every figure comes from a tool result."""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from typing import Any

from domains.ai.providers.base import ToolResult
from domains.ai.providers.builtin import formatting as fmt
from domains.ai.providers.builtin.lexicon import PLATFORM_NAMES
from domains.ai.providers.builtin.parser import Query
from domains.ai.providers.builtin.planner import Outcome
from domains.ai.providers.builtin.timeframes import WindowSpec

SUGGESTIONS: dict[str, list[str]] = {
    "en": [
        "How much profit did I make last month?",
        "Which pairs are dead stock?",
        "What were my best sellers this year?",
    ],
    "de": [
        "Wie viel Gewinn habe ich letzten Monat gemacht?",
        "Welche Paare sind Ladenhüter?",
        "Was waren dieses Jahr meine Bestseller?",
    ],
}
MAX_ROWS = 10


@dataclass(frozen=True, slots=True)
class Answer:
    text: str
    suggestions: list[str]


class Renderer:
    def __init__(self, *, language: str, currency: str) -> None:
        self.lang = language
        self.currency = currency

    # --- small helpers ------------------------------------------------------------------------
    def t(self, en: str, de: str) -> str:
        return de if self.lang == "de" else en

    def money(self, value: Any) -> str:
        return fmt.money(value, self.lang, self.currency)

    def count(self, value: Any) -> str:
        return fmt.count(value, self.lang)

    def pct(self, value: Any) -> str:
        return fmt.percent(value, self.lang)

    def size(self, value: Any) -> str:
        """A shoe size as the language writes it: '10.5' / 'Größe 10,5' (EU/UK labels unchanged)."""
        text = "" if value is None else str(value)
        return re.sub(r"(?<=\d)\.(?=\d)", ",", text) if self.lang == "de" else text

    def num(self, value: Any, decimals: int = 1) -> str:
        return fmt.number(value, self.lang, decimals)

    def label(self, window: WindowSpec | None) -> str:
        return window.label(self.lang) if window else self.t("the last 30 days", "den letzten 30 Tagen")

    def during(self, window: WindowSpec | None) -> str:
        """The window as a time adverbial: 'this month', 'in the last 30 days' / 'diesen Monat', 'im März 2025'."""
        label = self.label(window)
        period = window.period if window else "last_n_days"
        if period == "last_n_days":
            return self.t(f"in {label}", f"in {label}")
        if period == "custom":
            return self.t(f"in {label}", f"im {label}" if not label[:1].isdigit() else f"in {label}")
        if period == "all_time":
            return self.t("of all time", "insgesamt")
        return label

    def platform(self, code: Any) -> str:
        return PLATFORM_NAMES.get(str(code), str(code))

    def scope(self, query: Query, *, platform: bool = True) -> str:
        parts = []
        if query.brand:
            parts.append(query.brand)
        if platform and query.platform:
            parts.append(self.t("on ", "auf ") + self.platform(query.platform))
        return f" ({', '.join(parts)})" if parts else ""

    def failed(self, result: ToolResult | None) -> str | None:
        if result is None:
            return self.t(
                "I couldn't tell which product you mean — name it (e.g. 'Jordan 1 Chicago') or give the SKU.",
                "Ich konnte nicht erkennen, welches Produkt du meinst — nenne es (z. B. 'Jordan 1 Chicago') oder die SKU.",
            )
        if result.error:
            return self.t("I couldn't get that: ", "Das konnte ich nicht abrufen: ") + result.error
        return None

    # --- entry point -----------------------------------------------------------------------------
    def render(self, query: Query, outcome: Outcome, *, facts_saved: list[dict[str, Any]]) -> Answer:
        handler = getattr(self, f"_{query.action}", None)
        if query.action in {"greeting", "help"}:
            return Answer(self._greeting(query), SUGGESTIONS[self.lang])
        if query.action == "remember":
            return Answer(self._remember(facts_saved), [])
        if handler is None or query.action == "unknown":
            return self.not_understood()
        main = outcome.results.get("main")
        problem = self.failed(main)
        if problem:
            return Answer(problem, SUGGESTIONS[self.lang])
        text = handler(query, outcome)
        if query.size and query.intent == "analytics" and query.action != "list_orders":
            # sales figures have no size filter: say so instead of passing all sizes off as one
            text = (
                self.t(
                    f"(Sales figures can't be filtered by size yet, so these cover all sizes, not only size {query.size}.)",
                    f"(Verkaufszahlen lassen sich noch nicht nach Größe filtern, das sind alle Größen, nicht nur Größe {query.size}.)",
                )
                + "\n\n"
                + text
            )
        unmatched = query.extra.get("unmatched_product")
        if unmatched:
            text = (
                self.t(
                    f"(No product matches '{unmatched}', so this is the answer without a product filter.)",
                    f"(Kein Produkt passt zu '{unmatched}', daher die Antwort ohne Produktfilter.)",
                )
                + "\n\n"
                + text
            )
        return Answer(text, [])

    def not_understood(self) -> Answer:
        text = self.t(
            "Sorry, I didn't understand that. I can answer questions about your inventory, sales, "
            "profit, dead stock, best sellers, market prices and fees. For example:",
            "Das habe ich leider nicht verstanden. Ich beantworte Fragen zu Bestand, Umsatz, Gewinn, "
            "Ladenhütern, Bestsellern, Marktpreisen und Gebühren. Zum Beispiel:",
        )
        suggestions = SUGGESTIONS[self.lang]
        return Answer(text + "\n" + "\n".join(f"- {s}" for s in suggestions), suggestions)

    # --- general -----------------------------------------------------------------------------------
    def _greeting(self, query: Query) -> str:
        intro = self.t(
            "Hi! I'm the SoleFlip assistant. Ask me about your stock, sales, profit, dead stock, "
            "best sellers, market prices or platform fees — in English or German.",
            "Hallo! Ich bin der SoleFlip-Assistent. Frag mich nach Bestand, Umsatz, Gewinn, Ladenhütern, "
            "Bestsellern, Marktpreisen oder Plattformgebühren — auf Deutsch oder Englisch.",
        )
        return intro + "\n" + "\n".join(f"- {s}" for s in SUGGESTIONS[self.lang])

    def _remember(self, facts_saved: list[dict[str, Any]]) -> str:
        if not facts_saved:
            return self.t(
                'I couldn\'t turn that into a setting. Try e.g. "From now on pairs older than 45 days count as dead stock."',
                "Daraus konnte ich keine Einstellung machen. Versuch z. B. „Ab jetzt gelten Paare über 45 Tage als Ladenhüter.“",
            )
        lines = [self._fact_line(fact) for fact in facts_saved]
        return "\n".join(lines)

    def _fact_line(self, fact: dict[str, Any]) -> str:
        kind, value = fact.get("kind"), fact.get("value")
        if kind == "dead_stock_threshold":
            return self.t(
                f"Noted — from now on pairs older than {value} days count as dead stock.",
                f"Notiert — ab jetzt gelten Paare, die älter als {value} Tage sind, als Ladenhüter.",
            )
        if kind == "target_margin":
            return self.t(
                f"Noted — I'll aim for a {self.pct(value)} margin in price recommendations.",
                f"Notiert — bei Preisempfehlungen peile ich {self.pct(value)} Marge an.",
            )
        if kind == "preferred_platform":
            return self.t(
                f"Noted — {self.platform(value)} is your default platform from now on.",
                f"Notiert — {self.platform(value)} ist ab jetzt deine Standard-Plattform.",
            )
        text = fact.get("text") or value
        return self.t(f"Noted — {text}.", f"Notiert — {text}.")

    # --- inventory ------------------------------------------------------------------------------
    def _inventory_summary(self, query: Query, outcome: Outcome) -> str:
        d = outcome.results["main"].data
        scope = self.scope(query, platform=False)
        if query.extra.get("value_asked") and not re.search(
            r"\b(?:how many|wie ?viele)\b", str(query.extra.get("text", ""))
        ):
            text = self.t(
                f"Your inventory{scope} is worth **{self.money(d['inventory_value'])}** at cost: "
                f"{self.count(d['units_in_inventory'])} pairs ({self.count(d['in_stock_units'])} in stock, "
                f"{self.count(d['listed_units'])} listed). Dead stock (older than {d['dead_stock_days']} days): "
                f"{self.count(d['dead_stock_units'])} pairs, {self.money(d['dead_stock_value'])}.",
                f"Dein Bestand{scope} ist **{self.money(d['inventory_value'])}** wert (Einkauf): "
                f"{self.count(d['units_in_inventory'])} Paare ({self.count(d['in_stock_units'])} auf Lager, "
                f"{self.count(d['listed_units'])} gelistet). Ladenhüter (älter als {d['dead_stock_days']} Tage): "
                f"{self.count(d['dead_stock_units'])} Paare, {self.money(d['dead_stock_value'])}.",
            )
            return text + self._brand_table(query, d)
        text = self.t(
            f"You have **{self.count(d['units_in_inventory'])} pairs** in inventory{scope}, worth "
            f"**{self.money(d['inventory_value'])}** at cost ({self.count(d['in_stock_units'])} in stock, "
            f"{self.count(d['listed_units'])} listed). Dead stock (older than {d['dead_stock_days']} days): "
            f"{self.count(d['dead_stock_units'])} pairs, {self.money(d['dead_stock_value'])}.",
            f"Du hast **{self.count(d['units_in_inventory'])} Paare** im Bestand{scope}, Einkaufswert "
            f"**{self.money(d['inventory_value'])}** ({self.count(d['in_stock_units'])} auf Lager, "
            f"{self.count(d['listed_units'])} gelistet). Ladenhüter (älter als {d['dead_stock_days']} Tage): "
            f"{self.count(d['dead_stock_units'])} Paare, {self.money(d['dead_stock_value'])}.",
        )
        return text + self._brand_table(query, d)

    def _brand_table(self, query: Query, d: dict[str, Any]) -> str:
        brands = d.get("by_brand") or []
        if not brands or query.brand:
            return ""
        rows = [[b["brand"], self.count(b["units"]), self.money(b["value"])] for b in brands[:MAX_ROWS]]
        return "\n\n" + fmt.table(
            [self.t("Brand", "Marke"), self.t("Pairs", "Paare"), self.t("Value", "Wert")], rows
        )

    def _item_rows(self, items: list[dict[str, Any]]) -> str:
        headers = [
            self.t("Product", "Produkt"),
            "SKU",
            self.t("Size", "Größe"),
            self.t("Age", "Alter"),
            self.t("Cost", "Einkauf"),
            "Status",
        ]
        rows = [
            [
                str(i.get("product_name", "")),
                str(i.get("sku", "")),
                self.size(i.get("size", "")),
                self.t(f"{i.get('age_days')} d", f"{i.get('age_days')} T"),
                self.money(i.get("purchase_price")),
                self._status(i),
            ]
            for i in items[:MAX_ROWS]
        ]
        return fmt.table(headers, rows)

    def _status(self, item: dict[str, Any]) -> str:
        if item.get("status") == "listed":
            price = self.money(item["listed_price"]) if item.get("listed_price") is not None else ""
            where = self.platform(item.get("listed_platform")) if item.get("listed_platform") else ""
            return (
                self.t("listed", "gelistet")
                + (f" {price}" if price else "")
                + (f" ({where})" if where else "")
            )
        return self.t("in stock", "auf Lager")

    def _list_inventory(self, query: Query, outcome: Outcome) -> str:
        d = outcome.results["main"].data
        total, items = d["total"], d.get("items") or []
        filters = self._describe_filters(query)
        if total == 0:
            return self.t(
                f"No pairs in inventory match{filters}.", f"Keine Paare im Bestand passen{filters}."
            )
        text = self.t(
            f"**{self.count(total)} pairs** in inventory match{filters}.",
            f"**{self.count(total)} Paare** im Bestand passen{filters}.",
        )
        if total > len(items[:MAX_ROWS]):
            text += self.t(f" The first {len(items[:MAX_ROWS])}:", f" Die ersten {len(items[:MAX_ROWS])}:")
        return text + "\n\n" + self._item_rows(items)

    def _describe_filters(self, query: Query) -> str:
        parts = []
        if query.brand:
            parts.append(query.brand)
        if query.product_query:
            parts.append(f"'{query.product_query}'")
        if query.size:
            parts.append(self.t(f"size {query.size}", f"Größe {self.size(query.size)}"))
        if query.min_age_days is not None:
            parts.append(
                self.t(f"older than {query.min_age_days} days", f"älter als {query.min_age_days} Tage")
            )
        if query.min_price is not None:
            parts.append(
                self.t(
                    f"cost over {self.money(query.min_price)}", f"Einkauf über {self.money(query.min_price)}"
                )
            )
        if query.max_price is not None:
            parts.append(
                self.t(
                    f"cost under {self.money(query.max_price)}",
                    f"Einkauf unter {self.money(query.max_price)}",
                )
            )
        if query.max_age_days is not None:
            parts.append(
                self.t(f"younger than {query.max_age_days} days", f"jünger als {query.max_age_days} Tage")
            )
        if query.condition:
            parts.append(self.t(query.condition, "gebraucht" if query.condition == "used" else "neu"))
        if query.status:
            status = self.t(
                query.status.replace("_", " "), "gelistet" if query.status == "listed" else "auf Lager"
            )
            if query.status == "listed" and query.platform:
                status += self.t(" on ", " auf ") + self.platform(query.platform)
            parts.append(status)
        elif query.platform:
            parts.append(self.t("listed on ", "gelistet auf ") + self.platform(query.platform))
        return (" (" + ", ".join(parts) + ")") if parts else ""

    def _dead_stock(self, query: Query, outcome: Outcome) -> str:
        d = outcome.results["main"].data
        days, units, value = d["threshold_days"], d["total_units"], d["total_value"]
        scope = self.scope(query, platform=False)
        text = self.t(
            f"**{self.count(units)} pairs** are dead stock{scope} (older than {days} days), "
            f"**{self.money(value)}** tied up at cost.",
            f"**{self.count(units)} Paare** sind Ladenhüter{scope} (älter als {days} Tage), "
            f"**{self.money(value)}** Einkaufswert gebunden.",
        )
        summary = outcome.results.get("summary")
        if summary and not summary.error:
            text += self.t(
                f" Dead stock rate: **{self.pct(summary.data.get('dead_stock_rate_pct'))}** of "
                f"{self.count(summary.data.get('units_in_inventory'))} pairs in inventory.",
                f" Ladenhüter-Quote: **{self.pct(summary.data.get('dead_stock_rate_pct'))}** von "
                f"{self.count(summary.data.get('units_in_inventory'))} Paaren im Bestand.",
            )
        if outcome.results["main"].facts_used:
            text += self.t(" (your threshold)", " (deine Schwelle)")
        items = d.get("items") or []
        if items:
            text += "\n\n" + self.t("Oldest first:", "Die ältesten zuerst:") + "\n\n" + self._item_rows(items)
        return text

    def _aging(self, query: Query, outcome: Outcome) -> str:
        d = outcome.results["main"].data
        rows = [
            [
                self.t(f"{b['label']} days", f"{b['label']} Tage"),
                self.count(b["units"]),
                self.money(b["value"]),
            ]
            for b in d["aging_buckets"]
        ]
        head = self.t(
            f"Age of your {self.count(d['units_in_inventory'])} pairs in inventory{self.scope(query, platform=False)} "
            f"({self.money(d['inventory_value'])}):",
            f"Alter deiner {self.count(d['units_in_inventory'])} Paare im Bestand{self.scope(query, platform=False)} "
            f"({self.money(d['inventory_value'])}):",
        )
        return (
            head
            + "\n\n"
            + fmt.table([self.t("Age", "Alter"), self.t("Pairs", "Paare"), self.t("Value", "Wert")], rows)
        )

    def _low_stock(self, query: Query, outcome: Outcome) -> str:
        d = outcome.results["main"].data
        items = d.get("items") or []
        if not items:
            return self.t(
                "Nothing is running low: every product sold in the last 90 days has 2+ pairs.",
                "Nichts wird knapp: jedes in den letzten 90 Tagen verkaufte Produkt hat 2+ Paare.",
            )
        head = self.t(
            f"**{self.count(d['total'])}** products sold in the last 90 days have at most 1 pair left:",
            f"**{self.count(d['total'])}** in den letzten 90 Tagen verkaufte Produkte haben höchstens 1 Paar übrig:",
        )
        headers = [self.t("Product", "Produkt"), "SKU"]
        by_size = any(i.get("size") for i in items)
        if by_size:
            headers.append(self.t("Size", "Größe"))
        headers += [self.t("Left", "Übrig"), self.t("Sold 90d", "Verkauft 90 T")]
        rows = []
        for i in items[:MAX_ROWS]:
            row = [str(i["name"]), str(i["sku"])]
            if by_size:
                row.append(self.size(i.get("size") or ""))
            row += [self.count(i["units_in_inventory"]), self.count(i["units_sold_90d"])]
            rows.append(row)
        return head + "\n\n" + fmt.table(headers, rows)

    # --- sales -------------------------------------------------------------------------------------
    def kpi_lines(
        self, d: dict[str, Any], metrics: tuple[str, ...], *, mentions_turnover_word: bool = False
    ) -> list[str]:
        m = set(metrics) or {"overview"}
        keyed: list[tuple[str, str]] = []
        key = ""

        def add(en: str, de: str) -> None:
            keyed.append((key, "- " + self.t(en, de)))

        if m & {"revenue", "overview", "aov"} or (m & {"orders"} and len(m) == 1):
            key = "revenue"
            add(f"Revenue: **{self.money(d['revenue'])}**", f"Umsatz: **{self.money(d['revenue'])}**")
        if m & {"orders", "revenue", "overview", "aov", "days_to_sell", "cogs", "sell_through"}:
            key = "orders"
            add(
                f"Orders (pairs sold): **{self.count(d['orders'])}**",
                f"Bestellungen (verkaufte Paare): **{self.count(d['orders'])}**",
            )
        if m & {"profit", "overview", "margin", "roi"}:
            key = "profit"
            add(f"Profit: **{self.money(d['profit'])}**", f"Gewinn: **{self.money(d['profit'])}**")
        if m & {"margin", "overview", "profit"}:
            key = "margin"
            add(f"Margin: **{self.pct(d['margin_pct'])}**", f"Marge: **{self.pct(d['margin_pct'])}**")
        if "margin" in m and "revenue" not in m:
            key = "revenue_context"
            add(f"Revenue: {self.money(d['revenue'])}", f"Umsatz: {self.money(d['revenue'])}")
        if m & {"roi"}:
            key = "roi"
            add(f"ROI: **{self.pct(d['roi_pct'])}**", f"ROI: **{self.pct(d['roi_pct'])}**")
        if m & {"cogs", "roi", "turnover"}:
            key = "cogs"
            add(
                f"COGS (cost of pairs sold): **{self.money(d['cogs'])}**",
                f"Wareneinsatz (Einkauf der verkauften Paare): **{self.money(d['cogs'])}**",
            )
        if "aov" in m:
            key = "aov"
            add(
                f"Average order value: **{self.money(d['avg_order_value'])}**",
                f"Durchschnittlicher Bestellwert: **{self.money(d['avg_order_value'])}**",
            )
        if "sell_through" in m:
            key = "sell_through"
            add(
                f"Sell-through: **{self.pct(d['sell_through_pct'])}** ({self.count(d['units_in_inventory'])} pairs still in inventory)",
                f"Abverkaufsquote: **{self.pct(d['sell_through_pct'])}** ({self.count(d['units_in_inventory'])} Paare noch im Bestand)",
            )
        if "days_to_sell" in m:
            value = d["days_to_sell"]
            shown = (
                self.num(value, 2) + self.t(" days", " Tage")
                if value is not None
                else fmt.not_available(self.lang)
            )
            key = "days_to_sell"
            add(f"Average days to sell: **{shown}**", f"Durchschnittliche Tage bis zum Verkauf: **{shown}**")
        if "turnover" in m:
            value = d["inventory_turnover"]
            shown = self.num(value, 2) if value is not None else fmt.not_available(self.lang)
            note = (
                self.t(" (if you meant inventory turnover)", " (falls du den Lagerumschlag meinst)")
                if mentions_turnover_word
                else ""
            )
            key = "turnover"
            add(f"Inventory turnover: **{shown}**{note}", f"Lagerumschlag: **{shown}**{note}")
        if "dead_stock_rate" in m:
            key = "dead_stock_rate"
            add(
                f"Dead stock rate: **{self.pct(d['dead_stock_rate_pct'])}** ({self.count(d['dead_stock_units'])} pairs)",
                f"Ladenhüter-Quote: **{self.pct(d['dead_stock_rate_pct'])}** ({self.count(d['dead_stock_units'])} Paare)",
            )
        asked = [k for k in metrics if k]
        order = {k: i for i, k in enumerate(asked)}
        keyed.sort(key=lambda kl: order.get(kl[0], len(order)))  # stable: the asked figures first
        return [line for _, line in keyed]

    def _kpis(self, query: Query, outcome: Outcome) -> str:
        d = outcome.results["main"].data
        window = outcome.windows[0] if outcome.windows else query.window
        head = self.t(
            f"{_upper_first(self.label(window))}{self.scope(query)}:",
            f"{self._de_window(window)}{self.scope(query)}:",
        )
        lines = self.kpi_lines(d, query.metrics, mentions_turnover_word=query.mentions_turnover_word)
        return head + "\n" + "\n".join(lines)

    def _de_window(self, window: WindowSpec | None) -> str:
        label = self.label(window)
        if window is None or window.period == "last_n_days":
            return f"In {label}"
        if window.period in {"today", "yesterday", "all_time"}:
            return label.capitalize()
        if window.period == "custom":
            return f"Im Zeitraum {label}"
        return label[0].upper() + label[1:]

    def _compare_periods(self, query: Query, outcome: Outcome) -> str:
        a, b = outcome.results["main"], outcome.results["compare"]
        if b.error:
            return self.failed(b) or ""
        wa, wb = outcome.windows
        metrics = [
            m for m in (query.metrics or ("revenue", "orders", "profit", "margin")) if m in _KPI_FIELDS
        ]
        if not metrics:
            metrics = ["revenue", "orders", "profit", "margin"]
        headers = [
            self.t("Metric", "Kennzahl"),
            self.label(wa),
            self.label(wb),
            self.t("Change", "Veränderung"),
        ]
        rows = []
        for metric in metrics:
            key, kind = _KPI_FIELDS[metric]
            va, vb = a.data.get(key), b.data.get(key)
            rows.append(
                [
                    self._metric_name(metric),
                    self._value(va, kind),
                    self._value(vb, kind),
                    self._change(va, vb, kind),
                ]
            )
        head = self.t(
            f"{_upper_first(self.label(wa))} vs {self.label(wb)}{self.scope(query)}:",
            f"{self.label(wa)[0].upper() + self.label(wa)[1:]} im Vergleich zu {self.label(wb)}{self.scope(query)}:",
        )
        return head + "\n\n" + fmt.table(headers, rows)

    def _compare_brands(self, query: Query, outcome: Outcome) -> str:
        brands = list(query.brands[:4])
        results = [outcome.results["main"]] + [outcome.results[f"brand:{i}"] for i in range(1, len(brands))]
        for result in results:
            if result.error:
                return self.failed(result) or ""
        window = outcome.windows[0]
        metrics = [
            m for m in (query.metrics or ("revenue", "orders", "profit", "margin")) if m in _KPI_FIELDS
        ]
        if not metrics:
            metrics = ["revenue", "orders", "profit", "margin"]
        headers = [self.t("Metric", "Kennzahl"), *brands]
        rows = []
        for metric in metrics:
            key, kind = _KPI_FIELDS[metric]
            rows.append([self._metric_name(metric), *(self._value(r.data.get(key), kind) for r in results)])
        scope = self.scope(replace(query, brand=None))
        head = self.t(
            f"{' vs '.join(brands)}, {self.label(window)}{scope}:",
            f"{' vs. '.join(brands)}, {self.during(window)}{scope}:",
        )
        return head + "\n\n" + fmt.table(headers, rows)

    def _metric_name(self, metric: str) -> str:
        names = {
            "revenue": ("Revenue", "Umsatz"),
            "orders": ("Orders", "Bestellungen"),
            "profit": ("Profit", "Gewinn"),
            "margin": ("Margin", "Marge"),
            "roi": ("ROI", "ROI"),
            "aov": ("Avg order value", "Ø Bestellwert"),
            "cogs": ("COGS", "Wareneinsatz"),
            "sell_through": ("Sell-through", "Abverkaufsquote"),
            "days_to_sell": ("Days to sell", "Tage bis Verkauf"),
            "turnover": ("Inventory turnover", "Lagerumschlag"),
            "dead_stock_rate": ("Dead stock rate", "Ladenhüter-Quote"),
        }
        en, de = names[metric]
        return self.t(en, de)

    def _value(self, value: Any, kind: str) -> str:
        if value is None:
            return fmt.not_available(self.lang)
        if kind == "money":
            return self.money(value)
        if kind == "pct":
            return self.pct(value)
        if kind == "count":
            return self.count(value)
        return self.num(value, 2)

    def _change(self, new: Any, old: Any, kind: str) -> str:
        if new is None or old is None:
            return "–"
        diff = float(new) - float(old)
        sign = "+" if diff > 0 else ""
        if kind == "pct":
            return f"{sign}{self.num(diff, 1)} " + self.t("pts", "Pkt.")
        text = sign + (
            self.money(diff)
            if kind == "money"
            else self.count(diff)
            if kind == "count"
            else self.num(diff, 2 if kind == "ratio" else 1)
        )
        if kind in {"money", "count"} and float(old) != 0:
            text += f" ({sign}{self.pct(diff / float(old) * 100)})"
        return text

    def _platform_rows(self, items: list[dict[str, Any]]) -> str:
        headers = [
            self.t("Platform", "Plattform"),
            self.t("Orders", "Bestellungen"),
            self.t("Revenue", "Umsatz"),
            self.t("Fees", "Gebühren"),
            "Payout",
            self.t("Profit", "Gewinn"),
            self.t("Margin", "Marge"),
        ]
        rows = [
            [
                self.platform(i["platform"]),
                self.count(i["orders"]),
                self.money(i["revenue"]),
                self.money(float(i["platform_fees"]) + float(i["processing_fees"])),
                self.money(i["payout"]),
                self.money(i["profit"]),
                self.pct(i["margin_pct"]),
            ]
            for i in items
        ]
        return fmt.table(headers, rows)

    def _sales_by_platform(self, query: Query, outcome: Outcome) -> str:
        items = outcome.results["main"].data.get("items") or []
        window = outcome.windows[0]
        if not items:
            return self.t(f"No sales in {self.label(window)}.", f"Keine Verkäufe in {self.label(window)}.")
        # lead with the figure the question ranks platforms by (revenue unless another one is named)
        ranked = next((m for m in query.metrics if m in _PLATFORM_RANKS), "revenue")
        en_name, de_name, key = _PLATFORM_RANKS[ranked]
        scored = [(value, i) for i in items if (value := key(i)) is not None]
        top_value, top = max(scored, key=lambda vi: vi[0]) if scored else (None, items[0])
        shown = {
            "revenue": self.money,
            "profit": self.money,
            "orders": self.count,
            "margin": self.pct,
            "aov": self.money,
        }[ranked](top_value)
        head = self.t(
            f"Sales by platform, {self.label(window)}{self.scope(query, platform=False)}. "
            f"{en_name}: **{self.platform(top['platform'])}** ({shown}).",
            f"Verkäufe nach Plattform, {self.label(window)}{self.scope(query, platform=False)}. "
            f"{de_name}: **{self.platform(top['platform'])}** ({shown}).",
        )
        if ranked == "aov":
            head += "\n\n" + "\n".join(
                f"- {self.platform(i['platform'])}: {self.money(v)}"
                for v, i in sorted(scored, key=lambda vi: -vi[0])
            )
        return head + "\n\n" + self._platform_rows(items)

    def _compare_platforms(self, query: Query, outcome: Outcome) -> str:
        items = outcome.results["main"].data.get("items") or []
        window = outcome.windows[0]
        chosen = [i for i in items if i["platform"] in query.platforms]
        missing = [p for p in query.platforms if p not in {i["platform"] for i in chosen}]
        head = self.t(
            f"{' vs '.join(self.platform(p) for p in query.platforms)}, {self.label(window)}{self.scope(query, platform=False)}:",
            f"{' vs. '.join(self.platform(p) for p in query.platforms)}, {self.label(window)}{self.scope(query, platform=False)}:",
        )
        text = head + "\n\n" + (self._platform_rows(chosen) if chosen else "")
        if missing:
            text += "\n" + self.t(
                f"No sales on {', '.join(self.platform(p) for p in missing)} in that period.",
                f"Keine Verkäufe auf {', '.join(self.platform(p) for p in missing)} in diesem Zeitraum.",
            )
        return text.strip()

    def _best_sellers(self, query: Query, outcome: Outcome) -> str:
        d = outcome.results["main"].data
        items = d.get("items") or []
        window = outcome.windows[0]
        if not items:
            return self.t(f"No sales in {self.label(window)}.", f"Keine Verkäufe in {self.label(window)}.")
        by_brand = d.get("by") == "brand"
        first = items[0]
        head = self.t(
            f"Best {'brand' if by_brand else 'seller'} {self.during(window)}{self.scope(query)}: **{first['name']}** "
            f"with {self.count(first['units'])} pairs sold ({self.money(first['revenue'])} revenue).",
            f"{'Beste Marke' if by_brand else 'Bestseller'} {self.during(window)}{self.scope(query)}: **{first['name']}** "
            f"mit {self.count(first['units'])} verkauften Paaren ({self.money(first['revenue'])} Umsatz).",
        )
        headers = ["#", self.t("Brand", "Marke") if by_brand else self.t("Product", "Produkt")]
        if not by_brand:
            headers.append("SKU")
        headers += [self.t("Pairs", "Paare"), self.t("Revenue", "Umsatz"), self.t("Profit", "Gewinn")]
        rows = []
        for i in items:
            row = [str(i["rank"]), str(i["name"])]
            if not by_brand:
                row.append(str(i["key"]))
            row += [self.count(i["units"]), self.money(i["revenue"]), self.money(i["profit"])]
            rows.append(row)
        return head + "\n\n" + fmt.table(headers, rows)

    def _time_series(self, query: Query, outcome: Outcome) -> str:
        d = outcome.results["main"].data
        points = d.get("points") or []
        window = outcome.windows[0]
        grain = d.get("grain", "month")
        if not points:
            return self.t(f"No sales in {self.label(window)}.", f"Keine Verkäufe in {self.label(window)}.")
        grain_word = {"month": ("Month", "Monat"), "week": ("Week of", "Woche ab"), "day": ("Day", "Tag")}[
            grain
        ]
        headers = [
            self.t(*grain_word),
            self.t("Revenue", "Umsatz"),
            self.t("Profit", "Gewinn"),
            self.t("Orders", "Bestellungen"),
        ]
        rows = [
            [
                self._period(p["period_start"], grain),
                self.money(p["revenue"]),
                self.money(p["profit"]),
                self.count(p["orders"]),
            ]
            for p in points[-36:]
        ]
        head = self.t(
            f"Per {grain}, {self.label(window)}{self.scope(query)}:",
            f"Pro {grain_word[1]}, {self.label(window)}{self.scope(query)}:",
        )
        return head + "\n\n" + fmt.table(headers, rows)

    def _period(self, value: str, grain: str) -> str:
        if grain == "month" and len(value) >= 7:
            return value[:7]
        return value

    def _list_orders(self, query: Query, outcome: Outcome) -> str:
        d = outcome.results["main"].data
        window = outcome.windows[0]
        items = d.get("items") or []
        if d["total"] == 0:
            return self.t(
                f"No sales in {self.label(window)}{self.scope(query)}.",
                f"Keine Verkäufe in {self.label(window)}{self.scope(query)}.",
            )
        totals = outcome.results.get("totals")
        head = self.t(
            f"You sold **{self.count(d['total'])} pairs** in {self.label(window)}{self.scope(query)}",
            f"Du hast in {self.label(window)}{self.scope(query)} **{self.count(d['total'])} Paare** verkauft",
        )
        if totals and not totals.error:
            head += self.t(
                f" for {self.money(totals.data['revenue'])} revenue and {self.money(totals.data['profit'])} profit.",
                f": {self.money(totals.data['revenue'])} Umsatz, {self.money(totals.data['profit'])} Gewinn.",
            )
        else:
            head += "."
        if len(items) < d["total"]:
            head += self.t(f" Latest {len(items)}:", f" Die letzten {len(items)}:")
        headers = [
            self.t("Sold", "Verkauft"),
            self.t("Product", "Produkt"),
            self.t("Size", "Größe"),
            self.t("Platform", "Plattform"),
            self.t("Price", "Preis"),
            self.t("Profit", "Gewinn"),
        ]
        rows = [
            [
                str(o["sold_at"])[:10],
                str(o["product_name"]),
                self.size(o["size"]),
                self.platform(o["platform"]),
                self.money(o["sale_price"]),
                self.money(o["profit"]),
            ]
            for o in items[:MAX_ROWS]
        ]
        return head + "\n\n" + fmt.table(headers, rows)

    # --- products and pricing -------------------------------------------------------------------
    def _product_lookup(self, query: Query, outcome: Outcome) -> str:
        items = outcome.results["main"].data.get("items") or []
        if not items:
            return self.t(
                f"I found no product matching '{query.sku or query.product_query}'.",
                f"Ich habe kein Produkt zu '{query.sku or query.product_query}' gefunden.",
            )
        first = items[0]
        head = self.t(
            f"**{first['name']}** ({first['sku']}, {first['brand']}): {self.count(first['units_in_inventory'])} pairs in inventory.",
            f"**{first['name']}** ({first['sku']}, {first['brand']}): {self.count(first['units_in_inventory'])} Paare im Bestand.",
        )
        if len(items) > 1:
            rows = [
                [str(i["name"]), str(i["sku"]), str(i["brand"]), self.count(i["units_in_inventory"])]
                for i in items
            ]
            head += (
                "\n\n"
                + self.t("Other matches:", "Weitere Treffer:")
                + "\n\n"
                + fmt.table(
                    [
                        self.t("Product", "Produkt"),
                        "SKU",
                        self.t("Brand", "Marke"),
                        self.t("In inventory", "Im Bestand"),
                    ],
                    rows,
                )
            )
        return head

    def _market_prices(self, query: Query, outcome: Outcome) -> str:
        d = outcome.results["main"].data
        product, rows_in = d["product"], d.get("observations") or []
        if not rows_in:
            return self.t(
                f"No market data for {product['name']} ({product['sku']}).",
                f"Keine Marktdaten für {product['name']} ({product['sku']}).",
            )
        rows_in = sorted(rows_in, key=lambda r: (_size_key(r["size"]), r["platform"]))
        headers = [
            self.t("Size", "Größe"),
            self.t("Platform", "Plattform"),
            "Lowest ask",
            "Highest bid",
            "Last sale",
            self.t("Seen", "Stand"),
        ]
        rows = [
            [
                self.size(r["size"]),
                self.platform(r["platform"]),
                self.money(r["lowest_ask"]),
                self.money(r["highest_bid"]),
                self.money(r["last_sale"]),
                str(r["observed_at"])[:10],
            ]
            for r in rows_in[:12]
        ]
        head = self.t(
            f"Market prices for **{product['name']}** ({product['sku']})",
            f"Marktpreise für **{product['name']}** ({product['sku']})",
        )
        if query.size:
            head += self.t(f", size {query.size}", f", Größe {self.size(query.size)}")
        head += ":"
        if len(rows_in) > 12:
            head += self.t(
                f" (first 12 of {len(rows_in)}; name a size to narrow it)",
                f" (12 von {len(rows_in)}; nenne eine Größe)",
            )
        return head + "\n\n" + fmt.table(headers, rows)

    def _price_recommendation(self, query: Query, outcome: Outcome) -> str:
        if "recommendations" in outcome.extra:
            return self._discount_candidates(query, outcome)
        r = outcome.results["main"].data
        return self._recommendation_text(r)

    def _recommendation_text(self, r: dict[str, Any]) -> str:
        text = self.t(
            f"List **{r['product_name']}** ({r['sku']}, size {r['size']}, {r['age_days']} days old, cost {self.money(r['purchase_price'])}) "
            f"on {self.platform(r['platform'])} at **{self.money(r['recommended_price'])}**: payout {self.money(r['expected_payout'])}, "
            f"profit {self.money(r['expected_profit'])} ({self.pct(r['expected_margin_pct'])} margin; target {self.pct(r['target_margin_pct'])}).",
            f"Liste **{r['product_name']}** ({r['sku']}, Größe {self.size(r['size'])}, {r['age_days']} Tage alt, Einkauf {self.money(r['purchase_price'])}) "
            f"auf {self.platform(r['platform'])} für **{self.money(r['recommended_price'])}**: Auszahlung {self.money(r['expected_payout'])}, "
            f"Gewinn {self.money(r['expected_profit'])} ({self.pct(r['expected_margin_pct'])} Marge; Ziel {self.pct(r['target_margin_pct'])}).",
        )
        market = r.get("market") or {}
        if market.get("lowest_ask") is not None or market.get("last_sale") is not None:
            text += self.t(
                f" Market: lowest ask {self.money(market.get('lowest_ask'))}, last sale {self.money(market.get('last_sale'))}.",
                f" Markt: niedrigstes Angebot {self.money(market.get('lowest_ask'))}, letzter Verkauf {self.money(market.get('last_sale'))}.",
            )
        return text

    def _discount_candidates(self, query: Query, outcome: Outcome) -> str:
        dead = outcome.results["main"].data
        recs = [r for r in outcome.extra.get("recommendations", []) if not r.error]
        head = self.t(
            f"**{self.count(dead['total_units'])} pairs** are dead stock (older than {dead['threshold_days']} days, "
            f"{self.money(dead['total_value'])} at cost) — these are the ones to discount.",
            f"**{self.count(dead['total_units'])} Paare** sind Ladenhüter (älter als {dead['threshold_days']} Tage, "
            f"{self.money(dead['total_value'])} Einkaufswert) — die solltest du reduzieren.",
        )
        if not recs:
            return head
        headers = [
            self.t("Product", "Produkt"),
            self.t("Size", "Größe"),
            self.t("Age", "Alter"),
            self.t("Cost", "Einkauf"),
            self.t("Lowest ask", "Niedrigstes Angebot"),
            self.t("Recommended", "Empfohlen"),
            self.t("Platform", "Plattform"),
        ]
        rows = []
        for rec in recs:
            r = rec.data
            rows.append(
                [
                    str(r["product_name"]),
                    self.size(r["size"]),
                    self.t(f"{r['age_days']} d", f"{r['age_days']} T"),
                    self.money(r["purchase_price"]),
                    self.money((r.get("market") or {}).get("lowest_ask")),
                    self.money(r["recommended_price"]),
                    self.platform(r["platform"]),
                ]
            )
        return (
            head
            + "\n\n"
            + self.t("Recommended prices for the oldest:", "Preisempfehlungen für die ältesten:")
            + "\n\n"
            + fmt.table(headers, rows)
        )

    def _fee_estimate(self, query: Query, outcome: Outcome) -> str:
        d = outcome.results["main"].data
        estimates = d.get("estimates") or []
        if len(estimates) == 1:
            e = estimates[0]
            return self.t(
                f"Selling for {self.money(e['sale_price'])} on {self.platform(e['platform'])}: platform fee {self.money(e['platform_fee'])}, "
                f"processing {self.money(e['processing_fee'])} — you'd get **{self.money(e['payout'])}**.",
                f"Verkauf für {self.money(e['sale_price'])} auf {self.platform(e['platform'])}: Plattformgebühr {self.money(e['platform_fee'])}, "
                f"Zahlungsgebühr {self.money(e['processing_fee'])} — du bekommst **{self.money(e['payout'])}**.",
            )
        best = estimates[0]
        head = self.t(
            f"Selling for {self.money(d['sale_price'])}: best payout on **{self.platform(best['platform'])}** ({self.money(best['payout'])}).",
            f"Verkauf für {self.money(d['sale_price'])}: beste Auszahlung auf **{self.platform(best['platform'])}** ({self.money(best['payout'])}).",
        )
        rows = [
            [
                self.platform(e["platform"]),
                self.money(e["platform_fee"]),
                self.money(e["processing_fee"]),
                self.money(e["payout"]),
            ]
            for e in estimates
        ]
        return (
            head
            + "\n\n"
            + fmt.table(
                [
                    self.t("Platform", "Plattform"),
                    self.t("Platform fee", "Plattformgebühr"),
                    self.t("Processing", "Zahlungsgebühr"),
                    "Payout",
                ],
                rows,
            )
        )


_KPI_FIELDS: dict[str, tuple[str, str]] = {
    "revenue": ("revenue", "money"),
    "orders": ("orders", "count"),
    "profit": ("profit", "money"),
    "margin": ("margin_pct", "pct"),
    "roi": ("roi_pct", "pct"),
    "aov": ("avg_order_value", "money"),
    "cogs": ("cogs", "money"),
    "sell_through": ("sell_through_pct", "pct"),
    "days_to_sell": ("days_to_sell", "days"),
    "turnover": ("inventory_turnover", "ratio"),
    "dead_stock_rate": ("dead_stock_rate_pct", "pct"),
}


def _size_key(size: str) -> tuple[float, str]:
    try:
        return float(size), size
    except ValueError:
        return 999.0, size


def _ratio(num: Any, den: Any) -> float | None:
    return float(num) / float(den) if den and float(den) else None


# metric -> (English headline, German headline, value of one platform row)
_PLATFORM_RANKS: dict[str, tuple[str, str, Any]] = {
    "revenue": ("Most revenue", "Meister Umsatz", lambda i: float(i["revenue"])),
    "profit": ("Most profit", "Meister Gewinn", lambda i: float(i["profit"])),
    "orders": ("Most pairs sold", "Meiste verkaufte Paare", lambda i: float(i["orders"])),
    "margin": (
        "Highest margin",
        "Höchste Marge",
        lambda i: None if i.get("margin_pct") is None else float(i["margin_pct"]),
    ),
    "aov": (
        "Highest average order value",
        "Höchster Ø Bestellwert",
        lambda i: _ratio(i["revenue"], i["orders"]),
    ),
}


def _upper_first(text: str) -> str:
    """'the last 30 days' -> 'The last 30 days'; '1 Sep 2026 – 15 Oct 2026' keeps its month names."""
    return text[:1].upper() + text[1:]
