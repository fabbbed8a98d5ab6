import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { discoverMasks, labelMap, splitMaskName, targetKey } from '../../../src/evaluate/discover';
import { findTruthBesideImage } from '../../../src/evaluate/truthBesideImage';

const gray = (w: number, h: number, on: (i: number) => boolean) =>
  sharp(
    Uint8Array.from({ length: w * h }, (_, i) => (on(i) ? 255 : 0)),
    { raw: { width: w, height: h, channels: 1 } },
  )
    .toColourspace('b-w')
    .png()
    .toBuffer();

describe('evaluate: finding ground truth and predictions', () => {
  let tmp: string;
  beforeEach(() => (tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'medparse-discover-'))));
  afterEach(() => fs.rmSync(tmp, { recursive: true, force: true }));

  it('splits <image stem>_<target> at the last underscore, + for spaces', () => {
    assert.deepEqual(splitMaskName('06_CT_abdomen_left+adrenal+gland'), {
      image: '06_CT_abdomen',
      target: 'left adrenal gland',
    });
    assert.equal(splitMaskName('nounderscore'), undefined);
    assert.equal(splitMaskName('trailing_'), undefined);
    assert.equal(targetKey('Left+Kidney'), targetKey('left kidney'));
    assert.equal(targetKey('left_kidney'), 'left kidney');
  });

  it('reads label maps in the three documented forms and names the file on errors', () => {
    assert.deepEqual(
      [...labelMap({ labels: { '1': 'liver', '3': 'aorta' } }, 'x.json')],
      [
        [1, 'liver'],
        [3, 'aorta'],
      ],
    );
    assert.deepEqual(
      [...labelMap({ labels: ['liver', 'spleen'] }, 'x.json')],
      [
        [1, 'liver'],
        [2, 'spleen'],
      ],
    );
    assert.deepEqual([...labelMap({ targets: [{ name: 'liver', label: 2 }] }, 'x.json')], [[2, 'liver']]);
    assert.throws(() => labelMap({ labels: { zero: 'liver' } }, '/d/x.json'), /\/d\/x\.json: label "zero"/);
    assert.throws(() => labelMap({ something: 1 }, '/d/x.json'), /\/d\/x\.json: not a label map/);
    assert.throws(() => labelMap({ labels: [] }, '/d/x.json'), /empty/);
  });

  it('groups loose masks by image, takes NIfTI label volumes with a sidecar, and reports a bad sidecar', async () => {
    const png = await gray(4, 4, (i) => i < 4);
    fs.writeFileSync(path.join(tmp, 'case1_liver.png'), png);
    fs.writeFileSync(path.join(tmp, 'case1_left+kidney.png'), png);
    fs.mkdirSync(path.join(tmp, 'sub'));
    fs.writeFileSync(path.join(tmp, 'sub', 'case2_tumor.png'), png);
    fs.writeFileSync(path.join(tmp, 'vol_labels.nii.gz'), 'not read during discovery');
    fs.writeFileSync(path.join(tmp, 'vol_labels.json'), JSON.stringify({ labels: { '1': 'liver' } }));
    fs.writeFileSync(path.join(tmp, 'bad.nii.gz'), '');
    fs.writeFileSync(path.join(tmp, 'bad.json'), '{ not json');
    const found = await discoverMasks(tmp);
    const summary = found.images.map((i) => [
      i.key,
      i.aliases,
      [...i.targets.values()].map((t) => t.name).sort(),
    ]);
    assert.deepEqual(summary, [
      ['case1', [], ['left kidney', 'liver']],
      ['case2', [], ['tumor']],
      ['vol_labels', ['vol'], ['liver']],
    ]);
    assert.equal(found.warnings.length, 1);
    assert.match(found.warnings[0], /bad\.json: not valid JSON/);
  });

  it('finds the ground truth next to an image, in its folder or a sibling <folder>_mask', async () => {
    const images = path.join(tmp, 'demo');
    const masks = path.join(tmp, 'demo_mask');
    fs.mkdirSync(images);
    fs.mkdirSync(masks);
    fs.writeFileSync(path.join(images, 'scan.png'), await gray(6, 5, () => false));
    fs.writeFileSync(path.join(masks, 'scan_left+lung.png'), await gray(6, 5, (i) => i % 2 === 0));
    fs.writeFileSync(path.join(images, 'scan_heart.png'), await gray(6, 5, (i) => i < 3));
    fs.writeFileSync(path.join(masks, 'scan_spleen.png'), await gray(7, 5, () => true)); // another size
    fs.writeFileSync(path.join(masks, 'other_liver.png'), await gray(6, 5, () => true));
    const found = await findTruthBesideImage(
      path.join(images, 'scan.png'),
      ['left lung', 'heart', 'spleen', 'liver'],
      6,
      5,
    );
    assert.deepEqual(
      found.map((f) => [f.target, path.relative(tmp, f.file), [...f.mask].filter(Boolean).length]),
      [
        ['heart', path.join('demo', 'scan_heart.png'), 3],
        ['left lung', path.join('demo_mask', 'scan_left+lung.png'), 15],
      ],
    );
  });
});
