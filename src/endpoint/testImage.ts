import { loadSharp } from '../runtime/optionalModules';

let cached: Promise<Buffer> | undefined;

/**
 * A valid model input that carries no information: 1024² black RGB. Small on the wire (a few kB)
 * yet exercises the endpoint's real decode → model → encode path.
 */
export function testImagePng(): Promise<Buffer> {
  cached ??= loadSharp()({
    create: { width: 1024, height: 1024, channels: 3, background: { r: 0, g: 0, b: 0 } },
  })
    .png()
    .toBuffer();
  return cached;
}
