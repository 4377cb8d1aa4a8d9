"""Answers in words, from tool results only: every figure said here is one a query returned.

The first line is the restatement (restatement.py); then the figures; then, where useful, a
table. Honest answers for names with no record, words not understood and future periods.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from domains.ai.understanding import formatting as fmt
from domains.ai.understanding.interpretation import Interpretation
from domains.ai.understanding.restatement import dimension_label, metric_label
from domains.analytics.semantic.catalog import METRICS
from domains.pricing.platforms import platform_label

MAX_TABLE_ROWS = 15


class Writer:
    def __init__(self, *, language: str, currency: str) -> None:
        self.language = language
        self.currency = currency
        self.de = language == "de"

    def t(self, en: str, de: str) -> str:
        return de if self.de else en

    # --- numbers ------------------------------------------------------------------------------

    def value(self, metric: str, value: Any) -> str:
        kind = METRICS[metric].kind if metric in METRICS else "count"
        if value is None:
            return fmt.not_available(self.language)
        if kind == "money":
            return fmt.money(value, self.language, self.currency)
        if kind == "percent":
            return fmt.percent(value, self.language)
        if kind == "days":
            return f"{fmt.number(value, self.language, 2)} " + self.t("days", "Tage")
        if kind == "ratio":
            return fmt.number(value, self.language, 2)
        return fmt.count(value, self.language)

    def group_value(self, dimension: str, value: str | None) -> str:
        if value is None:
            return self.t("not listed", "nicht gelistet") if dimension == "platform" else "–"
        if dimension == "platform":
            return platform_label(value, self.language)
        if dimension == "aging_bucket":
            return f"{value} " + self.t("days", "Tage")
        return value

    # --- aggregate answers --------------------------------------------------------------------

    def aggregate(self, interpretation: Interpretation, result: dict[str, Any]) -> str:
        metrics = interpretation.metrics
        totals = result.get("totals", {})
        rows = result.get("rows", [])
        lines: list[str] = []
        if interpretation.group_by:
            if not rows:
                lines.append(self.t("No records match this.", "Dazu gibt es keine Einträge."))
            else:
                headers = [dimension_label(d, self.language).capitalize() for d in interpretation.group_by]
                if "product" in interpretation.group_by:
                    headers.append("SKU")
                headers += [metric_label(m, self.language).capitalize() for m in metrics]
                table_rows = []
                for row in rows[:MAX_TABLE_ROWS]:
                    cells = [self.group_value(d, row["group"].get(d)) for d in interpretation.group_by]
                    if "product" in interpretation.group_by:
                        cells.append(str(row["group"].get("sku") or ""))
                    cells += [self.value(m, row["values"].get(m)) for m in metrics]
                    table_rows.append(cells)
                lead = rows[0]
                first = metrics[0]
                lead_name = ", ".join(
                    self.group_value(d, lead["group"].get(d)) for d in interpretation.group_by
                )
                if interpretation.sort and interpretation.descending:
                    lines.append(
                        self.t(
                            f"**{lead_name}** leads with {self.value(first, lead['values'].get(first))} ({metric_label(first, 'en')}).",
                            f"**{lead_name}** liegt vorn mit {self.value(first, lead['values'].get(first))} ({metric_label(first, 'de')}).",
                        )
                    )
                lines.append(fmt.table(headers, table_rows))
                shown = min(len(rows), MAX_TABLE_ROWS)
                total_groups = int(result.get("total_groups", len(rows)))
                if total_groups > shown:
                    lines.append(
                        self.t(
                            f"Showing {shown} of {total_groups} groups.",
                            f"{shown} von {total_groups} Gruppen gezeigt.",
                        )
                    )
            summary = "; ".join(
                f"{metric_label(m, self.language)}: {self.value(m, totals.get(m))}" for m in metrics
            )
            lines.append(self.t("All together: ", "Insgesamt: ") + summary)
            return "\n\n".join(lines)
        parts = [self.figure(m, totals.get(m)) for m in metrics]
        text = "\n".join(f"- {p}" for p in parts) if len(parts) > 1 else parts[0] + "."
        ratios = {"sell_through", "margin", "roi", "dead_stock_rate"} & set(metrics)
        if ratios and any(totals.get(m) is None for m in ratios):
            text += "\n\n" + self.t(
                "(not available: its denominator is zero for this selection)",
                "(nicht verfügbar: der Nenner ist für diese Auswahl null)",
            )
        return text

    def figure(self, metric: str, value: Any) -> str:
        """'**645** pairs in inventory', 'Revenue: **€3,456.00**'."""
        label = metric_label(metric, self.language)
        if METRICS[metric].kind == "count" and value is not None:
            return f"**{self.value(metric, value)} {label}**"
        return f"{label[:1].upper()}{label[1:]}: **{self.value(metric, value)}**"

    def comparison(self, interpretation: Interpretation, results: list[dict[str, Any]]) -> str:
        headers = [
            self.t("Metric", "Kennzahl"),
            *(p.label(self.language) for p in interpretation.compare_periods),
        ]
        rows = []
        for metric in interpretation.metrics:
            rows.append(
                [
                    metric_label(metric, self.language).capitalize(),
                    *(self.value(metric, r.get("totals", {}).get(metric)) for r in results),
                ]
            )
        return fmt.table(headers, rows)

    # --- lists --------------------------------------------------------------------------------

    def pairs(self, interpretation: Interpretation, data: dict[str, Any], *, now: datetime) -> str:
        items = data.get("items", [])
        total = int(data.get("total", len(items)))
        if not items:
            return self.t("No pairs in inventory match this.", "Keine Paare im Bestand passen dazu.")
        if interpretation.pick:
            item = items[0]
            age = _age_days(item.get("purchased_at"), now)
            return self.t(
                f"**{item['product_name']}** ({item['sku']}), size {item['size']}, bought {str(item['purchased_at'])[:10]} "
                f"({age} days ago) for {fmt.money(item['purchase_price'], 'en', self.currency)}, {item['status'].replace('_', ' ')}.",
                f"**{item['product_name']}** ({item['sku']}), Größe {item['size']}, gekauft am {str(item['purchased_at'])[:10]} "
                f"(vor {age} Tagen) für {fmt.money(item['purchase_price'], 'de', self.currency)}, "
                f"{'gelistet' if item['status'] == 'listed' else 'nicht gelistet'}.",
            )
        lead = self.t(
            f"**{fmt.count(total, 'en')} pairs** match", f"**{fmt.count(total, 'de')} Paare** passen dazu"
        )
        if total > len(items):
            lead += self.t(f"; the {len(items)} oldest:", f"; die {len(items)} ältesten:")
        else:
            lead += ":"
        headers = [
            self.t("Product", "Produkt"),
            "SKU",
            self.t("Size", "Größe"),
            self.t("Age (days)", "Alter (Tage)"),
            self.t("Cost", "Einkauf"),
            "Status",
        ]
        rows = [
            [
                str(i["product_name"]),
                str(i["sku"]),
                str(i["size"]),
                str(_age_days(i.get("purchased_at"), now)),
                fmt.money(i["purchase_price"], self.language, self.currency),
                (
                    platform_label(i["listed_platform"], self.language)
                    if i.get("listed_platform")
                    else self.t("listed", "gelistet")
                )
                if i["status"] == "listed"
                else self.t("not listed", "nicht gelistet"),
            ]
            for i in items
        ]
        return lead + "\n\n" + fmt.table(headers, rows)

    # --- other tools --------------------------------------------------------------------------

    def low_stock(self, data: dict[str, Any]) -> str:
        items = data.get("items", [])
        if not items:
            return self.t(
                "No recent seller is down to its last pair.",
                "Kein gut verkauftes Produkt ist beim letzten Paar.",
            )
        headers = [
            self.t("Product", "Produkt"),
            "SKU",
            self.t("In stock", "Bestand"),
            self.t("Sold (90 days)", "Verkauft (90 Tage)"),
        ]
        rows = [
            [
                str(i.get("name") or i.get("product_name")),
                str(i.get("sku")),
                fmt.count(i.get("units_in_inventory", 0), self.language),
                fmt.count(i.get("units_sold", 0), self.language),
            ]
            for i in items[:MAX_TABLE_ROWS]
        ]
        return (
            self.t(
                f"**{data.get('total', len(items))}** products are low:",
                f"**{data.get('total', len(items))}** Produkte sind knapp:",
            )
            + "\n\n"
            + fmt.table(headers, rows)
        )

    def products(self, data: dict[str, Any]) -> str:
        items = data.get("items", [])
        if not items:
            return self.t("No product matches that.", "Dazu passt kein Produkt.")
        headers = [
            self.t("Product", "Produkt"),
            "SKU",
            self.t("Brand", "Marke"),
            self.t("In inventory", "Im Bestand"),
        ]
        rows = [
            [
                str(i.get("name")),
                str(i.get("sku")),
                str(i.get("brand")),
                fmt.count(i.get("units_in_inventory", 0), self.language),
            ]
            for i in items
        ]
        return fmt.table(headers, rows)

    def market_prices(self, data: dict[str, Any]) -> str:
        product = data.get("product", {})
        observations = data.get("observations", [])
        name = f"{product.get('name')} ({product.get('sku')})"
        if not observations:
            return self.t(
                f"No market prices recorded for {name}.", f"Für {name} sind keine Marktpreise erfasst."
            )
        headers = [
            self.t("Platform", "Plattform"),
            self.t("Size", "Größe"),
            self.t("Lowest ask", "Niedrigster Ask"),
            self.t("Highest bid", "Höchstes Gebot"),
            self.t("Last sale", "Letzter Verkauf"),
            self.t("Seen", "Stand"),
        ]
        rows = [
            [
                platform_label(str(o.get("platform")), self.language),
                str(o.get("size")),
                fmt.money(o.get("lowest_ask"), self.language, self.currency),
                fmt.money(o.get("highest_bid"), self.language, self.currency),
                fmt.money(o.get("last_sale"), self.language, self.currency),
                str(o.get("observed_at", ""))[:10],
            ]
            for o in observations[:MAX_TABLE_ROWS]
        ]
        return f"**{name}**\n\n" + fmt.table(headers, rows)

    def price_recommendation(self, data: dict[str, Any]) -> str:
        price = fmt.money(data.get("recommended_price"), self.language, self.currency)
        reasoning = data.get("reasoning") or []
        why = " ".join(reasoning) if isinstance(reasoning, list) else str(reasoning)
        pair = (
            f"{data.get('product_name')} ({data.get('sku')}), "
            + self.t("size ", "Größe ")
            + str(data.get("size"))
        )
        return self.t(
            f"{pair} on {platform_label(str(data.get('platform')), 'en')}: list at **{price}**. {why}",
            f"{pair} auf {platform_label(str(data.get('platform')), 'de')}: listen für **{price}**. {why}",
        ).strip()

    def fee_estimate(self, data: dict[str, Any]) -> str:
        estimates = data.get("estimates", [])
        headers = [
            self.t("Platform", "Plattform"),
            self.t("Fees", "Gebühren"),
            self.t("Payout", "Auszahlung"),
        ]
        rows = [
            [
                platform_label(str(e.get("platform")), self.language),
                fmt.money(e.get("total_fees"), self.language, self.currency),
                fmt.money(e.get("payout"), self.language, self.currency),
            ]
            for e in estimates
        ]
        price = fmt.money(data.get("sale_price"), self.language, self.currency)
        return (
            self.t(f"Selling at {price}:", f"Bei einem Verkauf für {price}:")
            + "\n\n"
            + fmt.table(headers, rows)
        )

    # --- honesty ------------------------------------------------------------------------------

    def not_understood(self, interpretation: Interpretation, suggestions: list[str]) -> str:
        lines: list[str] = []
        for kind, term in interpretation.no_record:
            what = {
                "platform": self.t(
                    f"I have no record of sales on **{term}**: SoleFlip has not sold there.",
                    f"Zu **{term}** gibt es keine Daten: dort hat SoleFlip nichts verkauft.",
                ),
                "brand": self.t(
                    f"I have no record of **{term}**: no pair of that brand was ever in stock.",
                    f"Zu **{term}** gibt es keine Daten: diese Marke war nie im Bestand.",
                ),
                "metric": self.t(
                    f"The data has no record of **{term}**, so I can't give a figure for it.",
                    f"Zu **{term}** gibt es in den Daten keine Aufzeichnungen, daher keine Zahl dazu.",
                ),
            }[kind if kind in ("platform", "brand", "metric") else "metric"]
            lines.append(what)
        if interpretation.unknown_terms:
            words = ", ".join(f"“{w}”" for w in interpretation.unknown_terms)
            lines.append(
                self.t(
                    f"I didn't understand {words}, so I won't guess a figure.",
                    f"{words} habe ich nicht verstanden, daher nenne ich keine geratene Zahl.",
                )
            )
        if not lines:
            lines.append(
                self.t(
                    "I couldn't map this question to the business's data.",
                    "Diese Frage konnte ich den Geschäftsdaten nicht zuordnen.",
                )
            )
        if suggestions:
            lines.append(
                self.t("Did you mean:", "Meinten Sie:") + "\n" + "\n".join(f"- {s}" for s in suggestions)
            )
        if interpretation.unknown_terms:
            lines.append(
                self.t(
                    "If a word is your own name for something, teach it: “when I say … I mean …”.",
                    "Ist ein Wort Ihr eigener Begriff, bringen Sie ihn mir bei: „wenn ich … sage, meine ich …“.",
                )
            )
        return "\n\n".join(lines)

    def future(self, interpretation: Interpretation) -> str:
        period = interpretation.period
        label = period.label(self.language) if period else ""
        if interpretation.period_words and interpretation.period_words.lower() != label.lower():
            label = f"{interpretation.period_words} ({label})"
        return self.t(
            f"There is no data yet for {label}: that period hasn't started.",
            f"Für {label} gibt es noch keine Daten: der Zeitraum hat noch nicht begonnen.",
        )

    def help(self) -> str:
        return self.t(
            "Ask about stock, sales, profit, fees, payout, purchases, dead stock, sizes, platforms or a model family, "
            "for any period: e.g. “pairs sold by size last month”, “GOAT profit per pair in Q3”, "
            "“which Jordan 4s have sat over 75 days?”.",
            "Fragen Sie nach Bestand, Umsatz, Gewinn, Gebühren, Auszahlung, Einkäufen, Ladenhütern, Größen, Plattformen "
            "oder einer Modellreihe, für jeden Zeitraum: z. B. „verkaufte Paare nach Größe letzten Monat“, "
            "„Gewinn pro Paar auf GOAT im Q3“, „welche Jordan 4 liegen über 75 Tage?“.",
        )


def _age_days(purchased_at: Any, now: datetime) -> int:
    if not purchased_at:
        return 0
    moment = datetime.fromisoformat(str(purchased_at).replace("Z", "+00:00"))
    return max(0, (now - moment).days)
