/**
 * Keeps the newest question and answer in view. While following, the chat scrolls to the end but
 * never past the newest question, so a long answer is read from its start; when an answer
 * finishes below the fold (e.g. the user had scrolled up), it is brought into view.
 */
import { useCallback, useLayoutEffect, useRef, type UIEvent } from "react";

const GAP = 8;

/** Jump without the container's smooth scrolling: an animation would read as the user scrolling away. */
function jump(container: HTMLElement, top: number) {
  container.style.scrollBehavior = "auto";
  container.scrollTop = Math.max(0, top);
  container.style.scrollBehavior = "";
}

function topWithin(container: HTMLElement, element: HTMLElement): number {
  return element.getBoundingClientRect().top - container.getBoundingClientRect().top + container.scrollTop;
}

export function useAnswerScroll(changeKey: unknown, newestAnswerDone: string | null) {
  const scrollRef = useRef<HTMLDivElement>(null);
  const following = useRef(true);
  const lastDone = useRef<string | null>(null);

  useLayoutEffect(() => {
    const el = scrollRef.current;
    if (!el || !following.current) return;
    const questions = el.querySelectorAll<HTMLElement>("[data-testid=user-message]");
    const newestQuestion = questions[questions.length - 1];
    const end = el.scrollHeight - el.clientHeight;
    const questionTop = newestQuestion ? topWithin(el, newestQuestion) - GAP : end;
    jump(el, Math.min(end, questionTop));
  }, [changeKey]);

  useLayoutEffect(() => {
    const el = scrollRef.current;
    if (!el || !newestAnswerDone || lastDone.current === newestAnswerDone) return;
    lastDone.current = newestAnswerDone;
    const answers = el.querySelectorAll<HTMLElement>("[data-testid=assistant-message]");
    const newest = answers[answers.length - 1];
    if (!newest) return;
    const top = topWithin(el, newest);
    const belowTheFold = top > el.scrollTop + el.clientHeight - 48;
    const aboveTheTop = top + newest.offsetHeight < el.scrollTop;
    if (belowTheFold || aboveTheTop) jump(el, top - GAP);
  }, [newestAnswerDone]);

  /** Follow again (after sending a question or opening a conversation). */
  const follow = useCallback(() => {
    following.current = true;
  }, []);

  /** The user scrolled: follow only while they stay near the end. */
  const onScroll = useCallback((event: UIEvent<HTMLDivElement>) => {
    const el = event.currentTarget;
    following.current = el.scrollHeight - el.scrollTop - el.clientHeight < 80;
  }, []);

  return { scrollRef, follow, onScroll };
}
