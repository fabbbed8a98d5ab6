import * as vscode from 'vscode';
import { probeKeyStorage, type KeyStorageVerdict } from './keyStorage';
import { EndpointClient } from '../../endpoint/client';
import { endpointConfig } from '../../endpoint/config';
import { entraToken, type SessionSource } from '../../endpoint/entra';
import { EndpointError } from '../../endpoint/errors';
import { startDemoServer, type DemoServer } from '../../demo/server';
import { Disposable } from '../disposable';
import { ContextKeys, SETTINGS_SECTION } from '../ids';
import type { ExtensionLog } from '../log';
import {
  DEMO_ENDPOINT_NAME,
  readActiveEndpointName,
  readAuthProviderId,
  readEndpoints,
  readRequestSettings,
  writeActiveEndpointName,
  writeEndpoints,
  type EndpointSettings,
} from './endpointSettings';

/** VS Code's sessions, for entraToken. */
const vscodeSessions: SessionSource = {
  getSession: (providerId, scopes, request) =>
    'createIfNone' in request
      ? vscode.authentication.getSession(providerId, scopes, request)
      : vscode.authentication.getSession(providerId, scopes, request),
};

/** What the side panel shows about an endpoint besides its settings. */
export interface EndpointState {
  reachable?: boolean;
  lastError?: string;
  lastCheckedAt?: string;
  latencyMs?: number;
}

export interface EndpointEntry {
  settings: EndpointSettings;
  isDemo: boolean;
  isActive: boolean;
  state: EndpointState;
}

/**
 * Owns the endpoints: their settings, their credentials (SecretStorage only), the built-in demo
 * server, and clients for calls. Secrets are registered with the log's redactor the moment they
 * are read, so no later log line or error can carry them.
 */
export class EndpointManager extends Disposable {
  private readonly changed = this._register(new vscode.EventEmitter<void>());
  readonly onDidChange = this.changed.event;
  private readonly states = new Map<string, EndpointState>();
  private demo?: Promise<DemoServer>;

  constructor(
    private readonly context: vscode.ExtensionContext,
    private readonly log: ExtensionLog,
  ) {
    super();
    this._register(
      vscode.workspace.onDidChangeConfiguration((e) => {
        if (e.affectsConfiguration(SETTINGS_SECTION)) this.fireChanged();
      }),
    );
    this._register(context.secrets.onDidChange(() => this.fireChanged()));
    this._register(vscode.workspace.onDidGrantWorkspaceTrust(() => this.fireChanged()));
    this._register({ dispose: () => void this.demo?.then((d) => d.close()).catch(() => undefined) });
    this.updateContextKeys();
  }

  private fireChanged(): void {
    this.updateContextKeys();
    this.changed.fire();
  }

  private updateContextKeys(): void {
    void vscode.commands.executeCommand(
      'setContext',
      ContextKeys.hasEntraEndpoint,
      readEndpoints().some((e) => e.auth === 'entra'),
    );
  }

  /** The demo endpoint first, then the user's, in settings order. */
  list(): EndpointEntry[] {
    const active = this.activeName();
    const demo: EndpointSettings = {
      name: DEMO_ENDPOINT_NAME,
      // l10n-ignore: a URL field, never shown for the demo endpoint (its description is)
      url: 'http://127.0.0.1 (started on demand)',
      protocol: 'azureml',
      auth: 'none',
    };
    return [demo, ...readEndpoints()].map((settings) => ({
      settings,
      isDemo: settings.name === DEMO_ENDPOINT_NAME,
      isActive: settings.name === active,
      state: this.states.get(settings.name) ?? {},
    }));
  }

  activeName(): string {
    const name = readActiveEndpointName();
    return name === DEMO_ENDPOINT_NAME || readEndpoints().some((e) => e.name === name)
      ? name
      : DEMO_ENDPOINT_NAME;
  }

  get(name: string): EndpointEntry | undefined {
    return this.list().find((e) => e.settings.name === name);
  }

  active(): EndpointEntry {
    return this.get(this.activeName()) ?? this.list()[0];
  }

  /** Why nothing may be sent right now, or undefined when sending is allowed. */
  sendBlockedReason(): string | undefined {
    if (!vscode.workspace.isTrusted) {
      return vscode.l10n.t(
        'This workspace is in Restricted Mode: images can be viewed, but nothing is sent to an endpoint until you trust the workspace.',
      );
    }
    return undefined;
  }

  async setActive(name: string): Promise<void> {
    await writeActiveEndpointName(name);
    this.fireChanged();
  }

  async save(endpoint: EndpointSettings, replacing?: string): Promise<void> {
    const list = readEndpoints().filter((e) => e.name !== endpoint.name && e.name !== replacing);
    await writeEndpoints([...list, endpoint]);
    if (replacing && replacing !== endpoint.name) {
      const key = await this.getKey(replacing);
      if (key) await this.setKey(endpoint.name, key);
      await this.context.secrets.delete(secretKey(replacing));
      if (this.activeName() === replacing) await writeActiveEndpointName(endpoint.name);
    }
    this.fireChanged();
  }

  async remove(name: string): Promise<void> {
    await writeEndpoints(readEndpoints().filter((e) => e.name !== name));
    await this.context.secrets.delete(secretKey(name));
    this.states.delete(name);
    if (readActiveEndpointName() === name) await writeActiveEndpointName(DEMO_ENDPOINT_NAME);
    this.fireChanged();
  }

  /** Whether keys survive Reload Window here (see keyStorage.ts). */
  keyStorage(): Promise<KeyStorageVerdict> {
    return probeKeyStorage(this.context);
  }

  async setKey(name: string, key: string): Promise<void> {
    this.log.redactor.addSecret(key);
    await this.context.secrets.store(secretKey(name), key);
  }

  async hasKey(name: string): Promise<boolean> {
    return (await this.getKey(name)) !== undefined;
  }

  private async getKey(name: string): Promise<string | undefined> {
    const key = await this.context.secrets.get(secretKey(name));
    if (key) this.log.redactor.addSecret(key);
    return key || undefined;
  }

  /** Signs in (interactively when needed) and returns a bearer token for Azure ML. */
  entraToken(endpoint: EndpointSettings, interactive: boolean): Promise<string> {
    return entraToken(
      vscodeSessions,
      { endpointName: endpoint.name, tenant: endpoint.tenant, providerId: readAuthProviderId(), interactive },
      this.log.redactor,
    );
  }

  /**
   * The Authorization header value for the named endpoint (signing in when needed), for a child
   * process that calls the endpoint itself (the MCP server). Undefined for the demo endpoint.
   */
  async authorizationFor(name: string): Promise<string | undefined> {
    const entry = this.get(name);
    if (!entry || entry.isDemo) return undefined;
    return this.authorization(entry.settings);
  }

  private async authorization(endpoint: EndpointSettings): Promise<string | undefined> {
    switch (endpoint.auth) {
      case 'none':
        return undefined;
      case 'key': {
        const key = await this.getKey(endpoint.name);
        if (!key) {
          throw new EndpointError(
            'auth',
            vscode.l10n.t(
              "Endpoint '{0}' has no key yet. Run \"MedImageParse: Set Endpoint Key…\" (copy the primary key from the endpoint's Consume tab).",
              endpoint.name,
            ),
          );
        }
        return `Bearer ${key}`; // l10n-ignore: an HTTP header value
      }
      case 'entra':
        return `Bearer ${await this.entraToken(endpoint, true)}`; // l10n-ignore: an HTTP header value
    }
  }

  private demoServer(): Promise<DemoServer> {
    if (this.demo) return this.demo;
    const starting = startDemoServer({
      samplesDir: vscode.Uri.joinPath(this.context.extensionUri, 'media', 'samples').fsPath,
      log: this.log.logger,
    });
    // A failed start is not cached: the next call tries again.
    starting.catch(() => {
      if (this.demo === starting) this.demo = undefined;
    });
    this.demo = starting;
    return starting;
  }

  /** A client for the named endpoint (default: the active one). Refuses in Restricted Mode. */
  async client(name = this.activeName()): Promise<{ client: EndpointClient; entry: EndpointEntry }> {
    const blocked = this.sendBlockedReason();
    if (blocked) throw new EndpointError('bad-request', blocked);
    const entry = this.get(name);
    if (!entry)
      throw new EndpointError(
        'bad-request',
        vscode.l10n.t(
          'There is no endpoint named \'{0}\'. Run "MedImageParse: Select Active Endpoint…".',
          name,
        ),
      );
    const request = readRequestSettings();
    const settings = entry.settings;
    const url = entry.isDemo ? (await this.demoServer()).url : settings.url;
    const config = endpointConfig({
      name: settings.name,
      url,
      protocol: settings.protocol,
      deployment: settings.deployment,
      timeoutMs: settings.timeoutSeconds ? settings.timeoutSeconds * 1000 : request.timeoutMs,
      maxRequestBytes: request.maxRequestBytes,
      maxRowsPerRequest: request.maxRowsPerRequest,
      retry: request.retry,
    });
    const client = new EndpointClient(config, {
      getAuthorization: () => this.authorization(settings),
      logger: this.log.logger,
      redactor: this.log.redactor,
    });
    return { client, entry };
  }

  /** Records the outcome of a call for the side panel. */
  recordOutcome(
    name: string,
    outcome: { ok: true; latencyMs?: number } | { ok: false; message: string },
  ): void {
    this.states.set(name, {
      reachable: outcome.ok,
      lastError: outcome.ok ? undefined : outcome.message,
      latencyMs: outcome.ok ? outcome.latencyMs : undefined,
      lastCheckedAt: new Date().toISOString(),
    });
    this.changed.fire();
  }
}

function secretKey(name: string): string {
  return `medimageparse.endpointKey.${name}`;
}
