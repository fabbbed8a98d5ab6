import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { createMcpProvider, mcpApi, type McpStdioServerDefinition } from '../../src/vscode/mcpProvider';
import { EXTENSION_ID, activateExtension } from './helpers';

/**
 * The MCP server the extension offers to VS Code's MCP support, in the real extension host: the
 * definition runs the bundled CLI on the active endpoint with the workspace folders as roots, the
 * key enters the child's environment only when VS Code resolves the definition to start it, and
 * the definition as given starts a working server. (VS Code 1.100, the server used offline here,
 * predates the registration API; the provider is exercised directly, and where the API exists the
 * test also checks that the extension registered its contribution.)
 */

class PlainDefinition implements McpStdioServerDefinition {
  constructor(
    public label: string,
    public command: string,
    public args: string[] = [],
    public env: Record<string, string | number | null> = {},
    public version?: string,
  ) {}
}

const ENDPOINT = 'mcp-offer-check';
const KEY = `mcp-offer-key-${Date.now()}-xyz`;

describe('MCP server offered to VS Code', function () {
  this.timeout(120_000);

  after(async () => {
    const api = await activateExtension();
    await api.endpoints.setActive('demo');
    await api.endpoints.remove(ENDPOINT);
  });

  it('offers the bundled server on the demo endpoint with the workspace as its root', async () => {
    const api = await activateExtension();
    await api.endpoints.setActive('demo');
    const extension = vscode.extensions.getExtension(EXTENSION_ID)!;
    const { provider, subscriptions } = createMcpProvider(
      { extension, endpoints: api.endpoints, log: api.log },
      PlainDefinition,
    );
    try {
      const [definition] = provider.provideMcpServerDefinitions(new vscode.CancellationTokenSource().token);
      assert.equal(definition.label, 'MedImageParse (demo endpoint)');
      const roots = vscode.workspace.workspaceFolders!.map((f) => f.uri.fsPath);
      assert.ok(definition.args[0].endsWith('dist/cli.js') || definition.args[0].endsWith('dist\\cli.js'));
      assert.deepEqual(definition.args.slice(1, 4), ['mcp', '--endpoint', 'demo']);
      for (const root of roots) assert.ok(definition.args.includes(root), `root ${root} is offered`);

      // Started exactly as VS Code would start it, the server answers.
      const transport = new StdioClientTransport({
        command: definition.command,
        args: definition.args,
        env: { ...(process.env as Record<string, string>), ...(definition.env as Record<string, string>) },
        stderr: 'ignore',
      });
      const client = new Client({ name: 'medimageparse-offer-test', version: '1.0.0' });
      await client.connect(transport);
      try {
        const { tools } = await client.listTools();
        assert.deepEqual(tools.map((t) => t.name).sort(), ['inspect', 'parse', 'recognize', 'targets']);
      } finally {
        await client.close();
      }
    } finally {
      subscriptions.forEach((s) => s.dispose());
    }
  });

  it('gives a key endpoint its key through the environment only when resolved', async () => {
    const api = await activateExtension();
    await api.endpoints.save({
      name: ENDPOINT,
      url: 'http://127.0.0.1:9/score',
      protocol: 'azureml',
      auth: 'key',
    });
    await api.endpoints.setKey(ENDPOINT, KEY);
    await api.endpoints.setActive(ENDPOINT);
    const extension = vscode.extensions.getExtension(EXTENSION_ID)!;
    const { provider, subscriptions } = createMcpProvider(
      { extension, endpoints: api.endpoints, log: api.log },
      PlainDefinition,
    );
    try {
      const token = new vscode.CancellationTokenSource().token;
      const [definition] = provider.provideMcpServerDefinitions(token);
      assert.equal(definition.label, `MedImageParse (${ENDPOINT})`);
      assert.ok(!JSON.stringify(definition).includes(KEY), 'no key before the server starts');
      const keyVar = definition.args[definition.args.indexOf('--key-env') + 1];
      const resolved = await provider.resolveMcpServerDefinition!(definition, token);
      assert.equal(resolved.env[keyVar], `Bearer ${KEY}`);
      assert.ok(!resolved.args.some((a) => a.includes(KEY)), 'never in the arguments');
    } finally {
      subscriptions.forEach((s) => s.dispose());
    }
  });

  it('is registered where VS Code has the MCP API', async function () {
    if (!mcpApi()) this.skip(); // VS Code < 1.101 (the offline server here): nothing to register with.
    const extension = vscode.extensions.getExtension(EXTENSION_ID)!;
    const contributed = (
      extension.packageJSON as { contributes: { mcpServerDefinitionProviders?: { id: string }[] } }
    ).contributes.mcpServerDefinitionProviders;
    assert.deepEqual(
      contributed?.map((c) => c.id),
      ['medimageparse.mcpServers'],
    );
  });
});
