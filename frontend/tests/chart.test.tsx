import { render, screen } from "@testing-library/react";
import { describe, expect, it } from "vitest";
import type { Source } from "../src/api/types";
import { SeriesChart, seriesFromSources } from "../src/components/SeriesChart";
import { STRINGS } from "../src/i18n";

// As the query_business tool returns it: a semantic query grouped by month (docs/semantic.md).
const SOURCES: Source[] = [
  { tool: "query_business", arguments: { metrics: ["revenue"] }, result: { rows: [], totals: { revenue: 50914.75 } }, facts_used: [] },
  {
    tool: "query_business",
    arguments: { metrics: ["revenue", "profit", "units_sold"], group_by: ["month"], sort_by_group: true },
    facts_used: [],
    result: {
      window: { label: "this year" },
      rows: [
        { group: { month: "2026-01" }, values: { revenue: 10860.98, profit: 2234.21, units_sold: 47 } },
        { group: { month: "2026-02" }, values: { revenue: 17355.95, profit: 2500.05, units_sold: 75 } },
        { group: { month: "2026-03" }, values: { revenue: 17802.72, profit: -120.5, units_sold: 72 } },
      ],
      totals: { revenue: 46019.65, profit: 4613.76, units_sold: 194 },
    },
  },
];

describe("SeriesChart", () => {
  it("finds the points of a query grouped by month among the sources", () => {
    const series = seriesFromSources(SOURCES);
    expect(series?.grain).toBe("month");
    expect(series?.points.map((p) => p.orders)).toEqual([47, 75, 72]);
  });

  it("shows no chart for a single period or no time series", () => {
    expect(seriesFromSources([SOURCES[0]])).toBeNull();
    const one = { ...SOURCES[1], result: { ...SOURCES[1].result, rows: [(SOURCES[1].result.rows as unknown[])[0]] } };
    expect(seriesFromSources([one])).toBeNull();
  });

  it("draws one bar per period with month labels", () => {
    const series = seriesFromSources(SOURCES)!;
    const { container } = render(<SeriesChart points={series.points} grain="month" lang="en" t={STRINGS.en} />);
    expect(container.querySelectorAll("rect.sf-bar")).toHaveLength(3);
    expect(container.querySelector("path.sf-line")?.getAttribute("d")).toMatch(/^M[\d.]+,[\d.]+ L/);
    expect(screen.getByText("Jan")).toBeTruthy();
    expect(screen.getByRole("img").getAttribute("aria-label")).toContain("Revenue by period");
  });

  it("labels money in the configured currency, EUR when unknown", () => {
    const series = seriesFromSources(SOURCES)!;
    const usd = render(<SeriesChart points={series.points} grain="month" lang="en" t={STRINGS.en} currency="USD" />);
    expect(usd.getByRole("img").getAttribute("aria-label")).toContain("$");
    expect(usd.getByRole("img").getAttribute("aria-label")).not.toContain("€");
    usd.unmount();
    const unknown = render(<SeriesChart points={series.points} grain="month" lang="en" t={STRINGS.en} />);
    expect(unknown.getByRole("img").getAttribute("aria-label")).toContain("€");
  });
});
