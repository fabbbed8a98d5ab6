import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import sharp from 'sharp';
import { modelInputPixels, openImage, type OpenOptions } from '../../../src/imaging';
import type { GeneratedFixtures } from '../../fixtures/generate-imaging-fixtures';
import { compare, generatedFixtures } from './helpers';

/** Same pixels stored differently must give byte-identical model input (and identical source values). */
async function assertSameModelInput(
  a: string,
  b: string,
  optsA: OpenOptions = {},
  optsB: OpenOptions = {},
  sameChannels = true,
): Promise<void> {
  const [ia, ib] = await Promise.all([openImage(a, optsA), openImage(b, optsB)]);
  assert.deepEqual([ib.width, ib.height], [ia.width, ia.height]);
  if (sameChannels) assert.equal(ib.channels, ia.channels);
  const pa = modelInputPixels(ia);
  const pb = modelInputPixels(ib);
  const { differing } = compare(pa, pb);
  assert.equal(differing, 0, `${differing} model-input values differ`);
}

describe('imaging: the same pixels stored differently give the same model input', function () {
  this.timeout(120_000);
  let f: GeneratedFixtures;
  before(async () => {
    f = await generatedFixtures();
  });

  it('each variant really is stored in the transfer syntax it stands for', async () => {
    const expected: Array<[string, string]> = [
      [f.ct.implicit, '1.2.840.10008.1.2'],
      [f.ct.explicit, '1.2.840.10008.1.2.1'],
      [f.ct.bigEndian, '1.2.840.10008.1.2.2'],
      [f.ct.rle, '1.2.840.10008.1.2.5'],
      [f.ct.jpegLossless, '1.2.840.10008.1.2.4.70'],
      [f.ct.jpegLs, '1.2.840.10008.1.2.4.80'],
      [f.ct.j2k, '1.2.840.10008.1.2.4.90'],
      [f.ct8.jpegBaseline, '1.2.840.10008.1.2.4.50'],
    ];
    for (const [file, uid] of expected)
      assert.equal((await openImage(file)).dicom?.transferSyntaxUID, uid, file);
  });
  it('implicit vs explicit VR little endian', async () => assertSameModelInput(f.ct.implicit, f.ct.explicit));
  it('explicit VR big endian vs little endian', async () =>
    assertSameModelInput(f.ct.explicit, f.ct.bigEndian));
  it('RLE lossless (our own encoder; files by other tools: rleFromOtherTools.test.ts) vs uncompressed', async () =>
    assertSameModelInput(f.ct.implicit, f.ct.rle));
  it('JPEG-LS lossless vs uncompressed', async () => assertSameModelInput(f.ct.implicit, f.ct.jpegLs));
  it('JPEG lossless (process 14, selection value 1) vs uncompressed', async () =>
    assertSameModelInput(f.ct.implicit, f.ct.jpegLossless));
  it('JPEG 2000 lossless vs uncompressed', async () => assertSameModelInput(f.ct.implicit, f.ct.j2k));
  it('signed vs unsigned storage with the same Hounsfield values', async () => {
    await assertSameModelInput(f.ct.implicit, f.ct.signed);
    const [u, s] = await Promise.all([openImage(f.ct.implicit), openImage(f.ct.signed)]);
    assert.ok(Buffer.from(u.pixels.buffer).equals(Buffer.from(s.pixels.buffer)), 'HU values differ');
    assert.ok(u.range.min < -1000 && u.range.max > 1000, `HU range ${u.range.min}..${u.range.max}`);
  });
  it('MONOCHROME1 vs MONOCHROME2 (MONOCHROME1 is inverted to the usual appearance)', async () => {
    await assertSameModelInput(f.ct.implicit, f.ct.monochrome1);
  });
  it('a frame of a multi-frame file vs the single frame', async () => {
    await assertSameModelInput(f.ct.implicit, f.ct.multiFrame, {}, { frame: 1 });
    const other = await openImage(f.ct.multiFrame, { frame: 2 });
    assert.deepEqual(other.frame, { index: 2, count: 3 });
    assert.equal(other.range.max, other.range.min); // frame 2 is blank: really a different frame
  });
  it('a DICOM without extension (DICM preamble) vs .dcm', async () =>
    assertSameModelInput(f.ct.implicit, f.ct.noExtension));
  it('.nii vs .nii.gz', async () =>
    assertSameModelInput(f.nifti.gz, f.nifti.plain, { slice: 7 }, { slice: 7 }));
  it('NIfTI float32 vs int16 with scl_slope/scl_inter (values within one int16 step)', async () => {
    const [a, b] = await Promise.all([
      openImage(f.nifti.gz, { slice: 3 }),
      openImage(f.nifti.int16Scaled, { slice: 3 }),
    ]);
    let maxDiff = 0;
    for (let i = 0; i < a.pixels.length; i++)
      maxDiff = Math.max(maxDiff, Math.abs(a.pixels[i] - b.pixels[i]));
    const step = (a.range.max - a.range.min) / 60000;
    assert.ok(maxDiff <= step, `max difference ${maxDiff} > ${step}`);
    assert.ok(compare(modelInputPixels(a), modelInputPixels(b)).psnr >= 50);
  });
  // The BMP is 24-bit RGB with equal channels, the PNG 8-bit grey: the model sees the same.
  it('BMP (own reader) vs PNG of the same pixels', async () =>
    assertSameModelInput(f.raster.png, f.raster.bmp, {}, {}, false));
  it('JPEG baseline DICOM (lossy) vs the uncompressed 8-bit original, grey and colour', async () => {
    const [a, b] = await Promise.all([openImage(f.ct8.native), openImage(f.ct8.jpegBaseline)]);
    assert.ok(compare(modelInputPixels(a), modelInputPixels(b)).psnr >= 35);
    const [c, d] = await Promise.all([openImage(f.ct8.rgbNative), openImage(f.ct8.rgbJpegBaseline)]);
    assert.equal(d.channels, 3);
    assert.ok(compare(modelInputPixels(c), modelInputPixels(d)).psnr >= 30);
  });
  it('TIFF, lossless WebP, PNG with alpha and 16-bit RGB PNG of the same RGB pixels', async () => {
    const source = path.join(f.dir, 'pathology_small.png');
    const { data, info } = await sharp(f.raster.png)
      .toColourspace('srgb')
      .raw()
      .toBuffer({ resolveWithObject: true });
    // A colour image: tint the grey so the channels differ.
    const rgb = Buffer.from(data);
    for (let i = 0; i < rgb.length; i += 3) rgb[i + 1] = 255 - rgb[i + 1];
    const raw = { raw: { width: info.width, height: info.height, channels: 3 as const } };
    await sharp(rgb, raw).png().toFile(source);
    const tiff = path.join(f.dir, 'tinted.tiff');
    await sharp(rgb, raw).tiff({ compression: 'lzw' }).toFile(tiff);
    const webp = path.join(f.dir, 'tinted.webp');
    await sharp(rgb, raw).webp({ lossless: true }).toFile(webp);
    const rgba = path.join(f.dir, 'tinted_alpha.png');
    await sharp(rgb, raw).ensureAlpha(0.5).png().toFile(rgba);
    for (const file of [tiff, webp, rgba]) await assertSameModelInput(source, file);
    const rgb16 = new Uint16Array(rgb.length);
    for (let i = 0; i < rgb.length; i++) rgb16[i] = rgb[i] * 257;
    const png16 = path.join(f.dir, 'tinted16.png');
    await sharp(rgb16, raw).toColourspace('rgb16').png().toFile(png16);
    const deep = await openImage(png16);
    assert.deepEqual([deep.channels, deep.bitsStored, deep.pixels[1]], [3, 16, rgb[1] * 257]);
  });
  it('16-bit PNG keeps its 16-bit values for the viewer', async () => {
    const [a, b] = await Promise.all([openImage(f.raster.png8), openImage(f.raster.png16)]);
    assert.equal(b.bitsStored, 16);
    assert.deepEqual([a.channels, b.channels], [1, 1]);
    for (let i = 0; i < a.pixels.length; i += 997) assert.equal(b.pixels[i], a.pixels[i] * 257);
  });
});

describe('imaging: DICOM attributes', function () {
  this.timeout(120_000);
  let f: GeneratedFixtures;
  before(async () => {
    f = await generatedFixtures();
  });
  it('exposes BurnedInAnnotation YES as a flag, and keeps spacing and UIDs local', async () => {
    const burned = await openImage(f.ct.burnedIn);
    assert.equal(burned.burnedInAnnotation, true);
    const plain = await openImage(f.ct.implicit);
    assert.equal(plain.burnedInAnnotation, false);
    assert.ok(plain.pixelSpacing && Math.abs(plain.pixelSpacing[0] - 0.513671875) < 1e-9);
    assert.match(plain.dicom?.sopInstanceUID ?? '', /^[0-9.]+$/);
    assert.equal(plain.dicom?.transferSyntaxUID, '1.2.840.10008.1.2');
    assert.deepEqual(plain.defaultWindow, { lower: -1200, upper: 400 });
  });
  it('NIfTI keeps pixdim, dims, slice count and affine', async () => {
    const n = await openImage(f.nifti.gz);
    assert.deepEqual(n.slice, { index: 7, count: 15 }); // middle slice by default
    assert.deepEqual(n.nifti?.dims, [3, 512, 422, 15]);
    assert.ok(n.pixelSpacing && Math.abs(n.pixelSpacing[0] - 0.308) < 1e-6);
    assert.equal(n.nifti?.affine.length, 16);
    assert.equal(n.width, 422); // rows run along the first voxel axis (512), columns along the second
    assert.equal(n.height, 512);
  });
});
