/**
 * How VS Code should start `medparse mcp` for one endpoint profile: the command line and the
 * environment, kept apart so that the key is only ever an environment variable of the child
 * process (the server reads it through --key-env; it is never an argument, a setting or a log
 * line). No `vscode` import: the extension's MCP provider and the tests build the same launch.
 */

/** The environment variable the extension fills with the endpoint's key or token at start. */
export const MCP_KEY_ENV = 'MEDIMAGEPARSE_ENDPOINT_KEY';

/** The non-secret parts of an endpoint profile the server needs. */
export interface McpEndpointProfile {
  name: string;
  isDemo: boolean;
  url: string;
  protocol: 'azureml' | 'mlflow';
  deployment?: string;
  timeoutSeconds?: number;
  /** Whether the server needs a key or token (key or Entra ID profiles). */
  needsAuthorization: boolean;
}

/** How to run the CLI: node (or VS Code's own runtime) and the arguments that reach `main`. */
export interface CliRunner {
  command: string;
  /** Arguments before the CLI's own, e.g. [<extension>/dist/cli.js]. */
  prefixArgs: string[];
  /** Environment the runner itself needs (ELECTRON_RUN_AS_NODE for VS Code's binary). */
  env: Record<string, string>;
}

export interface McpLaunch {
  /** Shown in VS Code's MCP server list. */
  label: string;
  command: string;
  args: string[];
  env: Record<string, string>;
  /** Set when the key or token must be put into env[MCP_KEY_ENV] just before the start. */
  keyEnv?: string;
}

export function mcpLaunch(
  runner: CliRunner,
  profile: McpEndpointProfile,
  roots: readonly string[],
): McpLaunch {
  const args = [...runner.prefixArgs, 'mcp', '--endpoint', profile.isDemo ? 'demo' : profile.url];
  if (!profile.isDemo) {
    args.push('--protocol', profile.protocol);
    if (profile.deployment) args.push('--deployment', profile.deployment);
    if (profile.timeoutSeconds) args.push('--timeout', String(profile.timeoutSeconds));
  }
  const keyEnv = !profile.isDemo && profile.needsAuthorization ? MCP_KEY_ENV : undefined;
  if (keyEnv) args.push('--key-env', keyEnv);
  for (const root of roots) args.push('--root', root);
  return {
    label: `MedImageParse (${profile.isDemo ? 'demo endpoint' : profile.name})`,
    command: runner.command,
    args,
    env: { ...runner.env },
    keyEnv,
  };
}
