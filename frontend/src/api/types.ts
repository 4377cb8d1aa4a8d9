/** Shapes of the SoleFlip API the assistant uses (see domains/ai/schemas.py). */

export interface Source {
  tool: string;
  arguments: Record<string, unknown>;
  result: Record<string, unknown>;
  facts_used?: Array<Record<string, unknown>>;
  error?: string | null;
}

export interface FinalResponse {
  response: string;
  intent: string;
  tokens_used: number;
  model: string | null;
  conversation_id: string;
  provider: string;
  fallback: boolean;
  fallback_reason?: string | null;
  language: string;
  sources: Source[];
  memory_used: Array<Record<string, unknown>>;
  facts_saved?: Array<Record<string, unknown>>;
  suggestions: string[];
  latency_ms: number;
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

export interface Page<T> {
  items: T[];
  total: number;
  limit: number;
  offset: number;
}

export interface ConversationSummary {
  id: string;
  title: string;
  created_at: string;
  updated_at: string;
  message_count: number;
}

export interface StoredMessage {
  id: number;
  role: "user" | "assistant" | "system" | string;
  content: string;
  intent: string | null;
  language: string | null;
  provider: string | null;
  model: string | null;
  sources: Source[] | null;
  created_at: string;
}

export interface ConversationDetail extends ConversationSummary {
  messages: StoredMessage[];
}

export interface MemoryStatus {
  memory_enabled: boolean;
  backend: string;
  conversation_count: number;
  message_count: number;
  fact_count: number;
  superseded_fact_count?: number;
}

export interface MemoryFact {
  id: number;
  kind: string;
  value: unknown;
  text: string;
  valid_from: string;
  valid_to?: string | null;
  current?: boolean;
  created_at?: string;
}

export interface SuggestionResponse {
  category: string;
  suggestions: string[];
  from_data?: boolean;
}

export type SuggestionCategory = "inventory" | "pricing" | "analytics";
export const SUGGESTION_CATEGORIES: SuggestionCategory[] = ["inventory", "pricing", "analytics"];
