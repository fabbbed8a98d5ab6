/**
 * Endpoint client overhead: everything but the server's compute, for one 1024² image with 1, 4
 * and 16 prompts against the loopback protocol server, plus decoding a [16, 1024, 1024] answer.
 *
 *   npx tsx bench/endpoint.bench.ts
 */
import path from 'node:path';
import sharp from 'sharp';
import { EndpointClient } from '../src/endpoint/client';
import { endpointConfig } from '../src/endpoint/config';
import { decodeResponse, excerpt } from '../src/endpoint/response';
import { maskBase64, startFaultServer } from '../test/support/faultServer';

const RUNS = 15;
const WARMUP = 3;

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

async function main(): Promise<void> {
  const png = await sharp(path.resolve(__dirname, '../media/samples/demo/06_CT_abdomen.png'))
    .removeAlpha()
    .png()
    .toBuffer();
  const server = await startFaultServer({ size: 1024 });
  const client = new EndpointClient(endpointConfig({ name: 'bench', url: server.url }), {
    getAuthorization: async () => 'Bearer bench-key-0000',
  });
  console.log(
    `endpoint client overhead (total − server compute), median of ${RUNS} runs, model input PNG ${(png.length / 1024).toFixed(0)} kB`,
  );
  try {
    for (const n of [1, 4, 16]) {
      const prompts = Array.from({ length: n }, (_, i) => `target ${i}`);
      const totals: number[] = [];
      const overheads: number[] = [];
      for (let run = 0; run < WARMUP + RUNS; run++) {
        const before = server.computeMs.length;
        const started = performance.now();
        const [result] = await client.parse([{ png, prompts }]);
        const total = performance.now() - started;
        if (result.masks.length !== n) throw new Error('wrong mask count');
        const compute = server.computeMs.slice(before).reduce((a, b) => a + b, 0);
        if (run >= WARMUP) {
          totals.push(total);
          overheads.push(total - compute);
        }
      }
      console.log(
        `  ${String(n).padStart(2)} prompt(s): overhead ${median(overheads).toFixed(1)} ms (total ${median(totals).toFixed(1)} ms, response ${((n * 1024 * 1024 * 4) / 3 / 1e6).toFixed(1)} MB)`,
      );
    }
  } finally {
    await server.close();
  }

  const quote = (t: string) => excerpt(t, (s) => s);
  const prompts = Array.from({ length: 16 }, (_, i) => `target ${i}`);
  const data = maskBase64(16, 1024, 1024);
  const bodies = {
    json: JSON.stringify([
      {
        image_features: JSON.stringify({ data, shape: [16, 1024, 1024], dtype: 'uint8' }),
        text_features: prompts,
      },
    ]),
    'python-quoted': JSON.stringify([
      {
        image_features: `{'data': '${data}', 'shape': (16, 1024, 1024), 'dtype': 'uint8'}`,
        text_features: prompts,
      },
    ]),
  };
  for (const [name, body] of Object.entries(bodies)) {
    const times: number[] = [];
    for (let run = 0; run < WARMUP + RUNS; run++) {
      const started = performance.now();
      const [masks] = decodeResponse(body, [prompts], quote);
      const ms = performance.now() - started;
      if (masks.length !== 16) throw new Error('wrong mask count');
      if (run >= WARMUP) times.push(ms);
    }
    console.log(
      `decode [16,1024,1024] uint8 (${name} image_features, ${(body.length / 1e6).toFixed(1)} MB): median ${median(times).toFixed(1)} ms (bar: well under 1000 ms)`,
    );
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
