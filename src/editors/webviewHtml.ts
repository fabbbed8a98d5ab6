import * as vscode from 'vscode';
import type { ViewerSettings } from '../shared/protocol';

/** Escapes text for an HTML attribute value or text node. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function makeNonce(): string {
  const bytes = new Uint8Array(24);
  crypto.getRandomValues(bytes);
  return Buffer.from(bytes)
    .toString('base64')
    .replace(/[^A-Za-z0-9]/g, '');
}

/** The only roots a viewer webview may load from: our bundles and icons. No workspace files. */
export function viewerResourceRoots(extensionUri: vscode.Uri): vscode.Uri[] {
  return [vscode.Uri.joinPath(extensionUri, 'dist'), vscode.Uri.joinPath(extensionUri, 'media')];
}

/**
 * The one function that builds viewer HTML: `default-src 'none'`, a nonce'd script, styles and
 * fonts from the extension only (no inline styles), images from blob:/data: (the canvas), no network. Initial
 * settings travel in a data- attribute, escaped, and so do the translations of the viewer's texts
 * (`vscode.l10n.bundle`, absent in English: webview/l10nSetup.ts loads it into @vscode/l10n).
 */
export function buildViewerHtml(
  webview: vscode.Webview,
  extensionUri: vscode.Uri,
  settings: ViewerSettings,
  title: string,
): string {
  const nonce = makeNonce();
  const asset = (...p: string[]) => webview.asWebviewUri(vscode.Uri.joinPath(extensionUri, ...p)).toString();
  const csp = [
    "default-src 'none'",
    `img-src ${webview.cspSource} blob: data:`,
    // No 'unsafe-inline': the viewer styles from its stylesheet, element.style (CSSOM) and the
    // components' constructed stylesheets, none of which this blocks.
    `style-src ${webview.cspSource}`,
    `font-src ${webview.cspSource}`,
    `script-src 'nonce-${nonce}'`,
    'worker-src blob:',
  ].join('; ');
  return `<!DOCTYPE html>
<html lang="${escapeHtml(vscode.env.language)}">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<link rel="stylesheet" href="${escapeHtml(asset('dist', 'codicons', 'codicon.css'))}" id="vscode-codicon-stylesheet">
<link rel="stylesheet" href="${escapeHtml(asset('dist', 'webview.css'))}">
<title>${escapeHtml(title)}</title>
</head>
<body>
<div id="app" data-settings="${escapeHtml(JSON.stringify(settings))}"${l10nAttribute(vscode.l10n.bundle)}></div>
<script nonce="${nonce}" src="${escapeHtml(asset('dist', 'webview.js'))}"></script>
</body>
</html>`;
}

/** The ` data-l10n="…"` attribute carrying a translation bundle to the webview; none in English. */
export function l10nAttribute(bundle: { [key: string]: string } | undefined): string {
  return bundle ? ` data-l10n="${escapeHtml(JSON.stringify(bundle))}"` : '';
}

/**
 * The page a viewer shows instead when its image cannot be opened: the message as text, styled by
 * a nonce'd style element (no inline style attributes, no scripts).
 */
export function buildErrorHtml(message: string): string {
  const nonce = makeNonce();
  return (
    `<!DOCTYPE html><html lang="en"><head><meta charset="UTF-8">` +
    `<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'nonce-${nonce}'">` +
    `<style nonce="${nonce}">body { font-family: var(--vscode-font-family); color: var(--vscode-errorForeground); padding: 1em; }</style>` +
    `</head><body><p role="alert">${escapeHtml(message)}</p></body></html>`
  );
}
