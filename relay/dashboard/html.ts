/**
 * The dashboard's two small HTML helpers every renderer uses: escaping and relative times. In
 * their own module so the renderers (view.ts, review.ts, page.ts) import them one way, with no
 * cycle between them.
 */

/** Escapes text for HTML element content and double-quoted attribute values. */
export function esc(value: unknown): string {
  return String(value ?? "").replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`);
}

/** "just now", "45 s ago", "3 min ago", "2 h ago", "5 days ago" (or "in 3 min" for the future). */
export function relativeTime(at: number, now: number): string {
  const diff = now - at;
  const ahead = diff < 0;
  const s = Math.round(Math.abs(diff) / 1000);
  let text: string;
  if (s < 5) return "just now";
  if (s < 60) text = `${s} s`;
  else if (s < 3600) text = `${Math.floor(s / 60)} min`;
  else if (s < 86_400) text = `${Math.floor(s / 3600)} h`;
  else {
    const days = Math.floor(s / 86_400);
    text = `${days} ${days === 1 ? "day" : "days"}`;
  }
  return ahead ? `in ${text}` : `${text} ago`;
}
