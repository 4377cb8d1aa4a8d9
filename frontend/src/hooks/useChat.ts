/** The open conversation: its messages, asking (streamed), stopping, starting over, reopening. */
import { useCallback, useEffect, useRef, useState } from "react";
import { ApiClient, ApiError } from "../api/client";
import type { Interpretation } from "../api/pending";
import type { Source, StoredMessage, StreamEvent } from "../api/types";
import type { ChatMessage } from "../lib/chatMessage";

let nextId = 0;
const newId = () => `m${Date.now().toString(36)}${(nextId++).toString(36)}`;

function blankMessage(role: ChatMessage["role"], content: string): ChatMessage {
  return {
    id: newId(),
    role,
    content,
    sources: [],
    suggestions: [],
    state: "done",
    activeTool: null,
    error: null,
    errorText: null,
    fallback: false,
  };
}

function fromStored(m: StoredMessage): ChatMessage {
  return {
    ...blankMessage(m.role === "user" ? "user" : "assistant", m.content),
    id: `s${m.id}`,
    sources: (m.sources ?? []) as Source[],
    interpretation: m.interpretation ?? null,
  };
}

/** A question shows the words its answer did not understand. */
function withUnknownTerms(messages: ChatMessage[]): ChatMessage[] {
  return messages.map((m, i) => {
    const answer = messages[i + 1];
    return m.role === "user" && answer?.role === "assistant" && answer.interpretation
      ? { ...m, unknownTerms: answer.interpretation.unknown_terms }
      : m;
  });
}

export interface ChatOptions {
  api: ApiClient;
  canAsk: () => boolean;
  online: boolean;
  errorText: (error: unknown) => string;
  /** After each answer (the sidebar reloads). */
  onAnswered: () => void;
  /** When an answer saved facts to memory. */
  onFactsSaved: () => void;
  /** Before a question goes out (the view follows the new answer). */
  onAsking: () => void;
}

type Change = Partial<ChatMessage> | ((m: ChatMessage) => Partial<ChatMessage>);

export function useChat({ api, canAsk, online, errorText, onAnswered, onFactsSaved, onAsking }: ChatOptions) {
  const [messages, setMessages] = useState<ChatMessage[]>([]);
  const [conversationId, setConversationId] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [loadingConversation, setLoadingConversation] = useState(false);
  const abortRef = useRef<AbortController | null>(null);

  useEffect(() => () => abortRef.current?.abort(), []);

  const patch = (id: string, change: Change) =>
    setMessages((list) => list.map((m) => (m.id === id ? { ...m, ...(typeof change === "function" ? change(m) : change) } : m)));

  function applyEvent(event: StreamEvent, questionId: string, answerId: string) {
    switch (event.event) {
      case "start":
        setConversationId(event.data.conversation_id);
        patch(answerId, { state: "streaming" });
        break;
      case "tool_call":
        patch(answerId, { activeTool: event.data.name });
        break;
      case "tool_result":
        patch(answerId, (m) => ({
          sources: [
            ...m.sources,
            {
              tool: event.data.name,
              arguments: event.data.arguments,
              result: event.data.result,
              facts_used: event.data.facts_used ?? [],
            },
          ],
        }));
        break;
      case "delta":
        patch(answerId, (m) => ({ state: "streaming", content: m.content + event.data.text }));
        break;
      case "fallback":
        patch(answerId, { fallback: true });
        break;
      case "final": {
        const interpretation: Interpretation | null = event.data.interpretation ?? null;
        setConversationId(event.data.conversation_id);
        patch(answerId, {
          state: "done",
          content: event.data.response,
          sources: event.data.sources ?? [],
          suggestions: event.data.suggestions ?? [],
          fallback: event.data.fallback,
          activeTool: null,
          interpretation,
        });
        if (interpretation) patch(questionId, { unknownTerms: interpretation.unknown_terms });
        if ((event.data.facts_saved?.length ?? 0) > 0) onFactsSaved();
        break;
      }
    }
  }

  /** Ask `text`; with `replaceFrom` (a failed answer's id) the failed turn is asked again. */
  async function ask(text: string, replaceFrom?: string) {
    const question = text.trim();
    if (!question || busy || !canAsk()) return;
    const userMessage = blankMessage("user", question);
    const answer: ChatMessage = { ...blankMessage("assistant", ""), state: "pending", question };
    setMessages((list) => {
      const kept = replaceFrom ? list.slice(0, Math.max(0, list.findIndex((m) => m.id === replaceFrom) - 1)) : list;
      return [...kept, userMessage, answer];
    });
    setBusy(true);
    onAsking();
    const controller = new AbortController();
    abortRef.current = controller;
    try {
      if (!online && navigator.onLine === false) throw new ApiError("offline", "offline");
      await api.ask(question, conversationId, {
        signal: controller.signal,
        onEvent: (event) => applyEvent(event, userMessage.id, answer.id),
      });
      onAnswered();
    } catch (error) {
      if (error instanceof DOMException && error.name === "AbortError") {
        // Stopped: keep what had arrived as the answer; an answer with nothing in it goes.
        setMessages((list) =>
          list
            .filter((m) => m.id !== answer.id || m.content)
            .map((m) => (m.id === answer.id ? { ...m, state: "done", activeTool: null } : m)),
        );
        return;
      }
      patch(answer.id, {
        state: "error",
        error: error instanceof ApiError ? error : new ApiError("server", String(error)),
        errorText: errorText(error),
        activeTool: null,
      });
    } finally {
      if (abortRef.current === controller) abortRef.current = null;
      setBusy(false);
    }
  }

  const stop = useCallback(() => abortRef.current?.abort(), []);

  const clear = useCallback(() => {
    abortRef.current?.abort();
    setMessages([]);
    setConversationId(null);
  }, []);

  async function open(id: string) {
    if (busy) return;
    setLoadingConversation(true);
    setConversationId(id);
    setMessages([]);
    onAsking();
    try {
      const detail = await api.conversation(id);
      const turns = detail.messages.filter((m) => m.role === "user" || m.role === "assistant").map(fromStored);
      setMessages(withUnknownTerms(turns));
    } catch (error) {
      setMessages([
        {
          ...blankMessage("assistant", ""),
          state: "error",
          error: error instanceof ApiError ? error : null,
          errorText: errorText(error),
        },
      ]);
    } finally {
      setLoadingConversation(false);
    }
  }

  return { messages, conversationId, busy, loadingConversation, ask, stop, clear, open };
}
