/**
 * Shapes of the SoleFlip API the assistant uses. The REST shapes come from the generated
 * OpenAPI types (schema.d.ts, `npm run gen:api`); only the stream events, which OpenAPI cannot
 * describe, are written here. Shapes the backend is still adding live in pending.ts.
 */
import type { Interpretation } from "./pending";
import type { components } from "./schema";

type Schemas = components["schemas"];

export type Source = Schemas["Source"];
export type ConversationSummary = Schemas["ConversationSummary"];
export type ConversationDetail = Schemas["ConversationDetail"];
export type MemoryStatus = Schemas["MemoryStatus"];
export type MemoryFact = Schemas["FactOut"];
export type SuggestionResponse = Schemas["SuggestionResponse"];
export type HealthResponse = Schemas["HealthResponse"];
export type SuggestionCategory = SuggestionResponse["category"];

/** A stored message; `interpretation` is on assistant turns once the backend stores it. */
export type StoredMessage = Schemas["StoredMessage"] & { interpretation?: Interpretation | null };

/** The `final` stream event: the same body as POST /ai/query or /ai/conversation. */
export type FinalResponse = (Schemas["AIQueryResponse"] | Schemas["ConversationResponse"]) & {
  interpretation?: Interpretation | null;
};

/** Every list endpoint answers a page of this shape (shared/api/schemas.py Page[T]). */
export interface Page<T> {
  items: T[];
  total: number;
  limit: number;
  offset: number;
}

export type StreamEvent =
  | { event: "start"; data: { conversation_id: string; provider: string; model: string } }
  | { event: "tool_call"; data: { id: string; name: string; arguments: Record<string, unknown> } }
  | {
      event: "tool_result";
      data: {
        id: string;
        name: string;
        arguments: Record<string, unknown>;
        result: Record<string, unknown>;
        facts_used?: Array<Record<string, unknown>>;
      };
    }
  | { event: "delta"; data: { text: string } }
  | { event: "fallback"; data: { reason: string; provider: string } }
  | { event: "final"; data: FinalResponse }
  | { event: "error"; data: { error: { code: string; message: string } } };

export const SUGGESTION_CATEGORIES: SuggestionCategory[] = ["inventory", "pricing", "analytics"];
