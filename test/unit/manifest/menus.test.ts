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
