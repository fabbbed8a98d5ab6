import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import * as zlib from 'node:zlib';
import { encodeNiftiUint8 } from '../../src/export/nifti';

type NiftiModule = typeof import('nifti-reader-js', { with: { 'resolution-mode': 'import' } });
const loadNifti = (): Promise<NiftiModule> => import('nifti-reader-js');

/**
 * A loopback endpoint speaking the MedImageParse 3D protocol whose mask is computed from the
 * volume it receives (read with nifti-reader-js, not our reader): target `bright` is every voxel
 * ≥ 200. It answers on the volume's own grid unless told to misbehave.
 */
export interface Volume3dServer {
  url: string;
  received: { target: string; dims: number[]; affine: number[][]; max: number; values: Float32Array }[];
  /** 'python': nifti_file with Python quoting; 'shape': one slice too few; 'affine': origin moved 5 mm. */
  mode: 'normal' | 'python' | 'shape' | 'affine';
  close(): Promise<void>;
}

export async function startVolume3dServer(): Promise<Volume3dServer> {
  const nifti = await loadNifti();
  const state: Volume3dServer = {
    url: '',
    received: [],
    mode: 'normal',
    close: async () => undefined,
  };
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      try {
        const body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
        const [[image, target]] = body.input_data.data as [string, string][];
        const bytes = zlib.gunzipSync(Buffer.from(image, 'base64'));
        const data = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
        const header = nifti.readHeader(data)!;
        const values = new Float32Array(nifti.readImage(header, data));
        const dims = header.dims.slice(1, 4);
        const affine = header.affine as number[][];
        state.received.push({
          target,
          dims,
          affine,
          max: values.reduce((a, v) => Math.max(a, v), -Infinity),
          values,
        });
        const mask = Uint8Array.from(values, (v) => (target === 'bright' && v >= 200 ? 1 : 0));
        let outDims = dims as [number, number, number];
        let outMask = mask;
        const outAffine = affine.map((r) => [...r]);
        if (state.mode === 'shape') {
          outDims = [dims[0], dims[1], dims[2] - 1];
          outMask = mask.subarray(0, dims[0] * dims[1] * (dims[2] - 1));
        }
        if (state.mode === 'affine') outAffine[0][3] += 5;
        const file = encodeNiftiUint8({ dims: outDims, spacing: [1, 1, 1], affine: outAffine }, outMask, {
          description: '',
          maxValue: 1,
          intentName: 'mask',
        });
        const b64 = file.toString('base64');
        const inner = state.mode === 'python' ? `{'data': '${b64}'}` : JSON.stringify({ data: b64 });
        res
          .writeHead(200, { 'content-type': 'application/json' })
          .end(JSON.stringify([{ nifti_file: inner }]));
      } catch (error) {
        res.writeHead(400, { 'content-type': 'text/plain' }).end(String(error));
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  state.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/score`;
  state.close = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return state;
}
