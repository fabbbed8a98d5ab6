import { execFile } from 'node:child_process';

/**
 * The hand-off to Azure's own tools: the Azure CLI command that submits a prepared folder to a
 * batch endpoint, and the one that fetches its predictions. We only write the command; the CLI
 * signs in with the user's own account, so no credential passes through us.
 */

export interface BatchTarget {
  /** The batch endpoint's name in the Azure ML workspace. */
  endpointName?: string;
  resourceGroup?: string;
  workspace?: string;
}

/** Shown where the endpoint's name is not known, for the user to replace. */
export const ENDPOINT_PLACEHOLDER = '<batch-endpoint-name>';

/** A word for the terminal's shell: bare when safe, else single-quoted (POSIX shells and PowerShell). */
export function shellWord(value: string, platform: NodeJS.Platform = process.platform): string {
  if (/^[\w@%+=:,./\\-]+$/.test(value)) return value;
  return platform === 'win32' ? `'${value.replace(/'/g, "''")}'` : `'${value.replace(/'/g, `'\\''`)}'`;
}

function workspaceArgs(target: BatchTarget, platform: NodeJS.Platform): string {
  return (
    (target.resourceGroup ? ` --resource-group ${shellWord(target.resourceGroup, platform)}` : '') +
    (target.workspace ? ` --workspace-name ${shellWord(target.workspace, platform)}` : '')
  );
}

/**
 * `az ml batch-endpoint invoke` with the prepared folder as a uri_folder input: the CLI uploads
 * the local folder to the workspace's default datastore and starts the scoring job. The endpoint
 * scores every CSV of the folder; manifest.json is no CSV and is only uploaded along.
 */
export function invokeCommand(
  target: BatchTarget,
  inputFolder: string,
  platform: NodeJS.Platform = process.platform,
): string {
  const name = target.endpointName ? shellWord(target.endpointName, platform) : ENDPOINT_PLACEHOLDER;
  return (
    `az ml batch-endpoint invoke --name ${name} --input ${shellWord(inputFolder, platform)} --input-type uri_folder` +
    workspaceArgs(target, platform)
  );
}

/** `az ml job download` of the job's `score` output (named-outputs/score/predictions.csv below `into`). */
export function downloadCommand(
  target: BatchTarget,
  into: string,
  platform: NodeJS.Platform = process.platform,
): string {
  return (
    `az ml job download --name <job-name> --output-name score --download-path ${shellWord(into, platform)}` +
    workspaceArgs(target, platform)
  );
}

/**
 * The batch endpoint's name for a profile: its own `batchEndpoint` when set, else the name of the
 * online endpoint its scoring URI points at (`https://<name>.<region>.inference.ml.azure.com/score`),
 * which is a guess the user confirms, since a batch endpoint is a resource of its own.
 */
export function guessBatchEndpointName(profile: {
  url?: string;
  batchEndpoint?: string;
}): string | undefined {
  if (profile.batchEndpoint) return profile.batchEndpoint;
  try {
    const host = new URL(profile.url ?? '').hostname;
    const m = /^([a-z0-9][a-z0-9-]{0,31})\.[a-z0-9-]+\.inference\.ml\.azure\.com$/i.exec(host);
    return m?.[1];
  } catch {
    return undefined;
  }
}

/** Whether the Azure CLI and its `ml` extension are installed (`az extension show --name ml` succeeds). */
export function hasAzureMlCli(timeoutMs = 30_000): Promise<boolean> {
  return new Promise((resolve) => {
    try {
      execFile(
        'az',
        ['extension', 'show', '--name', 'ml', '--output', 'none'],
        { timeout: timeoutMs, windowsHide: true, shell: process.platform === 'win32' },
        (error) => resolve(!error),
      );
    } catch {
      resolve(false);
    }
  });
}
