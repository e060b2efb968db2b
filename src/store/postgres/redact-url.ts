/** A connection URL fit for messages and logs: the password (if any) replaced by `***`. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password !== '') parsed.password = '***';
    return parsed.toString();
  } catch {
    // Not a URL (a libpq key=value string, say): it may hold a password anywhere, show none of it.
    return 'postgres (connection string not shown)';
  }
}
