/** JSON bodies as values (Prism validates them against the schema), anything else as text; no body as null. */
export function parseBody(body: Buffer, contentType: string | undefined): unknown {
  if (body.length === 0) return null;
  const text = body.toString('utf8');
  if (contentType && /^application\/([\w.+-]*\+)?json\b/i.test(contentType)) {
    try {
      return JSON.parse(text) as unknown;
    } catch {
      return text; // Prism reports it as not matching the schema
    }
  }
  return text;
}

/** As Prism's server does: JSON for JSON media types, strings as they are. */
export function serialize(body: unknown, contentType: unknown): string | undefined {
  if (body === undefined || body === null) return typeof contentType === 'string' && /json/i.test(contentType) && body === null ? 'null' : undefined;
  if (typeof contentType === 'string' && /^application\/([\w.+-]*\+)?json\b/i.test(contentType)) return JSON.stringify(body);
  return typeof body === 'string' ? body : JSON.stringify(body);
}
