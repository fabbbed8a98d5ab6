/**
 * File names derived from target names (which come from users and from the endpoint).
 */

const WINDOWS_RESERVED = /^(con|prn|aux|nul|com[0-9]|lpt[0-9])$/i;

/**
 * A safe file stem for a target name: letters, digits, '.', '-', '+', '_' only (spaces, path
 * separators and anything else become '_'), at most 80 characters, never hidden, never empty
 * ('target'). Total on purpose: a real prompt such as "T1/T2 lesion" must not fail the export
 * after the endpoint has answered, and no name can leave the export folder.
 */
export function safeFileStem(name: string): string {
  let stem = name
    .trim()
    .replace(/[^A-Za-z0-9.+-]+/g, '_')
    .replace(/_+/g, '_')
    .replace(/^[._]+/, '')
    .replace(/[._]+$/, '');
  if (stem.length > 80) stem = stem.slice(0, 80).replace(/[._]+$/, '');
  if (!stem) stem = 'target';
  if (WINDOWS_RESERVED.test(stem)) stem = `${stem}_`;
  return stem;
}

/**
 * Safe stems for several names, made unique (a second 'tumor' becomes 'tumor-2', and so do
 * 'T1/T2 lesion' and 'T1 T2 lesion', which map to the same stem), case insensitively so exports
 * survive case-insensitive file systems.
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
