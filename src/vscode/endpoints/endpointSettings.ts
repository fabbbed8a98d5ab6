import * as vscode from 'vscode';
import { SETTINGS_SECTION } from '../ids';

export type AuthKind = 'key' | 'entra' | 'none';

/** The non-secret description of an endpoint, as kept in `medimageparse.endpoints`. */
export interface EndpointSettings {
  name: string;
  url: string;
  protocol: 'azureml' | 'mlflow';
  deployment?: string;
  auth: AuthKind;
  tenant?: string;
  timeoutSeconds?: number;
  /** For "Parse Folder on a Batch Endpoint…": the batch endpoint's name and its workspace. */
  batchEndpoint?: string;
  resourceGroup?: string;
  workspace?: string;
}

/** The built-in offline endpoint; never stored in settings. */
export const DEMO_ENDPOINT_NAME = 'demo';

function optionalText<K extends string>(r: Record<string, unknown>, key: K): Partial<Record<K, string>> {
  const value = r[key];
  return typeof value === 'string' && value.trim() ? ({ [key]: value.trim() } as Record<K, string>) : {};
}

function asEndpoint(raw: unknown): EndpointSettings | undefined {
  if (typeof raw !== 'object' || raw === null) return undefined;
  const r = raw as Record<string, unknown>;
  if (typeof r.name !== 'string' || !r.name.trim() || typeof r.url !== 'string') return undefined;
  const auth: AuthKind = r.auth === 'entra' || r.auth === 'none' ? r.auth : 'key';
  return {
    name: r.name.trim(),
    url: r.url.trim(),
    protocol: r.protocol === 'mlflow' ? 'mlflow' : 'azureml',
    deployment: typeof r.deployment === 'string' && r.deployment.trim() ? r.deployment.trim() : undefined,
    auth,
    tenant: typeof r.tenant === 'string' && r.tenant.trim() ? r.tenant.trim() : undefined,
    timeoutSeconds:
      typeof r.timeoutSeconds === 'number' && r.timeoutSeconds > 0 ? r.timeoutSeconds : undefined,
    ...optionalText(r, 'batchEndpoint'),
    ...optionalText(r, 'resourceGroup'),
    ...optionalText(r, 'workspace'),
  };
}

function config(): vscode.WorkspaceConfiguration {
  return vscode.workspace.getConfiguration(SETTINGS_SECTION);
}

/** Endpoints from user settings (application scope: a workspace cannot inject one). */
export function readEndpoints(): EndpointSettings[] {
  const raw = config().get<unknown[]>('endpoints', []);
  const seen = new Set<string>();
  const result: EndpointSettings[] = [];
  for (const item of Array.isArray(raw) ? raw : []) {
    const e = asEndpoint(item);
    if (!e || e.name === DEMO_ENDPOINT_NAME || seen.has(e.name)) continue;
    seen.add(e.name);
    result.push(e);
  }
  return result;
}

export async function writeEndpoints(endpoints: EndpointSettings[]): Promise<void> {
  // Drop undefined fields so settings.json stays tidy.
  const clean = endpoints.map((e) => JSON.parse(JSON.stringify(e)) as EndpointSettings);
  await config().update('endpoints', clean, vscode.ConfigurationTarget.Global);
}

export function readActiveEndpointName(): string {
  return config().get<string>('activeEndpoint', DEMO_ENDPOINT_NAME) || DEMO_ENDPOINT_NAME;
}

export async function writeActiveEndpointName(name: string): Promise<void> {
  await config().update('activeEndpoint', name, vscode.ConfigurationTarget.Global);
}

/** Request and retry settings shared by all endpoints. */
export function readRequestSettings() {
  const c = config();
  return {
    timeoutMs: c.get<number>('request.timeoutSeconds', 90) * 1000,
    maxRequestBytes: c.get<number>('request.maxRequestMegabytes', 20) * 1024 * 1024,
    maxRowsPerRequest: c.get<number>('request.maxRowsPerRequest', 16),
    maxPromptsPerRequest: c.get<number>('request.maxPromptsPerRequest', 16),
    retry: {
      maxRetries: c.get<number>('retry.maxRetries', 5),
      maxWaitMs: c.get<number>('retry.maxWaitSeconds', 60) * 1000,
      maxTotalMs: c.get<number>('retry.maxTotalSeconds', 300) * 1000,
      baseDelayMs: 500,
    },
  };
}

export function readAuthProviderId(): string {
  return config().get<string>('auth.providerId', 'microsoft') || 'microsoft';
}
