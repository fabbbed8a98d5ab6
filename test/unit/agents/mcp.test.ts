import * as assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { TOOL_DESCRIPTIONS } from '../../../src/agents/descriptions';
import { main } from '../../../src/cli/main';
import { startFaultServer } from '../../support/faultServer';

/**
 * `medparse mcp` driven by the MCP SDK's own client over stdio, as an agent host would: the four
 * tools are listed, each answers on the samples with the demo endpoint (the same figures as the
 * CLI), and bad arguments, unreadable images, files outside the roots and endpoint failures come
 * back as tool errors without a crashed server or a leaked key.
 */

const ROOT = path.resolve(__dirname, '../../..');
const SAMPLES = path.join(ROOT, 'media/samples');
const SECRET = 'mcp-test-key-4b1d9e';

type ToolResult = {
  isError?: boolean;
  content: { type: string; text?: string; data?: string; mimeType?: string }[];
  structuredContent?: Record<string, unknown>;
};

async function connect(
  args: string[],
  env: Record<string, string> = {},
): Promise<{ client: Client; stderr: () => string }> {
  let stderr = '';
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: ['--import', 'tsx', path.join(ROOT, 'src/cli/main.ts'), 'mcp', ...args],
    env: { ...(process.env as Record<string, string>), ...env },
    stderr: 'pipe',
  });
  transport.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const client = new Client({ name: 'medimageparse-test', version: '1.0.0' });
  await client.connect(transport);
  return { client, stderr: () => stderr };
}

const text = (r: ToolResult) =>
  r.content
    .filter((c) => c.type === 'text')
    .map((c) => c.text)
    .join('\n');

describe('medparse mcp (Model Context Protocol over stdio)', function () {
  // A child process with tsx and real image work: a guard against hangs, not a speed limit.
  this.timeout(180_000);
  let tmp: string;
  let client: Client;
  let stderr: () => string;

  before(async () => {
    tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'mip-mcp-'));
    await fs.copyFile(path.join(SAMPLES, 'demo/06_CT_abdomen.png'), path.join(tmp, '06_CT_abdomen.png'));
    await fs.writeFile(path.join(tmp, 'broken.png'), 'not a png at all');
    ({ client, stderr } = await connect(['--root', tmp, '--root', path.join(SAMPLES, 'phantom')]));
  });
  after(async () => {
    await client?.close();
    await fs.rm(tmp, { recursive: true, force: true });
  });

  it('lists the four tools with their descriptions and input schemas', async () => {
    const { tools } = await client.listTools();
    assert.deepEqual(tools.map((t) => t.name).sort(), ['inspect', 'parse', 'recognize', 'targets']);
    for (const tool of tools) {
      assert.equal(tool.description, TOOL_DESCRIPTIONS[tool.name as keyof typeof TOOL_DESCRIPTIONS]);
      assert.equal(tool.inputSchema.type, 'object');
    }
    const parse = tools.find((t) => t.name === 'parse')!;
    assert.deepEqual((parse.inputSchema.required as string[]).sort(), ['image', 'targets']);
  });

  it('parse answers with the same figures as the CLI, the result files and an overlay picture', async () => {
    const result = (await client.callTool({
      name: 'parse',
      arguments: { image: '06_CT_abdomen.png', targets: ['liver', 'spleen'] },
    })) as ToolResult;
    assert.ok(!result.isError, text(result));
    const data = result.structuredContent as {
      targets: { target: string; areaPixels: number; instances: number; validity: string }[];
      resultFolder: string;
      source: string;
    };
    assert.equal(data.source, 'demo-reference');
    assert.match(text(result), /reference annotations from the demo endpoint \(not model output\)/);
    const image = result.content.find((c) => c.type === 'image');
    assert.equal(image?.mimeType, 'image/png');
    assert.ok(Buffer.from(image!.data!, 'base64').subarray(1, 4).equals(Buffer.from('PNG')));
    assert.ok((await fs.readdir(data.resultFolder)).includes('report.json'));

    // The CLI on the same image and targets reports the same areas.
    const out: string[] = [];
    const code = await main(
      [
        'parse',
        path.join(tmp, '06_CT_abdomen.png'),
        '--prompt',
        'liver & spleen',
        '--endpoint',
        'demo',
        '--out-dir',
        path.join(tmp, 'cli'),
      ],
      { out: (l) => out.push(l), err: (l) => out.push(l) },
    );
    assert.equal(code, 0, out.join('\n'));
    const report = JSON.parse(await fs.readFile(path.join(tmp, 'cli', 'report.json'), 'utf8'));
    assert.deepEqual(
      data.targets.map((t) => [t.target, t.areaPixels]),
      report.targets.map((t: { name: string; area: number }) => [t.name, t.area]),
    );
    assert.ok(data.targets[0].areaPixels > 1000);
  });

  it('recognize, targets and inspect answer on the samples', async () => {
    const rec = (await client.callTool({
      name: 'recognize',
      arguments: { image: '06_CT_abdomen.png', modalityKey: 'CT-Abdomen' },
    })) as ToolResult;
    assert.ok(!rec.isError, text(rec));
    const found = (rec.structuredContent as { targets: { target: string }[] }).targets.map((t) => t.target);
    assert.ok(found.includes('liver'), found.join(', '));

    const targets = (await client.callTool({
      name: 'targets',
      arguments: { modality: 'CT', site: 'abdomen' },
    })) as ToolResult;
    assert.ok(!targets.isError);
    assert.match(text(targets), /CT · abdomen: .*liver/);

    const inspect = (await client.callTool({
      name: 'inspect',
      arguments: { image: 'synthetic_phantom_ct.nii.gz' },
    })) as ToolResult;
    assert.ok(!inspect.isError, text(inspect));
    assert.equal((inspect.structuredContent as { slices: number }).slices, 48);
    const series = (await client.callTool({
      name: 'inspect',
      arguments: { image: 'synthetic_phantom_ct_series' },
    })) as ToolResult;
    assert.equal((series.structuredContent as { kind: string; slices: number }).slices, 48);
  });

  it('bad arguments, unreadable images and files outside the roots are tool errors; the server lives on', async () => {
    const cases: [string, Record<string, unknown>, RegExp][] = [
      ['parse', { image: '06_CT_abdomen.png', targets: [] }, /too_small|at least|>=1|one or more/i],
      ['parse', { image: 'broken.png', targets: ['liver'] }, /broken\.png/],
      [
        'parse',
        { image: path.join(SAMPLES, 'covid_1585.png'), targets: ['lung'] },
        /outside the folders this tool may read/,
      ],
      ['parse', { image: '../../../etc/passwd', targets: ['liver'] }, /outside the folders|no such file/],
      [
        'recognize',
        { image: '06_CT_abdomen.png', modalityKey: 'CT-Brain' },
        /unknown modality key 'CT-Brain'/,
      ],
      ['targets', { modality: 'PET' }, /unknown modality 'PET'/],
      ['inspect', { image: 'missing.dcm' }, /missing\.dcm: no such file/],
    ];
    for (const [name, args, expected] of cases) {
      const result = (await client.callTool({ name, arguments: args })) as ToolResult;
      assert.equal(result.isError, true, `${name} ${JSON.stringify(args)} should fail: ${text(result)}`);
      assert.match(text(result), expected);
    }
    // Still answering after all that.
    const ok = (await client.callTool({ name: 'targets', arguments: {} })) as ToolResult;
    assert.ok(!ok.isError);
    assert.ok(!/Error: |at .*\.ts:\d+/.test(stderr()), 'no stack traces on stderr');
  });

  it('endpoint failures are tool errors that never show the key', async () => {
    const faults = await startFaultServer();
    const other = await connect(['--endpoint', faults.url, '--key-env', 'MCP_TEST_KEY', '--root', tmp], {
      MCP_TEST_KEY: SECRET,
    });
    try {
      faults.enqueue({ type: 'status', status: 401, body: `bad key ${SECRET}` });
      const result = (await other.client.callTool({
        name: 'parse',
        arguments: { image: '06_CT_abdomen.png', targets: ['liver'] },
      })) as ToolResult;
      assert.equal(result.isError, true);
      assert.match(text(result), /401|key|credential/i);
      assert.ok(!text(result).includes(SECRET), 'the key is in the tool error');
      assert.ok(!other.stderr().includes(SECRET), 'the key is on stderr');
      assert.equal(faults.requests[0]?.headers.authorization, `Bearer ${SECRET}`);
    } finally {
      await other.client.close();
      await faults.close();
    }
  });
});
