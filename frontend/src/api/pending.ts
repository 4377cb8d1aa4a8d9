/**
 * Hand-written types for endpoints and fields the backend is adding (issues 9 and 13) that are
 * not in this branch's OpenAPI schema yet. After they land, regenerate schema.d.ts
 * (`npm run gen:api`) and point these names at `components["schemas"]` instead.
 */

/** How the assistant read a question (on every answer; optional for older answers). */
export interface Interpretation {
  text: string;
  metrics: string[];
  filters: Record<string, string[]>;
  group_by: string[];
  window: { start: string; end: string; label: string } | null;
  unknown_terms: string[];
  understood: "full" | "partial" | "none";
}

/** A word the user taught: GET/POST /ai/vocabulary. */
export interface VocabularyItem {
  id: number;
  term: string;
  means: string;
  text: string;
  created_at: string;
}

/** A question the assistant did not (fully) understand: GET /ai/unanswered. */
export interface UnansweredQuestion {
  id: number;
  question: string;
  unknown_terms: string[];
  understood: "partial" | "none";
  conversation_id: string | null;
  created_at: string;
}

export type InsightSeverity = "info" | "warning" | "critical";

export interface Insight {
  type: string;
  severity: InsightSeverity;
  headline: string;
  explanation: string;
  figures: Record<string, string | number | null>;
  sources: unknown[];
  follow_up: string;
}

/** GET /ai/insights */
export interface InsightsResponse {
  generated_at: string;
  language: string;
  items: Insight[];
}

/** One row of GET /ai/digests. */
export interface DigestSummary {
  id: number;
  digest_date: string;
  created_at: string;
  language: string;
  insight_count: number;
}

/** GET /ai/digests/{id} */
export interface Digest extends DigestSummary {
  items: Insight[];
}
