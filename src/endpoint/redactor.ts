/**
 * Removes credentials from any text before it is logged or shown. Every log line and every
 * EndpointError message passes through one of these, so a key that reaches an error path (an
 * echoed header, a URL with `?key=`, a proxy's error page) still never reaches the user's screen.
 */
export class Redactor {
  private readonly secrets = new Set<string>();

  /** Shorter strings are ignored: redacting every "a" would wreck messages and protect nothing. */
  static readonly MIN_SECRET_LENGTH = 4;

  /** Registers a literal secret (an endpoint key, a token, a full Authorization value). */
  addSecret(secret: string | undefined): void {
    if (!secret) return;
    const trimmed = secret.trim();
    for (const candidate of [trimmed, trimmed.replace(/^(bearer|basic)\s+/i, '')]) {
      if (candidate.length < Redactor.MIN_SECRET_LENGTH) continue;
      this.secrets.add(candidate);
      // A key can also travel URL-encoded (query strings) or base64-encoded (Basic auth).
      const encoded = encodeURIComponent(candidate);
      if (encoded !== candidate) this.secrets.add(encoded);
    }
  }

  redact(text: string): string {
    let out = text;
    // Longest first so that a secret containing another one is removed whole.
    for (const secret of [...this.secrets].sort((a, b) => b.length - a.length)) {
      out = out.split(secret).join('[REDACTED]');
    }
    return (
      out
        .replace(/\b(Bearer|Basic)\s+[A-Za-z0-9\-._~+/=]+/gi, '$1 [REDACTED]')
        .replace(
          /\b(authorization|api-key|ocp-apim-subscription-key)(["']?\s*[:=]\s*["']?)(?!\[REDACTED\])[^\s"',;&}]+/gi,
          '$1$2[REDACTED]',
        )
        .replace(
          /\b(key|api[_-]?key|primary[_-]?key|secondary[_-]?key|token|access[_-]?token|id[_-]?token|refresh[_-]?token|password|secret|client[_-]?secret)(["']?\s*[=:]\s*["']?)(?!\[REDACTED\])[^\s"'&,;}]+/gi,
          '$1$2[REDACTED]',
        )
        // Query-string credentials (SAS signatures, function keys) only in their `name=value` form,
        // so that prose such as "status code: 500" survives.
        .replace(/([?&](?:sig|code|subscription-key)=)[^\s&#"']+/gi, '$1[REDACTED]')
        // `+` and a length check rather than `{4,}`: V8 runs a bounded quantifier by backtracking,
        // one stack frame per character, and a multi-megabyte base64url run overflowed the stack.
        .replace(
          /\beyJ([A-Za-z0-9_-]+)\.([A-Za-z0-9_-]+)\.[A-Za-z0-9_-]*/g,
          (jwt, header: string, payload: string) =>
            header.length >= 4 && payload.length >= 4 ? '[REDACTED-JWT]' : jwt,
        )
    );
  }
}
