/**
 * Element construction without HTML parsing: attributes via setAttribute, text via text nodes.
 * File names, prompts, endpoint labels and error messages are untrusted, so nothing in the viewer
 * ever goes through innerHTML.
 */
export type Attrs = Record<string, string | number | boolean | undefined | null>;
export type Child = Node | string | null | undefined | false;

export function el<T extends HTMLElement = HTMLElement>(
  tag: string,
  attrs: Attrs = {},
  ...children: Child[]
): T {
  const e = document.createElement(tag) as T;
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    // The CSP blocks style attributes (no 'unsafe-inline'): use a class, or `e.style` (CSSOM).
    if (k.toLowerCase() === 'style')
      // l10n-ignore: a programming error, never met by a user
      throw new Error('el(): use a class or element.style, not a style attribute');
    e.setAttribute(k, v === true ? '' : String(v));
  }
  append(e, ...children);
  return e;
}

export function append(parent: Node, ...children: Child[]): void {
  for (const c of children) {
    if (c === null || c === undefined || c === false) continue;
    parent.appendChild(typeof c === 'string' ? document.createTextNode(c) : c);
  }
}

/** Replaces an element's children. */
export function replaceChildren(parent: Element, ...children: Child[]): void {
  parent.replaceChildren();
  append(parent, ...children);
}

export function setText(e: Element, text: string): void {
  if (e.textContent !== text) e.textContent = text;
}

export function show(e: HTMLElement, visible: boolean): void {
  e.hidden = !visible;
}

/** A codicon glyph (font loaded from dist/codicons), hidden from assistive tech. */
export function icon(name: string): HTMLElement {
  return el('span', { class: `codicon codicon-${name}`, 'aria-hidden': 'true' });
}
