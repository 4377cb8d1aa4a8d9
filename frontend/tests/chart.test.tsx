import { render, screen } from "@testing-library/react";
import { describe, expect, it } from "vitest";
import type { Source } from "../src/api/types";
import { SeriesChart, seriesFromSources } from "../src/components/SeriesChart";
import { STRINGS } from "../src/i18n";

// As the time_series tool returns it (domains/ai/tools/business.py: jsonable(SeriesPoint)).
const SOURCES: Source[] = [
  { tool: "kpis", arguments: {}, result: { revenue: 50914.75 }, facts_used: [] },
  {
    tool: "time_series",
    arguments: { period: "this_year", grain: "month" },
    facts_used: [],
    result: {
      window: { label: "this year" },
      grain: "month",
      points: [
        { period_start: "2026-01-01", revenue: 10860.98, profit: 2234.21, orders: 47 },
        { period_start: "2026-02-01", revenue: 17355.95, profit: 2500.05, orders: 75 },
        { period_start: "2026-03-01", revenue: 17802.72, profit: -120.5, orders: 72 },
      ],
    },
  },
];

describe("SeriesChart", () => {
  it("finds the time_series points among the sources", () => {
    const series = seriesFromSources(SOURCES);
    expect(series?.grain).toBe("month");
    expect(series?.points.map((p) => p.orders)).toEqual([47, 75, 72]);
  });

  it("shows no chart for a single period or no time series", () => {
    expect(seriesFromSources([SOURCES[0]])).toBeNull();
    const one = { ...SOURCES[1], result: { ...SOURCES[1].result, points: [(SOURCES[1].result.points as unknown[])[0]] } };
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
