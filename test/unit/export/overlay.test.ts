import assert from 'node:assert/strict';
import sharp from 'sharp';
import { overlayLabels, renderOverlay } from '../../../src/export/overlay';
import { hexToRgb, targetColors } from '../../../src/shared/targetColors';

const W = 200;
const H = 160;
const image = {
  width: W,
  height: H,
  channels: 1 as const,
  pixels: new Uint8Array(W * H).fill(60),
  range: { min: 0, max: 255 },
};

function disc(cx: number, cy: number, r: number): Uint8Array {
  const m = new Uint8Array(W * H);
  for (let y = 0; y < H; y++)
    for (let x = 0; x < W; x++) if ((x - cx) ** 2 + (y - cy) ** 2 < r * r) m[y * W + x] = 255;
  return m;
}

async function rgbAt(png: Buffer, x: number, y: number): Promise<number[]> {
  const { data, info } = await sharp(png).raw().toBuffer({ resolveWithObject: true });
  const o = (y * info.width + x) * info.channels;
  return [data[o], data[o + 1], data[o + 2]];
}

describe('agent overlay picture', () => {
  it('labels neighbouring objects without overlap, a moved label with a leader line', () => {
    const masks = [disc(100, 80, 12), disc(108, 84, 6)];
    const names = ['right adrenal gland', 'postcava'];
    const labels = overlayLabels(masks, names, targetColors(names), W, 1, { width: W, height: H });
    assert.equal(labels.length, 2);
    const [a, b] = labels;
    const hit =
      a.left < b.left + b.width &&
      b.left < a.left + a.width &&
      a.top < b.top + b.height &&
      b.top < a.top + a.height;
    assert.ok(!hit, JSON.stringify(labels));
    assert.ok(labels.some((l) => l.leader));
  });

  it('gives each target the colour the viewer gives it, by name, whatever the order', async () => {
    const liver = disc(50, 50, 20);
    const spleen = disc(150, 110, 20);
    const one = await renderOverlay(image, [liver, spleen], ['liver', 'spleen']);
    const two = await renderOverlay(image, [spleen, liver], ['spleen', 'liver']);
    // A point inside the spleen, away from its label (the label sits on the centroid).
    const [x, y] = [150, 125];
    assert.deepEqual(await rgbAt(one, x, y), await rgbAt(two, x, y));
    const want = hexToRgb(targetColors(['liver', 'spleen'])[1]).map((c) => Math.round(60 * 0.55 + c * 0.45));
    const got = await rgbAt(one, x, y);
    for (let k = 0; k < 3; k++) assert.ok(Math.abs(got[k] - want[k]) <= 1, `${got} vs ${want}`);
  });

  it('draws the labels (the picture differs at the label, not elsewhere)', async () => {
    const m = disc(100, 80, 30);
    const plain = await renderOverlay(image, [m]);
    // 'adrenal gland' has the first palette colour, as an unnamed first mask: only the label differs.
    const named = await renderOverlay(image, [m], ['adrenal gland']);
    const a = await sharp(plain).raw().toBuffer();
    const b = await sharp(named).raw().toBuffer();
    let differ = 0;
    for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) differ++;
    assert.ok(differ > 100, `${differ} bytes differ`);
    assert.deepEqual(await rgbAt(plain, 5, 5), await rgbAt(named, 5, 5));
  });
});
