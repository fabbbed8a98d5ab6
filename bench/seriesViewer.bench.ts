/**
 * Opening a DICOM series in the viewer: a 512×512×200 CT series (int16, one file per slice, names
 * shuffled). Measures what the viewer waits for before its first slice (reading and assembling
 * every header, then decoding the middle slice) and a slice step after that, and how long the
 * host's event loop was blocked at most meanwhile (the host must not freeze).
 * Issue 12 asks for the first slice within 1 s. Run: npm run bench seriesViewer
 */
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { chooseSeries, seriesSource } from '../src/editors/sliceSource';
import { quietly } from '../src/export/dcmjs';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const dcmjs = require('dcmjs');

const N = 512;
const SLICES = 200;

function sliceBytes(k: number): Buffer {
  const pixels = new Int16Array(N * N);
  for (let i = 0; i < pixels.length; i++)
    pixels[i] = (((i % N) * 3 + Math.floor(i / N) + k * 5) % 2000) - 1000;
  const uid = `1.2.826.0.1.3680043.2.1125.99.${k + 1}`;
  const ds = {
    SOPClassUID: '1.2.840.10008.5.1.4.1.1.2',
    SOPInstanceUID: uid,
    Modality: 'CT',
    SeriesInstanceUID: '1.2.826.0.1.3680043.2.1125.98',
    SeriesDescription: 'bench series',
    StudyInstanceUID: '1.2.826.0.1.3680043.2.1125.97',
    InstanceNumber: String(k + 1),
    ImagePositionPatient: [-200, -200, -300 + 1.25 * k],
    ImageOrientationPatient: [1, 0, 0, 0, 1, 0],
    PixelSpacing: [0.78, 0.78],
    Rows: N,
    Columns: N,
    SamplesPerPixel: 1,
    PhotometricInterpretation: 'MONOCHROME2',
    BitsAllocated: 16,
    BitsStored: 16,
    HighBit: 15,
    PixelRepresentation: 1,
    RescaleIntercept: 0,
    RescaleSlope: 1,
    PixelData: [pixels.buffer],
    _vrMap: { PixelData: 'OW' },
  };
  const meta = {
    MediaStorageSOPClassUID: ds.SOPClassUID,
    MediaStorageSOPInstanceUID: uid,
    TransferSyntaxUID: '1.2.840.10008.1.2.1',
    ImplementationClassUID: '1.2.826.0.1.3680043.2.1125.1',
  };
  const dict = new dcmjs.data.DicomDict(dcmjs.data.DicomMetaDictionary.denaturalizeDataset(meta));
  dict.dict = dcmjs.data.DicomMetaDictionary.denaturalizeDataset(ds);
  return Buffer.from(quietly(() => dict.write()));
}

async function main(): Promise<void> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'mip-series-bench-'));
  try {
    for (let k = 0; k < SLICES; k++)
      await fs.writeFile(
        path.join(dir, `im${String((k * 37) % SLICES).padStart(4, '0')}.dcm`),
        sliceBytes(k),
      );
    let worstBlock = 0;
    let last = performance.now();
    const timer = setInterval(() => {
      const now = performance.now();
      worstBlock = Math.max(worstBlock, now - last - 5);
      last = now;
    }, 5);
    const t0 = performance.now();
    const { series } = await chooseSeries(dir);
    const t1 = performance.now();
    const source = seriesSource(dir, series);
    const first = await source.open(undefined, undefined);
    const t2 = performance.now();
    await source.open((first.slice?.index ?? 0) + 1, undefined);
    const t3 = performance.now();
    clearInterval(timer);
    console.log(
      JSON.stringify({
        series: `${N}×${N}×${series.slices.length}`,
        headersMs: Math.round(t1 - t0),
        firstSliceMs: Math.round(t2 - t0),
        nextSliceMs: Math.round(t3 - t2),
        worstEventLoopBlockMs: Math.round(worstBlock),
        firstSliceWithin1s: t2 - t0 < 1000,
      }),
    );
  } finally {
    await fs.rm(dir, { recursive: true, force: true });
  }
}

void main();
