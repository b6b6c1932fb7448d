// Slack's limits on a message, from its Block Kit and chat.postMessage references, and cutting text
// to fit them. Slack rejects a message that breaks one (`invalid_blocks`, `msg_too_long`), so the
// renderers fit everything they send; a cut never splits a UTF-16 surrogate pair (half an emoji
// is an invalid string) and never leaves half of an escaped `&amp;`.

export const SlackLimits = {
  /** Blocks per message. */
  blocks: 50,
  /** A section's text, and the top-level fallback text we send. */
  sectionText: 3000,
  /** Each of a section's fields. */
  fieldText: 2000,
  fieldsPerSection: 10,
  /** A header block's plain text. */
  headerText: 150,
  /** Elements of a context block. */
  contextElements: 10,
  /** Elements of an actions block. */
  actionsElements: 25,
  /** A button's text. */
  buttonText: 75,
  /** A button's value. */
  buttonValue: 2000,
  /** A button's action_id. */
  actionId: 255,
  /** A URL on a button or in a link. */
  url: 3000,
} as const;

const ELLIPSIS = "…";

/**
 * The longest prefix of `text` with at most `max` UTF-16 units that does not end inside a
 * surrogate pair.
 */
function prefix(text: string, max: number): string {
  if (text.length <= max) return text;
  let end = Math.max(0, max);
  const last = text.charCodeAt(end - 1);
  // A high surrogate at the end would be half a character: leave it out.
  if (end > 0 && last >= 0xd800 && last <= 0xdbff) end -= 1;
  return text.slice(0, end);
}

/** `text` cut to at most `max` UTF-16 units, ending in "…" when cut. */
export function truncate(text: string, max: number): string {
  if (text.length <= max) return text;
  return `${prefix(text, max - ELLIPSIS.length)}${ELLIPSIS}`;
}

/** Slack mrkdwn control characters (Slack: "Escaping text"). */
export function escapeMrkdwn(text: string): string {
  return text.replaceAll("&", "&amp;").replaceAll("<", "&lt;").replaceAll(">", "&gt;");
}

/**
 * `render(raw)` when it fits in `max` characters, else `render` of the longest cut of `raw` that
 * fits with "…" after it. Cutting the raw text, not the rendering, keeps escapes (`&amp;`) and
 * markup whole.
 */
export function fitRendered(raw: string, max: number, render: (text: string) => string): string {
  const whole = render(raw);
  if (whole.length <= max) return whole;
  let low = 0;
  let high = raw.length;
  while (low < high) {
    const middle = Math.ceil((low + high) / 2);
    if (render(`${prefix(raw, middle)}${ELLIPSIS}`).length <= max) low = middle;
    else high = middle - 1;
  }
  const fitted = render(`${prefix(raw, low)}${ELLIPSIS}`);
  // Markup alone longer than max: nothing of the text fits.
  return fitted.length <= max ? fitted : truncate(fitted, max);
}

/** `raw` escaped for mrkdwn, at most `max` characters after escaping, never inside an entity. */
export function escapeAndFit(raw: string, max: number): string {
  return fitRendered(raw, max, escapeMrkdwn);
}

/** Joins `parts` with `separator`, leaving out (whole) the parts after the first that would not fit. */
export function joinFitting(parts: readonly string[], separator: string, max: number): string {
  let joined = "";
  for (const part of parts) {
    const next = joined === "" ? part : `${joined}${separator}${part}`;
    if (next.length > max) break;
    joined = next;
  }
  return joined;
}
