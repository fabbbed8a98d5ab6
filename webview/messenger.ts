/**
 * The only place that talks to the host: `acquireVsCodeApi()` is called once, outgoing messages
 * are typed by the shared protocol, incoming ones are checked for a known `type` before dispatch.
 */
import type { HostMessage, WebviewMessage } from '../src/shared/protocol';

export interface VsCodeApi {
  postMessage(message: unknown): void;
  getState(): unknown;
  setState(state: unknown): void;
}

declare function acquireVsCodeApi(): VsCodeApi;

/** Every host message type, as a record so that a type added to the protocol must be listed here. */
const HOST_TYPE_LIST: Record<HostMessage['type'], true> = {
  init: true,
  image: true,
  volumeResult: true,
  endpoint: true,
  settings: true,
  runStarted: true,
  runProgress: true,
  runResult: true,
  runError: true,
  showResult: true,
  addTargets: true,
  exported: true,
  exportError: true,
  requestScreenshot: true,
  groundTruth: true,
  invoke: true,
};
const HOST_TYPES: ReadonlySet<string> = new Set(Object.keys(HOST_TYPE_LIST));

export function isHostMessage(data: unknown): data is HostMessage {
  return (
    typeof data === 'object' && data !== null && HOST_TYPES.has((data as { type?: unknown }).type as string)
  );
}

export class Messenger {
  private readonly api: VsCodeApi;

  constructor(api: VsCodeApi = acquireVsCodeApi()) {
    this.api = api;
  }

  post(message: WebviewMessage): void {
    this.api.postMessage(message);
  }

  listen(handler: (message: HostMessage) => void): void {
    window.addEventListener('message', (event: MessageEvent) => {
      if (isHostMessage(event.data)) handler(event.data);
    });
  }

  getState(): unknown {
    return this.api.getState();
  }

  setState(state: unknown): void {
    this.api.setState(state);
  }

  log(level: 'info' | 'warn' | 'error', message: string): void {
    this.post({ type: 'log', level, message: message.slice(0, 2000) });
  }
}
