/**
 * The gateway's wire vocabulary: the OpenAI error shape, the hop-by-hop headers that are never
 * forwarded, and bearer keys (parsing an api_key_file, comparing in constant time).
 *
 * @module
 */

/** The JSON content type. */
export const JSON_HEADERS = { "content-type": "application/json" };
/** Hop-by-hop (and rewritten) headers: never forwarded as they are. */
export const HOP = new Set([
  "connection",
  "keep-alive",
  "transfer-encoding",
  "upgrade",
  "proxy-connection",
  "proxy-authorization",
  "te",
  "trailer",
  "host",
  "authorization",
  "content-length",
  "accept-encoding",
]);

/** The OpenAI error shape. */
export function openAiError(
  status: number,
  message: string,
  type: string,
  code: string | null,
  headers: Record<string, string> = {},
): Response {
  return new Response(JSON.stringify({ error: { message, type, param: null, code } }), {
    status,
    headers: { ...JSON_HEADERS, ...headers },
  });
}

/** Compare two strings in time that does not depend on where they differ. */
export function timingSafeEqual(a: string, b: string): boolean {
  let diff = a.length ^ b.length;
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    diff |= (a.charCodeAt(i % (a.length || 1)) || 0) ^ (b.charCodeAt(i % (b.length || 1)) || 0);
  }
  return diff === 0;
}

/** Parse an api_key_file: one key a line; blank lines and `#` comments skipped. */
export function parseKeys(text: string): string[] {
  return text.split("\n").map((l) => l.trim()).filter((l) => l && !l.startsWith("#"));
}
