import * as path from 'node:path';
import * as vscode from 'vscode';
import { mcpLaunch, type CliRunner, type McpEndpointProfile } from '../agents/mcpLaunch';
import type { EndpointEntry, EndpointManager } from './endpoints/endpointManager';
import type { ExtensionLog } from './log';

/**
 * Offers `medparse mcp` to VS Code's own MCP support (agent mode and any MCP-aware extension),
 * so users get the server without editing mcp.json. The API arrived in VS Code 1.101; on older
 * versions nothing is registered and the README's mcp.json entry is the way. The server runs on
 * the active endpoint profile with the workspace folders as its roots; its key or token is put
 * into the child's environment only when VS Code starts it (resolveMcpServerDefinition).
 */

export const MCP_PROVIDER_ID = 'medimageparse.mcpServers';

/** The parts of VS Code's MCP API (1.101+) used here; @types/vscode 1.100 does not have them. */
export interface McpStdioServerDefinition {
  label: string;
  command: string;
  args: string[];
  env: Record<string, string | number | null>;
  version?: string;
}
export type McpStdioServerDefinitionCtor = new (
  label: string,
  command: string,
  args?: string[],
  env?: Record<string, string | number | null>,
  version?: string,
) => McpStdioServerDefinition;
interface McpServerDefinitionProvider {
  onDidChangeMcpServerDefinitions?: vscode.Event<void>;
  provideMcpServerDefinitions(token: vscode.CancellationToken): McpStdioServerDefinition[];
  resolveMcpServerDefinition?(
    server: McpStdioServerDefinition,
    token: vscode.CancellationToken,
  ): Promise<McpStdioServerDefinition>;
}
interface McpApi {
  registerMcpServerDefinitionProvider(id: string, provider: McpServerDefinitionProvider): vscode.Disposable;
  Definition: McpStdioServerDefinitionCtor;
}

/** Whether a VS Code version string is at least major.minor. */
export function versionAtLeast(version: string, major: number, minor: number): boolean {
  const [a, b] = version.split('.').map((p) => parseInt(p, 10));
  return a > major || (a === major && b >= minor);
}

/**
 * VS Code's MCP API where the running VS Code has it finalised (1.101). 1.100 has a proposed
 * version under another contribution name that an installed extension may not use.
 */
export function mcpApi(): McpApi | undefined {
  if (!versionAtLeast(vscode.version, 1, 101)) return undefined;
  const lm = vscode.lm as unknown as Partial<Pick<McpApi, 'registerMcpServerDefinitionProvider'>>;
  const Definition = (vscode as unknown as { McpStdioServerDefinition?: McpStdioServerDefinitionCtor })
    .McpStdioServerDefinition;
  if (typeof lm.registerMcpServerDefinitionProvider !== 'function' || typeof Definition !== 'function')
    return undefined;
  return { registerMcpServerDefinitionProvider: lm.registerMcpServerDefinitionProvider.bind(lm), Definition };
}

function profileOf(entry: EndpointEntry): McpEndpointProfile {
  const s = entry.settings;
  return {
    name: s.name,
    isDemo: entry.isDemo,
    url: s.url,
    protocol: s.protocol,
    deployment: s.deployment,
    timeoutSeconds: s.timeoutSeconds,
    needsAuthorization: s.auth !== 'none',
  };
}

/** The CLI bundled with the extension, run by VS Code's own runtime as plain Node. */
function bundledCli(extension: vscode.Extension<unknown>): CliRunner {
  return {
    command: process.execPath,
    prefixArgs: [path.join(extension.extensionUri.fsPath, 'dist', 'cli.js')],
    env: { ELECTRON_RUN_AS_NODE: '1' },
  };
}

interface Deps {
  extension: vscode.Extension<unknown>;
  endpoints: EndpointManager;
  log: ExtensionLog;
}

/** The provider itself, apart from registration so the integration test can ask it directly. */
export function createMcpProvider(deps: Deps, Definition: McpStdioServerDefinitionCtor) {
  const changed = new vscode.EventEmitter<void>();
  /** Which endpoint each offered definition runs on, by label (definitions may come back as copies). */
  const endpointByLabel = new Map<string, { name: string; keyEnv?: string }>();
  const version = String((deps.extension.packageJSON as { version?: string }).version ?? '0');

  const provider: McpServerDefinitionProvider = {
    onDidChangeMcpServerDefinitions: changed.event,
    provideMcpServerDefinitions() {
      // Restricted Mode: nothing may be sent, so no server is offered until the workspace is trusted.
      if (!vscode.workspace.isTrusted) return [];
      const entry = deps.endpoints.active();
      const roots = (vscode.workspace.workspaceFolders ?? []).map((f) => f.uri.fsPath);
      const launch = mcpLaunch(bundledCli(deps.extension), profileOf(entry), roots);
      endpointByLabel.set(launch.label, { name: entry.settings.name, keyEnv: launch.keyEnv });
      return [new Definition(launch.label, launch.command, launch.args, launch.env, version)];
    },
    async resolveMcpServerDefinition(server) {
      const blocked = deps.endpoints.sendBlockedReason();
      if (blocked) throw new Error(blocked);
      const target = endpointByLabel.get(server.label);
      if (target?.keyEnv) {
        const authorization = await deps.endpoints.authorizationFor(target.name);
        if (!authorization)
          throw new Error(vscode.l10n.t("Endpoint '{0}' has no key or sign-in yet.", target.name));
        server.env = { ...server.env, [target.keyEnv]: authorization };
      }
      deps.log.logger.info(`Starting the MedImageParse MCP server on endpoint '${target?.name ?? '?'}'.`);
      return server;
    },
  };
  const subscriptions = [
    changed,
    deps.endpoints.onDidChange(() => changed.fire()),
    vscode.workspace.onDidChangeWorkspaceFolders(() => changed.fire()),
    vscode.workspace.onDidGrantWorkspaceTrust(() => changed.fire()),
  ];
  return { provider, subscriptions };
}

/** Registers the provider where VS Code has the MCP API; otherwise says so in the log. */
export function registerMcpServerProvider(deps: Deps): vscode.Disposable[] {
  const api = mcpApi();
  if (!api) {
    deps.log.logger.info(
      `VS Code ${vscode.version} has no MCP server API (1.101+): add "medparse mcp" to mcp.json by hand (see the README).`,
    );
    return [];
  }
  const { provider, subscriptions } = createMcpProvider(deps, api.Definition);
  try {
    return [...subscriptions, api.registerMcpServerDefinitionProvider(MCP_PROVIDER_ID, provider)];
  } catch (error) {
    // An optional offer: a refusal by this VS Code must never stop the extension from activating.
    subscriptions.forEach((s) => s.dispose());
    deps.log.logger.warn(`Could not offer the MCP server to VS Code: ${String(error)}`);
    return [];
  }
}
