/** A small SVG chart of a time_series tool result: revenue bars and a profit line. */
import type { Source } from "../api/types";
import type { Lang, Strings } from "../i18n";

export interface SeriesPoint {
  period_start: string;
  revenue: number;
  profit: number;
  orders: number;
}

/** The points of the first time_series source with at least two periods, else null. */
export function seriesFromSources(sources: Source[] | null | undefined): { points: SeriesPoint[]; grain: string } | null {
  for (const source of sources ?? []) {
    if (source.tool !== "time_series" || source.error) continue;
    const points = (source.result as { points?: unknown }).points;
    if (!Array.isArray(points) || points.length < 2) continue;
    const clean = points
      .filter((p): p is Record<string, unknown> => !!p && typeof p === "object" && "period_start" in p)
      .map((p) => ({
        period_start: String(p.period_start),
        revenue: Number(p.revenue) || 0,
        profit: Number(p.profit) || 0,
        orders: Number(p.orders) || 0,
      }));
    if (clean.length >= 2) return { points: clean, grain: String((source.result as { grain?: unknown }).grain ?? "month") };
  }
  return null;
}

function periodLabel(iso: string, grain: string, lang: Lang): string {
  const date = new Date(`${iso.slice(0, 10)}T00:00:00Z`);
  if (Number.isNaN(date.getTime())) return iso;
  const locale = lang === "de" ? "de-DE" : "en-GB";
  if (grain === "month") return date.toLocaleDateString(locale, { month: "short", timeZone: "UTC" });
  return date.toLocaleDateString(locale, { day: "numeric", month: "short", timeZone: "UTC" });
}

/** The business currency when the server does not say (settings.CURRENCY defaults to EUR). */
export const DEFAULT_CURRENCY = "EUR";

function compactMoney(value: number, lang: Lang, currency: string): string {
  const format = (code: string) =>
    new Intl.NumberFormat(lang === "de" ? "de-DE" : "en-IE", {
      style: "currency",
      currency: code,
      notation: "compact",
      maximumFractionDigits: 1,
    }).format(value);
  try {
    return format(currency);
  } catch {
    return format(DEFAULT_CURRENCY); // not an ISO 4217 code
  }
}

export function SeriesChart({
  points,
  grain,
  lang,
  t,
  currency = DEFAULT_CURRENCY,
}: {
  points: SeriesPoint[];
  grain: string;
  lang: Lang;
  t: Strings;
  /** ISO 4217 code of the business currency. */
  currency?: string;
}) {
  const money = (value: number) => compactMoney(value, lang, currency);
  const width = 560;
  const height = 180;
  const pad = { top: 12, right: 8, bottom: 28, left: 64 };
  const innerW = width - pad.left - pad.right;
  const innerH = height - pad.top - pad.bottom;
  const max = Math.max(1, ...points.map((p) => Math.max(p.revenue, p.profit)));
  const min = Math.min(0, ...points.map((p) => p.profit));
  const span = max - min || 1;
  const y = (v: number) => pad.top + innerH - ((v - min) / span) * innerH;
  const step = innerW / points.length;
  const barW = Math.max(2, Math.min(36, step * 0.62));
  const cx = (i: number) => pad.left + step * i + step / 2;
  const ticks = [0, 0.5, 1].map((f) => min + span * f);
  const labelEvery = Math.ceil(points.length / 8);
  const profitPath = points.map((p, i) => `${i === 0 ? "M" : "L"}${cx(i).toFixed(1)},${y(p.profit).toFixed(1)}`).join(" ");
  const first = points[0];
  const last = points[points.length - 1];
  const summary = `${t.chartTitle}: ${periodLabel(first.period_start, grain, lang)} ${money(first.revenue)} – ${periodLabel(
    last.period_start,
    grain,
    lang,
  )} ${money(last.revenue)}`;

  return (
    <figure className="sf-chart" data-testid="series-chart">
      <figcaption>
        <span>{t.chartTitle}</span>
        <span className="sf-legend">
          <i className="sf-swatch sf-swatch-revenue" /> {t.revenue}
          <i className="sf-swatch sf-swatch-profit" /> {t.profit}
        </span>
      </figcaption>
      <svg viewBox={`0 0 ${width} ${height}`} role="img" aria-label={summary}>
        {ticks.map((v, i) => (
          <g key={i}>
            <line x1={pad.left} x2={width - pad.right} y1={y(v)} y2={y(v)} className="sf-grid" />
            <text x={pad.left - 6} y={y(v) + 4} textAnchor="end" className="sf-axis">
              {money(v)}
            </text>
          </g>
        ))}
        {points.map((p, i) => (
          <g key={p.period_start}>
            <rect
              className="sf-bar"
              x={cx(i) - barW / 2}
              y={y(Math.max(0, p.revenue))}
              width={barW}
              height={Math.max(0, y(0) - y(Math.max(0, p.revenue)))}
              rx={3}
            >
              <title>{`${periodLabel(p.period_start, grain, lang)}: ${t.revenue} ${money(p.revenue)}, ${t.profit} ${money(p.profit)}, ${p.orders} ${t.orders}`}</title>
            </rect>
            {i % labelEvery === 0 && (
              <text x={cx(i)} y={height - 6} textAnchor="middle" className="sf-axis">
                {periodLabel(p.period_start, grain, lang)}
              </text>
            )}
          </g>
        ))}
        <path d={profitPath} className="sf-line" />
        {points.map((p, i) => (
          <circle key={i} cx={cx(i)} cy={y(p.profit)} r={2.5} className="sf-dot" />
        ))}
      </svg>
    </figure>
  );
}
