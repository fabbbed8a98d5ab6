import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { sourceStem } from '../export';
import { splitMaskName, targetKey } from './discover';
import { binaryOf, loadMask, MaskCache } from './loadMask';

/**
 * Ground-truth masks for the targets of a result on one 2D image, where they sit next to it:
 * `<image stem>_<target>.png` in the image's own folder or in a sibling `<folder>_mask` /
 * `<folder>_masks` folder (the samples' `demo/` + `demo_mask/`, BiomedParse's `test/` +
 * `test_mask/`). Only masks of the image's size are taken; each as 0/1.
 */
export async function findTruthBesideImage(
  imageFile: string,
  targets: readonly string[],
  width: number,
  height: number,
): Promise<{ target: string; file: string; mask: Uint8Array }[]> {
  const dir = path.dirname(path.resolve(imageFile));
  const stem = sourceStem(imageFile);
  const wanted = new Map(targets.map((t) => [targetKey(t), t]));
  const found = new Map<string, string>();
  for (const folder of [dir, `${dir}_mask`, `${dir}_masks`]) {
    const names = await fs.readdir(folder).catch(() => [] as string[]);
    for (const name of names.sort()) {
      if (!/\.png$/i.test(name)) continue;
      const split = splitMaskName(name.replace(/\.png$/i, ''));
      if (!split || split.image !== stem) continue;
      const key = targetKey(split.target);
      if (wanted.has(key) && !found.has(key)) found.set(key, path.join(folder, name));
    }
  }
  const out: { target: string; file: string; mask: Uint8Array }[] = [];
  const cache = new MaskCache();
  for (const [key, file] of found) {
    try {
      const m = await loadMask({ file, format: 'png' }, cache);
      if (m.dims[0] === width && m.dims[1] === height) {
        // The decoder's mask may be a view into a larger buffer (its inflated scanlines): a
        // message to the webview carries whole buffers, so it gets a compact copy.
        const mask = binaryOf(m);
        out.push({
          target: wanted.get(key)!,
          file,
          mask: mask.byteLength === mask.buffer.byteLength ? mask : mask.slice(),
        });
      }
    } catch {
      // Not a mask we can read: the viewer simply offers no comparison for this target.
    }
  }
  return out;
}
