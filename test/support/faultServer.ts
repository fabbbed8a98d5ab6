import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

/**
 * A loopback server that speaks the MedImageParse protocol (Azure ML `input_data` at any path,
 * MLflow `dataframe_split` → `predictions`) and answers with real masks of the requested shape,
 * unless a queued fault says otherwise. Each request consumes the next queued fault.
 */
export type Fault =
  | { type: 'status'; status: number; headers?: Record<string, string>; body?: string; contentType?: string }
  /** Waits `delayMs` before answering normally (or never, when longer than the client waits). */
  | { type: 'slow'; delayMs: number }
  /** Sends headers and a few bytes every `everyMs`, never finishing: defeats idle timeouts. */
  | { type: 'trickle'; everyMs: number }
  /** Sends the headers and half of a real body, then resets the connection. */
  | { type: 'half-body' }
  /** Destroys the socket without any answer. */
  | { type: 'reset' }
  /** 200 with a body that is not JSON. */
  | { type: 'malformed-json' }
  /** 200 with a valid envelope whose mask has the given shape / dtype / data. */
  | {
      type: 'mask';
      shape?: number[];
      dtype?: string;
      dataBytes?: number;
      pythonQuotes?: boolean;
      values?: 'float01' | 'float255' | 'bool';
    }
  /** 200 with a body given verbatim. */
  | { type: 'body'; body: string; contentType?: string };

export interface ReceivedRequest {
  path: string;
  headers: IncomingMessage['headers'];
  bodyBytes: number;
  protocol: 'azureml' | 'mlflow' | 'unknown';
  /** `imageSha256`: of the decoded image, to tell whether two requests sent the same model input. */
  rows: { imageBytes: number; imageSha256: string; text: string; prompts: string[] }[];
}

export interface FaultServer {
  url: string;
  port: number;
  requests: ReceivedRequest[];
  /** Time the server spent building each normal answer (ms), for benchmarks that subtract it. */
  computeMs: number[];
  /** Faults for the next requests, in order; requests past the queue are answered normally. */
  enqueue(...faults: Fault[]): void;
  close(): Promise<void>;
}

export interface FaultServerOptions {
  /** Side of the masks (default 1024). */
  size?: number;
  /** Header set on every response (e.g. to mimic the demo endpoint). */
  headers?: Record<string, string>;
}

/** Mask k of a row: a filled square whose place depends on k, so masks differ per prompt. */
export function expectedMask(k: number, height: number, width: number): Uint8Array {
  const out = new Uint8Array(height * width);
  const side = Math.max(1, Math.floor(Math.min(height, width) / 4));
  const y0 = (k * 37) % Math.max(1, height - side);
  const x0 = (k * 61) % Math.max(1, width - side);
  for (let y = y0; y < y0 + side; y++) out.fill(255, y * width + x0, y * width + x0 + side);
  return out;
}

const maskCache = new Map<string, string>();
/** base64 of N stacked masks, cached so that the benchmark measures the client, not this server. */
export function maskBase64(n: number, height: number, width: number): string {
  const key = `${n}x${height}x${width}`;
  let cached = maskCache.get(key);
  if (!cached) {
    const all = Buffer.alloc(n * height * width);
    for (let k = 0; k < n; k++) all.set(expectedMask(k, height, width), k * height * width);
    cached = all.toString('base64');
    maskCache.set(key, cached);
  }
  return cached;
}

function featuresString(info: { data: string; shape: number[]; dtype: string }, python: boolean): string {
  if (!python) return JSON.stringify(info);
  return `{'data': '${info.data}', 'shape': (${info.shape.join(', ')}), 'dtype': '${info.dtype}'}`;
}

function parseRequest(path: string, headers: IncomingMessage['headers'], body: string): ReceivedRequest {
  const received: ReceivedRequest = {
    path,
    headers,
    bodyBytes: Buffer.byteLength(body),
    protocol: 'unknown',
    rows: [],
  };
  try {
    const json = JSON.parse(body) as {
      input_data?: { data: [string, string][] };
      dataframe_split?: { data: [string, string][] };
    };
    const frame = json.input_data ?? json.dataframe_split;
    received.protocol = json.input_data ? 'azureml' : json.dataframe_split ? 'mlflow' : 'unknown';
    received.rows = (frame?.data ?? []).map(([image, text]) => ({
      imageBytes: Buffer.from(image, 'base64').length,
      imageSha256: createHash('sha256').update(Buffer.from(image, 'base64')).digest('hex'),
      text,
      prompts: text.split('&').map((p) => p.trim()),
    }));
  } catch {
    // Left as 'unknown' with no rows; the test looking at it will say so.
  }
  return received;
}

export async function startFaultServer(options: FaultServerOptions = {}): Promise<FaultServer> {
  const size = options.size ?? 1024;
  const queue: Fault[] = [];
  const requests: ReceivedRequest[] = [];
  const computeMs: number[] = [];
  const sockets = new Set<Socket>();
  const timers = new Set<NodeJS.Timeout>();
  const later = (ms: number, fn: () => void) => {
    const t = setTimeout(() => {
      timers.delete(t);
      fn();
    }, ms);
    timers.add(t);
  };

  const normalBody = (req: ReceivedRequest, fault?: Extract<Fault, { type: 'mask' }>): string => {
    const rows = req.rows.map((row) => {
      const n = row.prompts.length;
      let info = { data: maskBase64(n, size, size), shape: [n, size, size], dtype: 'uint8' };
      if (fault) {
        const shape = fault.shape ?? [n, size, size];
        const count = shape.reduce((a, b) => a * b, 1);
        let data: Buffer;
        if (fault.values === 'float01' || fault.values === 'float255') {
          const f = new Float32Array(count);
          const scale = fault.values === 'float01' ? 1 / 255 : 1;
          const src = Buffer.from(maskBase64(shape[0], shape[1], shape[2]), 'base64');
          for (let i = 0; i < count; i++) f[i] = src[i] * scale;
          data = Buffer.from(f.buffer);
        } else if (fault.values === 'bool') {
          const src = Buffer.from(maskBase64(shape[0], shape[1], shape[2]), 'base64');
          data = Buffer.from(src.map((v) => (v ? 1 : 0)));
        } else {
          data = Buffer.alloc(fault.dataBytes ?? count);
          Buffer.from(maskBase64(shape[0] ?? 1, shape[1] ?? 1, shape[2] ?? 1), 'base64').copy(data);
        }
        info = { data: data.toString('base64'), shape, dtype: fault.dtype ?? 'uint8' };
      }
      return { image_features: featuresString(info, !!fault?.pythonQuotes), text_features: row.prompts };
    });
    return JSON.stringify(req.protocol === 'mlflow' ? { predictions: rows } : rows);
  };

  const send = (
    res: ServerResponse,
    status: number,
    body: string | Buffer,
    headers: Record<string, string> = {},
    contentType = 'application/json',
  ) => {
    res.writeHead(status, {
      'Content-Type': contentType,
      'Content-Length': Buffer.byteLength(body),
      ...options.headers,
      ...headers,
    });
    res.end(body);
  };

  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const started = performance.now();
      const received = parseRequest(req.url ?? '/', req.headers, Buffer.concat(chunks).toString('utf8'));
      requests.push(received);
      const fault = queue.shift();
      const ok = () => {
        // Encoded here so that the benchmark counts the encoding as the server's work.
        const body = Buffer.from(normalBody(received));
        const ms = performance.now() - started;
        computeMs.push(ms);
        send(res, 200, body, { 'x-fault-server-ms': ms.toFixed(3) });
      };
      if (!fault) return ok();
      switch (fault.type) {
        case 'status':
          return send(res, fault.status, fault.body ?? '', fault.headers, fault.contentType);
        case 'slow':
          return later(fault.delayMs, () => !res.destroyed && ok());
        case 'trickle': {
          res.writeHead(200, { 'Content-Type': 'application/json', ...options.headers });
          res.write('[');
          const tick = () => {
            if (res.destroyed) return;
            res.write(' ');
            later(fault.everyMs, tick);
          };
          return later(fault.everyMs, tick);
        }
        case 'half-body': {
          const body = normalBody(received);
          res.writeHead(200, {
            'Content-Type': 'application/json',
            'Content-Length': Buffer.byteLength(body),
            ...options.headers,
          });
          res.write(body.slice(0, Math.floor(body.length / 2)), () => later(20, () => res.socket?.destroy()));
          return;
        }
        case 'reset':
          return req.socket.destroy();
        case 'malformed-json':
          return send(res, 200, '[{"image_features": "{\\"data\\": \\"AAAA\\", "shape": [1, 2');
        case 'mask':
          return send(res, 200, normalBody(received, fault));
        case 'body':
          return send(res, 200, fault.body, {}, fault.contentType);
      }
    });
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}/score`,
    port,
    requests,
    computeMs,
    enqueue: (...faults) => queue.push(...faults),
    close: () =>
      new Promise<void>((resolve) => {
        for (const t of timers) clearTimeout(t);
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

/** A loopback URL where nothing listens (the port was just released). */
export async function refusedUrl(): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return `http://127.0.0.1:${port}/score`;
}
