// The viewer's keyboard shortcuts are contributed keybindings (users see and remap them in
// Keyboard Shortcuts), bound to the viewer only, for commands the extension registers.
import * as assert from 'node:assert/strict';
import { VIEWER_ACTIONS } from '../../../src/shared/protocol';
import { Commands, ViewTypes } from '../../../src/vscode/ids';
import { contributedCommands, readManifest } from '../../support/manifest';

const manifest = readManifest();

describe('package.json keybindings', () => {
  it('Run, Export and slice stepping are keybindings bound to the viewer', () => {
    const bindings = manifest.contributes.keybindings ?? [];
    const viewerCommands = [
      Commands.viewerRun,
      Commands.viewerExport,
      Commands.viewerPreviousSlice,
      Commands.viewerNextSlice,
      Commands.viewerFirstSlice,
      Commands.viewerLastSlice,
    ];
    assert.equal(viewerCommands.length, VIEWER_ACTIONS.length);
    for (const command of viewerCommands) {
      const binding = bindings.find((b) => b.command === command);
      assert.ok(binding, `${command} has no keybinding`);
      for (const clause of [
        `activeCustomEditorId == ${ViewTypes.medicalEditor}`,
        `activeCustomEditorId == ${ViewTypes.imageEditor}`,
        `activeWebviewPanelId == ${ViewTypes.panel}`,
      ])
        assert.ok(binding.when?.includes(clause), `${command}: when lacks ${clause}`);
    }
    const keys = Object.fromEntries(bindings.map((b) => [b.command, b.key]));
    assert.equal(keys[Commands.viewerNextSlice], 'pagedown');
    assert.equal(keys[Commands.viewerPreviousSlice], 'pageup');
  });

  it('every contributed command is one the extension registers, and the reverse', () => {
    const registered = Object.values(Commands) as string[];
    assert.deepEqual([...contributedCommands(manifest)].sort(), [...registered].sort());
  });
});
