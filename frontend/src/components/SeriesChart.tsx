/** A small SVG chart of sales over time (a semantic query by day/week/month/quarter/year): revenue bars and a profit line. */
import type { Source } from "../api/types";
import type { Lang, Strings } from "../i18n";

export interface SeriesPoint {
  period_start: string;
  revenue: number;
  profit: number;
  orders: number;
}

const TIME_GRAINS = ["day", "week", "month", "quarter", "year"];

/** The first day of a semantic query's period label: "2026-11" -> "2026-11-01", "2026-Q3" -> "2026-07-01". */
function periodStart(label: string): string {
  const quarter = /^(\d{4})-Q([1-4])$/.exec(label);
  if (quarter) return `${quarter[1]}-${String(3 * Number(quarter[2]) - 2).padStart(2, "0")}-01`;
  if (/^\d{4}$/.test(label)) return `${label}-01-01`;
  if (/^\d{4}-\d{2}$/.test(label)) return `${label}-01`;
  return label;
}

/** The points of the first semantic query (query_business) grouped by one time grain, with at
 * least two periods, else null. */
export function seriesFromSources(sources: Source[] | null | undefined): { points: SeriesPoint[]; grain: string } | null {
  for (const source of sources ?? []) {
    if (source.error || source.tool !== "query_business") continue;
    const groupBy = (source.arguments as { group_by?: unknown }).group_by;
    const grain = Array.isArray(groupBy) && groupBy.length === 1 ? String(groupBy[0]) : "";
    const rows = (source.result as { rows?: unknown }).rows;
    if (!TIME_GRAINS.includes(grain) || !Array.isArray(rows) || rows.length < 2) continue;
    const points = rows
      .filter((r): r is { group: Record<string, unknown>; values: Record<string, unknown> } => !!r && typeof r === "object" && "group" in r && "values" in r)
      .map((r) => ({
        period_start: periodStart(String(r.group[grain] ?? "")),
        revenue: Number(r.values.revenue) || 0,
        profit: Number(r.values.profit) || 0,
        orders: Number(r.values.units_sold) || 0,
      }))
      .sort((a, b) => a.period_start.localeCompare(b.period_start));
    if (points.length >= 2) return { points, grain };
  }
  return null;
}

function periodLabel(iso: string, grain: string, lang: Lang): string {
  const date = new Date(`${iso.slice(0, 10)}T00:00:00Z`);
  if (Number.isNaN(date.getTime())) return iso;
  const locale = lang === "de" ? "de-DE" : "en-GB";
  if (grain === "month") return date.toLocaleDateString(locale, { month: "short", timeZone: "UTC" });
  if (grain === "quarter") return `Q${Math.floor(date.getUTCMonth() / 3) + 1} ${String(date.getUTCFullYear()).slice(2)}`;
  if (grain === "year") return String(date.getUTCFullYear());
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
