/**
 * Loads the host's translations before anything in the viewer makes its text: main.ts imports
 * this module first, so it runs before every other module's top level. The host puts
 * `vscode.l10n.bundle` (the extension's l10n/bundle.l10n.<language>.json, absent in English) in
 * the `data-l10n` attribute of #app; without it, `l10n.t` returns the English text as written.
 */
import * as l10n from '@vscode/l10n';

const raw = document.getElementById('app')?.dataset.l10n;
if (raw) {
  try {
    l10n.config({ contents: JSON.parse(raw) as Record<string, string> });
  } catch {
    // A bundle that does not parse leaves the viewer in English rather than blank.
  }
}
