import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/**
 * Reference segmentation metrics computed independently with numpy and scipy.ndimage (the
 * definitions of medpy / MONAI: surface = mask XOR binary_erosion(mask), Euclidean distance
 * transform with sampling = spacing, HD95 over both directions' distances together, ASSD their
 * pooled mean). Debian's python3-scipy is installed by scripts/vscode-server.mjs; undefined when
 * no python with scipy is found.
 */

const SCRIPT = `
import json, sys
import numpy as np
from scipy import ndimage
cases = json.load(open(sys.argv[1]))
out = []
for c in cases:
    shape = tuple(reversed(c['dims']))  # first axis fastest in the file: C order reversed
    spacing = tuple(reversed(c['spacing']))
    raw = np.fromfile(c['file'], dtype=np.uint8)
    n = int(np.prod(shape))
    p = raw[:n].reshape(shape) > 0
    t = raw[n:].reshape(shape) > 0
    tp = int((p & t).sum()); fp = int((p & ~t).sum()); fn = int((~p & t).sum())
    r = {'tp': tp, 'fp': fp, 'fn': fn, 'dice': 2 * tp / (2 * tp + fp + fn), 'iou': tp / (tp + fp + fn)}
    st = ndimage.generate_binary_structure(p.ndim, 1)
    sp = p ^ ndimage.binary_erosion(p, structure=st, border_value=0)
    stt = t ^ ndimage.binary_erosion(t, structure=st, border_value=0)
    d1 = ndimage.distance_transform_edt(~stt, sampling=spacing)[sp]
    d2 = ndimage.distance_transform_edt(~sp, sampling=spacing)[stt]
    d = np.hstack((d1, d2))
    r['hd95'] = float(np.percentile(d, 95)); r['assd'] = float(d.mean()); r['hd'] = float(d.max())
    out.append(r)
print(json.dumps(out))
`;

export interface ScipyMetrics {
  tp: number;
  fp: number;
  fn: number;
  dice: number;
  iou: number;
  hd95: number;
  assd: number;
  hd: number;
}

export function findScipyPython(): string | undefined {
  for (const py of ['/usr/bin/python3', 'python3']) {
    const r = spawnSync(py, ['-c', 'import scipy.ndimage, numpy'], { encoding: 'utf8' });
    if (r.status === 0) return py;
  }
  return undefined;
}

/** Runs the reference over several cases (both masks non-empty) in one python process. */
export function scipyMetrics(
  python: string,
  cases: { pred: Uint8Array; truth: Uint8Array; dims: readonly number[]; spacing: readonly number[] }[],
): ScipyMetrics[] {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'medparse-scipy-'));
  try {
    const list = cases.map((c, i) => {
      const file = path.join(dir, `case${i}.raw`);
      fs.writeFileSync(file, Buffer.concat([c.pred, c.truth]));
      return { file, dims: c.dims, spacing: c.spacing };
    });
    const json = path.join(dir, 'cases.json');
    fs.writeFileSync(json, JSON.stringify(list));
    const script = path.join(dir, 'ref.py');
    fs.writeFileSync(script, SCRIPT);
    const r = spawnSync(python, [script, json], { encoding: 'utf8', maxBuffer: 64 * 1024 ** 2 });
    if (r.status !== 0) throw new Error(`reference metrics failed: ${r.stderr}`);
    return JSON.parse(r.stdout) as ScipyMetrics[];
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
