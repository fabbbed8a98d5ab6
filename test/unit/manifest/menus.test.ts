// Inline actions of a tree item are shown on hover and reached by mouse only; the item's context
// menu (right-click, or Shift+F10 from the keyboard) is how everyone else reaches them.
import * as assert from 'node:assert/strict';
import { Commands } from '../../../src/vscode/ids';
import { readManifest } from '../../support/manifest';

type MenuItem = { command: string; when?: string; group?: string };

const itemMenu = (readManifest().contributes.menus as Record<string, MenuItem[]>)['view/item/context'];
const isInline = (m: MenuItem) => m.group?.startsWith('inline') ?? false;

describe('package.json History item menus', () => {
  it("every inline action of a History item is in the item's context menu too, for the same items", () => {
    const inHistory = itemMenu.filter((m) => m.when?.includes('view == medimageparse.history'));
    const inline = inHistory.filter(isInline);
    const context = inHistory.filter((m) => !isInline(m));
    assert.ok(
      inline.some((m) => m.command === Commands.historyRerun),
      'Run Again is an inline action of History items',
    );
    for (const action of inline)
      assert.ok(
        context.some((m) => m.command === action.command && m.when === action.when),
        `${action.command} is missing from the History item's context menu`,
      );
    assert.ok(
      context.some((m) => m.command === Commands.historyOpen),
      "Open Result is in the History item's context menu",
    );
  });
});

describe('package.json tree item menus of every view', () => {
  /** The view a menu entry is for, from its `when` clause. */
  const viewOf = (m: MenuItem) => /\bview == ([\w.]+)/.exec(m.when ?? '')?.[1];

  it('every inline action of every view is in the item context menu too, with the same when clause', () => {
    const inline = itemMenu.filter(isInline);
    const views = new Set(inline.map(viewOf));
    for (const view of ['medimageparse.endpoints', 'medimageparse.targets', 'medimageparse.history'])
      assert.ok(views.has(view), `${view} has inline item actions`);
    for (const action of inline) {
      assert.ok(viewOf(action), `${action.command}: its when clause names its view`);
      assert.ok(
        itemMenu.some((m) => !isInline(m) && m.command === action.command && m.when === action.when),
        `${action.command} (inline in ${viewOf(action)}, when ${action.when}) is missing from the item's context menu: keyboard users cannot reach it`,
      );
    }
  });

  it('context menu entries are grouped (a named group, not the default "navigation")', () => {
    for (const m of itemMenu.filter((x) => !isInline(x)))
      assert.match(m.group ?? '', /^\d+_[a-z]+@\d+$/, `${m.command} in ${viewOf(m)}: group '${m.group}'`);
  });
});
