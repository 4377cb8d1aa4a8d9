import { SSEParser } from "./sse";
import type { Digest, DigestSummary, InsightsResponse, UnansweredQuestion, VocabularyItem } from "./pending";
import type {
  ConversationDetail,
  ConversationSummary,
  HealthResponse,
  MemoryFact,
  MemoryStatus,
  Page,
  StreamEvent,
  SuggestionCategory,
  SuggestionResponse,
} from "./types";

export type ApiErrorKind =
  | "unauthorized" // 401: the token is missing, wrong or expired
  | "rate_limited" // 429: wait `retryAfter` seconds
  | "offline" // the browser has no network
  | "unreachable" // the server did not answer
  | "validation" // 422
  | "not_found" // 404 (also: an endpoint this server does not have yet)
  | "unavailable" // 503 (assistant disabled, database down)
  | "server" // any other 4xx/5xx
  | "stream"; // an `error` event inside a stream

export class ApiError extends Error {
  constructor(
    public readonly kind: ApiErrorKind,
    message: string,
    public readonly status = 0,
    public readonly code = "",
    public readonly retryAfter: number | null = null,
  ) {
    super(message);
    this.name = "ApiError";
  }
}

export interface ApiClientOptions {
  /** Where the SoleFlip API lives, e.g. "https://api.soleflip.example" ("" = same origin). */
  baseUrl: string;
  /** Returns the bearer token to send (null = none). */
  getToken: () => string | null;
  fetchImpl?: typeof fetch;
}

export interface StreamHandlers {
  onEvent: (event: StreamEvent) => void;
  signal?: AbortSignal;
}

function parseRetryAfter(value: string | null): number | null {
  if (!value) return null;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.max(0, Math.ceil(seconds));
  const date = Date.parse(value);
  if (!Number.isNaN(date)) return Math.max(0, Math.ceil((date - Date.now()) / 1000));
  return null;
}

function kindFor(status: number): ApiErrorKind {
  if (status === 401) return "unauthorized";
  if (status === 429) return "rate_limited";
  if (status === 422) return "validation";
  if (status === 404) return "not_found";
  if (status === 503) return "unavailable";
  return "server";
}

async function errorFrom(response: Response): Promise<ApiError> {
  let code = "";
  let message = response.statusText || `HTTP ${response.status}`;
  try {
    const body = await response.json();
    if (body?.error) {
      code = body.error.code ?? "";
      message = body.error.message ?? message;
    } else if (typeof body?.detail === "string") {
      message = body.detail;
    }
  } catch {
    /* not JSON: keep the status text */
  }
  return new ApiError(
    kindFor(response.status),
    message,
    response.status,
    code,
    parseRetryAfter(response.headers.get("Retry-After")),
  );
}

function networkError(error: unknown): ApiError {
  if (error instanceof ApiError) return error;
  if (error instanceof DOMException && error.name === "AbortError") throw error;
  const offline = typeof navigator !== "undefined" && navigator.onLine === false;
  return new ApiError(offline ? "offline" : "unreachable", String((error as Error)?.message ?? error));
}

export class ApiClient {
  private readonly base: string;
  private readonly fetchImpl: typeof fetch;

  constructor(private readonly options: ApiClientOptions) {
    this.base = options.baseUrl.replace(/\/+$/, "");
    this.fetchImpl = options.fetchImpl ?? ((...args) => globalThis.fetch(...args));
  }

  private headers(extra: Record<string, string> = {}): Record<string, string> {
    const token = this.options.getToken();
    return { Accept: "application/json", ...(token ? { Authorization: `Bearer ${token}` } : {}), ...extra };
  }

  private async request<T>(path: string, init: RequestInit = {}): Promise<T> {
    let response: Response;
    try {
      response = await this.fetchImpl(this.base + path, {
        ...init,
        headers: this.headers(init.headers as Record<string, string> | undefined),
      });
    } catch (error) {
      throw networkError(error);
    }
    if (!response.ok) throw await errorFrom(response);
    if (response.status === 204) return undefined as T;
    return (await response.json()) as T;
  }

  /** POST /auth/token (OAuth2 password form) -> the access token. */
  async login(username: string, password: string): Promise<string> {
    const body = new URLSearchParams({ username, password });
    const result = await this.request<{ access_token: string }>("/auth/token", {
      method: "POST",
      body,
      headers: { "Content-Type": "application/x-www-form-urlencoded" },
    });
    return result.access_token;
  }

  suggestions(category: SuggestionCategory): Promise<SuggestionResponse> {
    return this.request(`/ai/suggestions/${category}`);
  }

  conversations(limit = 50): Promise<Page<ConversationSummary>> {
    return this.request(`/ai/conversations?limit=${limit}`);
  }

  conversation(id: string): Promise<ConversationDetail> {
    return this.request(`/ai/conversations/${encodeURIComponent(id)}?limit=500`);
  }

  memoryStatus(): Promise<MemoryStatus> {
    return this.request("/ai/memory/status");
  }

  memoryFacts(): Promise<Page<MemoryFact>> {
    return this.request("/ai/memory?limit=200");
  }

  deleteFact(id: number): Promise<void> {
    return this.request(`/ai/memory/facts/${id}`, { method: "DELETE" });
  }

  clearMemory(): Promise<void> {
    return this.request("/ai/memory/clear", {
      method: "DELETE",
      body: JSON.stringify({ confirm: true }),
      headers: { "Content-Type": "application/json" },
    });
  }

  /** GET /ai/health (no auth): provider, model and, once the server says so, its currency. */
  health(): Promise<HealthResponse & { currency?: string | null }> {
    return this.request("/ai/health");
  }

  vocabulary(): Promise<Page<VocabularyItem>> {
    return this.request("/ai/vocabulary?limit=200");
  }

  /** POST /ai/vocabulary: "when I say `term` I mean `means`"; 422 when the meaning is not understood. */
  teachWord(term: string, means: string): Promise<VocabularyItem> {
    return this.request("/ai/vocabulary", {
      method: "POST",
      body: JSON.stringify({ term, means }),
      headers: { "Content-Type": "application/json" },
    });
  }

  forgetWord(id: number): Promise<void> {
    return this.request(`/ai/vocabulary/${id}`, { method: "DELETE" });
  }

  unanswered(limit = 50, offset = 0): Promise<Page<UnansweredQuestion>> {
    return this.request(`/ai/unanswered?limit=${limit}&offset=${offset}`);
  }

  insights(): Promise<InsightsResponse> {
    return this.request("/ai/insights");
  }

  digests(limit = 30): Promise<Page<DigestSummary>> {
    return this.request(`/ai/digests?limit=${limit}`);
  }

  digest(id: number): Promise<Digest> {
    return this.request(`/ai/digests/${id}`);
  }

  /**
   * Ask a question and stream the answer. A new conversation goes to /ai/query/stream,
   * a follow-up to /ai/conversation/stream with the stored conversation id.
   * Resolves when the stream ends; `error` events are thrown as ApiError("stream").
   */
  async ask(
    message: string,
    conversationId: string | null,
    handlers: StreamHandlers,
  ): Promise<void> {
    const [path, body] = conversationId
      ? ["/ai/conversation/stream", { conversation_id: conversationId, message }]
      : ["/ai/query/stream", { query: message, include_context: true }];
    let response: Response;
    try {
      response = await this.fetchImpl(this.base + path, {
        method: "POST",
        headers: this.headers({ "Content-Type": "application/json", Accept: "text/event-stream" }),
        body: JSON.stringify(body),
        signal: handlers.signal,
      });
    } catch (error) {
      throw networkError(error);
    }
    if (!response.ok) throw await errorFrom(response);
    if (!response.body) throw new ApiError("server", "The server sent no stream");

    const reader = response.body.getReader();
    const decoder = new TextDecoder();
    const parser = new SSEParser();
    let finished = false;
    const dispatch = (events: StreamEvent[]) => {
      for (const event of events) {
        if (event.event === "error") {
          throw new ApiError("stream", event.data.error.message, 200, event.data.error.code);
        }
        if (event.event === "final") finished = true;
        handlers.onEvent(event);
      }
    };
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        dispatch(parser.push(decoder.decode(value, { stream: true })));
      }
      dispatch(parser.push(decoder.decode()));
      dispatch(parser.flush());
    } catch (error) {
      throw networkError(error);
    } finally {
      reader.releaseLock?.();
    }
    if (!finished) throw new ApiError("unreachable", "The answer stopped before it was complete");
  }
}
