/**
 * Names for the backend shapes of the assistant's newer endpoints (issues 9 and 13), taken from
 * the generated schema (`npm run gen:api`).
 */
import type { components } from "./schema";

type Schemas = components["schemas"];

/** How the assistant read a question (on every answer; optional for older stored answers). */
export type Interpretation = Schemas["InterpretationOut"];

/** A word the user taught: GET/POST /ai/vocabulary. */
export type VocabularyItem = Schemas["TaughtWord"];

/** A question the assistant did not (fully) understand: GET /ai/unanswered. */
export type UnansweredQuestion = Schemas["UnansweredOut"];

export type InsightSeverity = Schemas["Insight"]["severity"];
export type Insight = Schemas["Insight"];

/** GET /ai/insights */
export type InsightsResponse = Schemas["InsightsOut"];

/** One row of GET /ai/digests. */
export type DigestSummary = Schemas["DigestSummary"];

/** GET /ai/digests/{id} */
export type Digest = Schemas["DigestOut"];
