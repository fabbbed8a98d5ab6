import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import sharp from 'sharp';

/**
 * A loopback endpoint (Azure ML protocol) whose masks are computed from the pixels it receives,
 * so a test knows the right answer for any image without a model: prompt `bright` is every model
 * input pixel with red in 192…252 (253 and above is left for markers), `medium` every pixel with 64 ≤ red < 192; anything else is empty.
 */
export interface PixelServer {
  url: string;
  /** Requests answered so far. */
  requests: number;
  /** After `afterRequests` more normal answers, fail every request with HTTP 400 (not retried). */
  failFrom(afterRequests: number): void;
  close(): Promise<void>;
}

export function maskFor(prompt: string, red: Uint8Array): Uint8Array {
  const out = new Uint8Array(red.length);
  for (let i = 0; i < red.length; i++) {
    const v = red[i];
    const hit = prompt === 'bright' ? v >= 192 && v < 253 : prompt === 'medium' ? v >= 64 && v < 192 : false;
    out[i] = hit ? 255 : 0;
  }
  return out;
}

export async function startPixelServer(): Promise<PixelServer> {
  let failAt = Infinity;
  const state = { requests: 0 };
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', async () => {
      try {
        state.requests++;
        if (state.requests > failAt) {
          res.writeHead(400, { 'content-type': 'text/plain' }).end('planned failure');
          return;
        }
        const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as {
          input_data: { data: [string, string][] };
        };
        const rows = await Promise.all(
          body.input_data.data.map(async ([image, text]) => {
            const { data, info } = await sharp(Buffer.from(image, 'base64'))
              .raw()
              .toBuffer({ resolveWithObject: true });
            const red = new Uint8Array(info.width * info.height);
            for (let i = 0; i < red.length; i++) red[i] = data[i * info.channels];
            const prompts = text.split('&').map((p) => p.trim());
            const all = Buffer.concat(prompts.map((p) => maskFor(p, red)));
            return {
              image_features: JSON.stringify({
                data: all.toString('base64'),
                shape: [prompts.length, info.height, info.width],
                dtype: 'uint8',
              }),
              text_features: prompts,
            };
          }),
        );
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(rows));
      } catch (error) {
        res.writeHead(400, { 'content-type': 'text/plain' }).end(String(error));
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/score`,
    get requests() {
      return state.requests;
    },
    failFrom(afterRequests) {
      failAt = state.requests + afterRequests;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
