/**
 * File names derived from target names (which come from users and from the endpoint).
 */

/** The name with control characters shown as '?', safe to put in an error message. */
function printable(name: string): string {
  return [...name].map((ch) => (ch.charCodeAt(0) < 32 ? '?' : ch)).join('');
}

const WINDOWS_RESERVED = /^(con|prn|aux|nul|com[0-9]|lpt[0-9])$/i;

/**
 * A safe file stem for a target name: letters, digits, '.', '-', '+', '_' only (spaces and
 * anything else become '_'), at most 80 characters. Names that try to leave the export folder
 * (path separators, '..', NUL) are refused with an error rather than silently rewritten.
 */
export function safeFileStem(name: string): string {
  if (/[/\\\0]/.test(name) || name.split(/\s+/).some((part) => part === '..') || name.trim() === '.') {
    throw new Error(`target name '${printable(name)}' is not allowed in a file name (path traversal)`);
  }
  let stem = name
    .trim()
    .replace(/[^A-Za-z0-9.+-]+/g, '_')
    .replace(/_+/g, '_')
    .replace(/^[._]+/, '')
    .replace(/[._]+$/, '');
  if (stem.length > 80) stem = stem.slice(0, 80);
  if (!stem) throw new Error(`target name '${name}' gives an empty file name`);
  if (WINDOWS_RESERVED.test(stem)) stem = `${stem}_`;
  return stem;
}

/**
 * Safe stems for several names, made unique (a second 'tumor' becomes 'tumor-2'), case
 * insensitively so exports survive case-insensitive file systems.
 */
export function uniqueFileStems(names: readonly string[], reserved: readonly string[] = []): string[] {
  const used = new Set(reserved.map((r) => r.toLowerCase()));
  return names.map((name) => {
    const base = safeFileStem(name);
    let stem = base;
    for (let i = 2; used.has(stem.toLowerCase()); i++) stem = `${base}-${i}`;
    used.add(stem.toLowerCase());
    return stem;
  });
}
