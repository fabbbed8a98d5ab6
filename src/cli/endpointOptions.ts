import fs from 'node:fs';
import path from 'node:path';
import { UsageError, type CliIO } from './command';
import { startDemoServer, type DemoServer } from '../demo/server';
import { EndpointClient } from '../endpoint/client';
import { endpointConfig, type EndpointProtocol } from '../endpoint/config';
import type { Logger } from '../endpoint/logger';
import { Redactor } from '../endpoint/redactor';

/** The endpoint options every command that sends images takes (for `parseCliArgs`). */
export const ENDPOINT_OPTIONS = {
  endpoint: { type: 'string' },
  'key-env': { type: 'string' },
  deployment: { type: 'string' },
  protocol: { type: 'string' },
  timeout: { type: 'string' },
  verbose: { type: 'boolean' },
} as const;

export const ENDPOINT_USAGE = `  --endpoint <url>       Scoring URI (https://…/score, or http://localhost…); 'demo' starts the local
                         demo endpoint (reference annotations of the shipped samples, no account needed).
  --key-env <VAR>        Name of the environment variable that holds the endpoint key or token
                         (the key itself is never taken from the command line).
  --deployment <name>    Sent as azureml-model-deployment.
  --protocol <p>         azureml (default) or mlflow (default when the URL ends in /invocations).
  --timeout <seconds>    Per attempt (default 90).
  --verbose              Log requests and retries to stderr.`;

export interface EndpointValues {
  endpoint?: string;
  'key-env'?: string;
  deployment?: string;
  protocol?: string;
  timeout?: string;
  verbose?: boolean;
}

/** Checked endpoint settings: usage errors here come before anything is read or sent. */
export interface EndpointSpec {
  endpoint: string;
  protocol?: EndpointProtocol;
  deployment?: string;
  timeoutMs: number;
  authorization?: string;
  verbose: boolean;
}

export function endpointSpec(values: EndpointValues): EndpointSpec {
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
  return {
    endpoint: values.endpoint,
    protocol: values.protocol as EndpointProtocol | undefined,
    deployment: values.deployment,
    timeoutMs: timeoutS * 1000,
    authorization,
    verbose: !!values.verbose,
  };
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

function hostOf(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return url;
  }
}

/** The shipped samples: next to dist/ when bundled, at the repository root under tsx. */
function samplesDir(): string {
  const candidates = [
    path.resolve(__dirname, '../media/samples'),
    path.resolve(__dirname, '../../media/samples'),
    path.resolve(__dirname, '../../../media/samples'),
  ];
  const found = candidates.find((dir) => fs.existsSync(path.join(dir, 'demo')));
  if (!found) throw new Error(`the demo endpoint's samples are missing (looked in ${candidates.join(', ')})`);
  return found;
}

export interface OpenEndpoint {
  client: EndpointClient;
  endpointName: string;
  /** The real URL, for reports (undefined for the demo endpoint). */
  reportUrl?: string;
  isDemo: boolean;
  close(): Promise<void>;
}

/** Starts the demo endpoint when asked for, and makes the client. */
export async function openEndpoint(spec: EndpointSpec, io: CliIO): Promise<OpenEndpoint> {
  const logger = ioLogger(io, spec.verbose);
  const redactor = new Redactor();
  redactor.addSecret(spec.authorization);
  let demo: DemoServer | undefined;
  if (spec.endpoint === 'demo') demo = await startDemoServer({ samplesDir: samplesDir(), log: logger });
  const url = demo?.url ?? spec.endpoint;
  const protocol = spec.protocol ?? (/\/invocations\/?$/.test(url) ? 'mlflow' : 'azureml');
  const endpointName = demo ? 'demo' : hostOf(url);
  const authorization = spec.authorization;
  const client = new EndpointClient(
    endpointConfig({
      name: endpointName,
      url,
      protocol,
      deployment: spec.deployment,
      timeoutMs: spec.timeoutMs,
    }),
    { getAuthorization: async () => authorization, logger, redactor },
  );
  return {
    client,
    endpointName,
    reportUrl: demo ? undefined : url,
    isDemo: !!demo,
    close: async () => {
      await demo?.close();
    },
  };
}
