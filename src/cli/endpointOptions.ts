import fs from 'node:fs';
import path from 'node:path';
import { UsageError, type CliIO } from './command';
import { startDemoServer, type DemoServer } from '../demo/server';
import { EndpointClient } from '../endpoint/client';
import { endpointConfig, type EndpointProtocol } from '../endpoint/config';
import type { Logger } from '../endpoint/logger';
import { Redactor } from '../endpoint/redactor';

/** The options every command that calls an endpoint takes, for `parseCliArgs`. */
export const endpointArgOptions = {
  endpoint: { type: 'string' },
  'key-env': { type: 'string' },
  deployment: { type: 'string' },
  protocol: { type: 'string' },
  timeout: { type: 'string' },
  verbose: { type: 'boolean' },
} as const;

export interface EndpointArgs {
  endpoint?: string;
  'key-env'?: string;
  deployment?: string;
  protocol?: string;
  timeout?: string;
  verbose?: boolean;
}

export interface OpenedEndpoint {
  client: EndpointClient;
  /** 'demo', or the endpoint's host. */
  name: string;
  /** The scoring URL, undefined for the demo endpoint (its loopback port means nothing later). */
  url?: string;
  isDemo: boolean;
  close(): Promise<void>;
}

export function ioLogger(io: CliIO, verbose: boolean): Logger {
  const quiet = () => undefined;
  return {
    trace: quiet,
    debug: verbose ? (m) => io.err(`debug: ${m}`) : quiet,
    info: verbose ? (m) => io.err(`info: ${m}`) : quiet,
    warn: (m) => io.err(`warning: ${m}`),
    error: verbose ? (m) => io.err(`error: ${m}`) : quiet,
  };
}

/** Checks the endpoint options without contacting anything; throws UsageError for bad ones. */
export function checkEndpointArgs(values: EndpointArgs): { timeoutMs: number; authorization?: string } {
  if (!values.endpoint) throw new UsageError('--endpoint is required (a scoring URI, or "demo")');
  if (values.protocol && values.protocol !== 'azureml' && values.protocol !== 'mlflow')
    throw new UsageError(`--protocol must be azureml or mlflow, got '${values.protocol}'`);
  const timeoutS = values.timeout === undefined ? 90 : Number(values.timeout);
  if (!(timeoutS > 0))
    throw new UsageError(`--timeout must be a positive number of seconds, got '${values.timeout}'`);
  let authorization: string | undefined;
  const keyVar = values['key-env'];
  if (keyVar !== undefined) {
    const key = process.env[keyVar]?.trim();
    if (!key) throw new Error(`the environment variable ${keyVar} (--key-env) is not set or empty`);
    authorization = /^(bearer|basic)\s/i.test(key) ? key : `Bearer ${key}`;
  }
  return { timeoutMs: timeoutS * 1000, authorization };
}

/** Starts the demo endpoint when asked for, and builds the client; `close()` stops the demo. */
export async function openEndpoint(values: EndpointArgs, io: CliIO): Promise<OpenedEndpoint> {
  const { timeoutMs, authorization } = checkEndpointArgs(values);
  const redactor = new Redactor();
  redactor.addSecret(authorization);
  const logger = ioLogger(io, !!values.verbose);
  let demo: DemoServer | undefined;
  if (values.endpoint === 'demo') demo = await startDemoServer({ samplesDir: samplesDir(), log: logger });
  const url = demo?.url ?? values.endpoint!;
  const protocol: EndpointProtocol =
    (values.protocol as EndpointProtocol | undefined) ??
    (/\/invocations\/?$/.test(url) ? 'mlflow' : 'azureml');
  const name = demo ? 'demo' : hostOf(url);
  const client = new EndpointClient(
    endpointConfig({ name, url, protocol, deployment: values.deployment, timeoutMs }),
    { getAuthorization: async () => authorization, logger, redactor },
  );
  return {
    client,
    name,
    url: demo ? undefined : url,
    isDemo: !!demo,
    close: async () => {
      await demo?.close();
    },
  };
}

function hostOf(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return url;
  }
}

/** The shipped samples: next to dist/ when bundled, at the repository root under tsx. */
export function samplesDir(): string {
  const candidates = [
    path.resolve(__dirname, '../media/samples'),
    path.resolve(__dirname, '../../media/samples'),
  ];
  const found = candidates.find((dir) => fs.existsSync(path.join(dir, 'demo')));
  if (!found) throw new Error(`the demo endpoint's samples are missing (looked in ${candidates.join(', ')})`);
  return found;
}
