import type { ApiError } from "../api/client";
import type { Interpretation } from "../api/pending";
import type { Source } from "../api/types";

/** One bubble of the chat: a question, or an answer as it streams in. */
export interface ChatMessage {
  id: string;
  role: "user" | "assistant";
  content: string;
  sources: Source[];
  suggestions: string[];
  /** streaming: tools being called / text arriving; done; failed */
  state: "pending" | "streaming" | "done" | "error";
  activeTool: string | null;
  error: ApiError | null;
  errorText: string | null;
  fallback: boolean;
  /** The question this answer belongs to (for "Try again"). */
  question?: string;
  /** Answers: how the assistant read the question (absent on older answers). */
  interpretation?: Interpretation | null;
  /** Questions: the words the answer did not understand. */
  unknownTerms?: string[];
}
