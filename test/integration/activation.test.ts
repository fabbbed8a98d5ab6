import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { activateExtension, EXTENSION_ID } from './helpers';

describe('Extension in a real VS Code', () => {
  it('activates and reports the VS Code it runs in', async () => {
    const api = await activateExtension();
    const extension = vscode.extensions.getExtension(EXTENSION_ID);
    assert.equal(extension?.isActive, true);
    assert.ok(vscode.version.length > 0);
    assert.ok(api.endpoints.activeName(), 'an active endpoint is always set (the demo by default)');
  });

  it('registers every command it contributes', async () => {
    await activateExtension();
    const extension = vscode.extensions.getExtension(EXTENSION_ID)!;
    const contributed: { command: string }[] = extension.packageJSON.contributes.commands;
    const registered = new Set(await vscode.commands.getCommands(true));
    const missing = contributed.map((c) => c.command).filter((c) => !registered.has(c));
    assert.deepEqual(missing, [], `commands contributed but not registered: ${missing.join(', ')}`);
    assert.ok(contributed.length >= 20);
  });

  it('stores endpoint keys in SecretStorage, never in settings', async () => {
    const api = await activateExtension();
    const key = `test-key-${Date.now()}-abcdefgh`;
    await api.endpoints.save({
      name: 'secret-check',
      url: 'https://example.invalid/score',
      protocol: 'azureml',
      auth: 'key',
    });
    await api.endpoints.setKey('secret-check', key);
    assert.equal(await api.endpoints.hasKey('secret-check'), true);
    const settings = JSON.stringify(vscode.workspace.getConfiguration('medimageparse'));
    assert.ok(!settings.includes(key), 'the key must not appear in settings');
    const userSettingsDir = process.env.VSCODE_USER_SETTINGS_DIR;
    if (userSettingsDir) {
      const file = path.join(userSettingsDir, 'settings.json');
      if (fs.existsSync(file)) assert.ok(!fs.readFileSync(file, 'utf8').includes(key));
    }
    await api.endpoints.remove('secret-check');
    assert.equal(await api.endpoints.hasKey('secret-check'), false, 'removing an endpoint deletes its key');
  });
});
