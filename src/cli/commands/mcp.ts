import * as path from 'node:path';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import { exitCodes, parseCliArgs, type CliCommand, type CliIO } from '../command';
import { ENDPOINT_OPTIONS, ENDPOINT_USAGE, endpointSpec, openEndpoint } from '../endpointOptions';
import { createMcpServer } from '../../agents/mcpServer';

const usage = `Usage: medparse mcp [--endpoint <url|demo>] [--key-env VAR] [--root <dir>]...

Runs a Model Context Protocol server over stdio with MedImageParse's tools: parse, recognize,
targets and inspect. The endpoint (default: the offline demo endpoint) and its key are fixed when
the server starts: the key comes from the environment variable named by --key-env and is never a
tool argument. Tools read files only under the --root folders (default: the current folder) and
write results next to the images they parse.

Options:
  --root <dir>           A folder the tools may read (repeatable; default: the current folder).
${ENDPOINT_USAGE}

An entry for an MCP client's configuration (mcp.json):
  { "servers": { "medimageparse": { "command": "node",
      "args": ["<extension>/dist/cli.js", "mcp", "--endpoint", "demo", "--root", "<folder>"] } } }

Research use only; not for clinical use.`;

export const mcpCommand: CliCommand = {
  name: 'mcp',
  summary: 'Run a Model Context Protocol server (stdio) with the parse, recognize, targets and inspect tools',
  usage,
  exitCodes: exitCodes('the server could not start (the endpoint or the key variable)'),
  async run(args, io: CliIO) {
    const { values } = parseCliArgs({
      args,
      strict: true,
      options: { ...ENDPOINT_OPTIONS, root: { type: 'string', multiple: true } },
    });
    const spec = endpointSpec({ ...values, endpoint: values.endpoint ?? 'demo' });
    const roots = (values.root?.length ? values.root : [process.cwd()]).map((r) => path.resolve(r));
    // stdout carries the protocol: every log line goes to stderr.
    const logIO: CliIO = { out: (line) => io.err(line), err: (line) => io.err(line) };
    const endpoint = await openEndpoint(spec, logIO);
    const server = createMcpServer({
      client: endpoint.client,
      endpointName: endpoint.endpointName,
      endpointUrl: endpoint.reportUrl,
      roots,
    });
    const transport = new StdioServerTransport();
    const closed = new Promise<void>((resolve) => {
      transport.onclose = () => resolve();
      process.stdin.once('end', () => resolve());
    });
    await server.connect(transport);
    io.err(`medparse mcp: serving on stdio (endpoint '${endpoint.endpointName}', roots ${roots.join(', ')})`);
    await closed;
    await server.close().catch(() => undefined);
    await endpoint.close();
    return 0;
  },
};
