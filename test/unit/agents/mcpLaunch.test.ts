import * as assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import {
  MCP_KEY_ENV,
  mcpLaunch,
  type CliRunner,
  type McpEndpointProfile,
} from '../../../src/agents/mcpLaunch';
import { startFaultServer, type FaultServer } from '../../support/faultServer';

/**
 * The launch the extension offers to VS Code's MCP support (src/vscode/mcpProvider.ts): started
 * exactly as built, it is a working server on the profile's endpoint, and the key reaches the
 * endpoint only through the child's environment, never through its arguments.
 */

const ROOT = path.resolve(__dirname, '../../..');
const SAMPLE = path.join(ROOT, 'media/samples/demo/06_CT_abdomen.png');
const SECRET = 'mcp-launch-key-7c2e01';

/** The CLI from source, as the extension runs dist/cli.js. */
const sourceCli: CliRunner = {
  command: process.execPath,
  prefixArgs: ['--import', 'tsx', path.join(ROOT, 'src/cli/main.ts')],
  env: { ELECTRON_RUN_AS_NODE: '1' },
};

function profile(overrides: Partial<McpEndpointProfile>): McpEndpointProfile {
  return {
    name: 'lab',
    isDemo: false,
    url: 'https://lab.example/score',
    protocol: 'azureml',
    needsAuthorization: true,
    ...overrides,
  };
}

async function start(
  launch: ReturnType<typeof mcpLaunch>,
  extraEnv: Record<string, string>,
): Promise<{ client: Client; stderr: () => string }> {
  let stderr = '';
  const transport = new StdioClientTransport({
    command: launch.command,
    args: launch.args,
    env: { ...(process.env as Record<string, string>), ...launch.env, ...extraEnv },
    stderr: 'pipe',
  });
  transport.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const client = new Client({ name: 'medimageparse-launch-test', version: '1.0.0' });
  await client.connect(transport);
  return { client, stderr: () => stderr };
}

describe('MCP server launch offered to VS Code', function () {
  this.timeout(180_000);

  it('runs the demo profile with no key and the workspace folders as roots', () => {
    const launch = mcpLaunch(sourceCli, profile({ name: 'demo', isDemo: true, url: 'http://127.0.0.1' }), [
      '/ws/a',
      '/ws/b',
    ]);
    assert.deepEqual(launch.args.slice(sourceCli.prefixArgs.length), [
      'mcp',
      '--endpoint',
      'demo',
      '--root',
      '/ws/a',
      '--root',
      '/ws/b',
    ]);
    assert.equal(launch.keyEnv, undefined);
    assert.equal(launch.label, 'MedImageParse (demo endpoint)');
  });

  it('passes protocol, deployment and timeout, and names the key variable instead of the key', () => {
    const launch = mcpLaunch(
      sourceCli,
      profile({ protocol: 'mlflow', deployment: 'blue', timeoutSeconds: 120 }),
      ['/ws'],
    );
    const cli = launch.args.slice(sourceCli.prefixArgs.length);
    assert.deepEqual(cli, [
      'mcp',
      '--endpoint',
      'https://lab.example/score',
      '--protocol',
      'mlflow',
      '--deployment',
      'blue',
      '--timeout',
      '120',
      '--key-env',
      MCP_KEY_ENV,
      '--root',
      '/ws',
    ]);
    assert.equal(launch.keyEnv, MCP_KEY_ENV);
    assert.equal(mcpLaunch(sourceCli, profile({ needsAuthorization: false }), []).keyEnv, undefined);
  });

  describe('started as built, against a loopback endpoint', () => {
    let server: FaultServer;
    let tmp: string;
    before(async () => {
      server = await startFaultServer();
      tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'mip-mcp-launch-'));
      await fs.copyFile(SAMPLE, path.join(tmp, 'ct.png'));
    });
    after(async () => {
      await server.close();
      await fs.rm(tmp, { recursive: true, force: true });
    });

    it('parses through the profile endpoint with the key from the environment only', async () => {
      const launch = mcpLaunch(sourceCli, profile({ url: server.url }), [tmp]);
      assert.ok(!launch.args.some((a) => a.includes(SECRET)));
      const { client, stderr } = await start(launch, { [launch.keyEnv!]: SECRET });
      try {
        const { tools } = await client.listTools();
        assert.deepEqual(tools.map((t) => t.name).sort(), ['inspect', 'parse', 'recognize', 'targets']);
        const result = (await client.callTool({
          name: 'parse',
          arguments: { image: 'ct.png', targets: ['liver'], modality: 'CT', site: 'abdomen' },
        })) as { isError?: boolean; content: { type: string; text?: string }[] };
        const text = result.content.map((c) => c.text ?? '').join('\n');
        assert.ok(!result.isError, text);
        assert.equal(server.requests.length, 1);
        assert.equal(server.requests[0].headers.authorization, `Bearer ${SECRET}`);
        assert.deepEqual(server.requests[0].rows[0].prompts, ['liver']);
        assert.ok(!text.includes(SECRET) && !stderr().includes(SECRET));
      } finally {
        await client.close();
      }
    });

    it('refuses files outside the workspace roots', async () => {
      const launch = mcpLaunch(sourceCli, profile({ url: server.url }), [tmp]);
      const { client } = await start(launch, { [launch.keyEnv!]: SECRET });
      try {
        const result = (await client.callTool({ name: 'inspect', arguments: { image: SAMPLE } })) as {
          isError?: boolean;
          content: { text?: string }[];
        };
        assert.equal(result.isError, true);
        assert.match(result.content[0].text ?? '', /outside|root/i);
      } finally {
        await client.close();
      }
    });
  });
});
