import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { promises as fs } from 'node:fs';
import * as dicomParser from 'dicom-parser';

/**
 * Independent checks of a DICOM SEG written by the exporter: its frames decoded with
 * dicom-parser (not dcmjs, which writes it), placed in the world from the SEG's own functional
 * groups, and `dciodvfy` (dicom3tools) for the standard's rules.
 */

export interface DecodedSeg {
  segmentLabels: string[];
  /** ReferencedSeriesSequence → ReferencedInstanceSequence. */
  referencedInstances: string[];
  /** Per frame: segment number, source SOP Instance UID, ImagePositionPatient, set pixels (column, row). */
  frames: {
    segment: number;
    source: string;
    /** ReferencedFrameNumber of the source (multi-frame sources). */
    sourceFrame?: number;
    position: number[];
    pixels: [number, number][];
  }[];
  pixelSpacing: number[];
  orientation: number[];
  frameOfReferenceUID?: string;
  studyInstanceUID?: string;
  patientID?: string;
}

const numbers = (ds: dicomParser.DataSet, tag: string): number[] =>
  (ds.string(tag) ?? assert.fail(`SEG has no ${tag}`)).split('\\').map(Number);
const item = (ds: dicomParser.DataSet, tag: string): dicomParser.DataSet =>
  ds.elements[tag]?.items?.[0]?.dataSet ?? assert.fail(`SEG has no item in ${tag}`);

export async function decodeSeg(file: string): Promise<DecodedSeg> {
  const ds = dicomParser.parseDicom(new Uint8Array(await fs.readFile(file)));
  const rows = ds.uint16('x00280010')!;
  const columns = ds.uint16('x00280011')!;
  const frameCount = Number(ds.string('x00280008'));
  assert.equal(ds.uint16('x00280100'), 1, 'BitsAllocated');
  const shared = item(ds, 'x52009229');
  const perFrame = ds.elements.x52009230.items!.map((i) => i.dataSet!);
  assert.equal(perFrame.length, frameCount);
  const pixelData = ds.elements.x7fe00010;
  const bits = ds.byteArray.subarray(pixelData.dataOffset, pixelData.dataOffset + pixelData.length);
  const plane = rows * columns;
  assert.ok(bits.length >= Math.ceil((plane * frameCount) / 8), 'PixelData holds every frame');
  const frames = perFrame.map((group, f) => {
    const pixels: [number, number][] = [];
    for (let p = 0; p < plane; p++) {
      const bit = f * plane + p;
      if ((bits[bit >> 3] >> (bit & 7)) & 1) pixels.push([p % columns, Math.floor(p / columns)]);
    }
    const source = item(item(group, 'x00089124'), 'x00082112');
    return {
      segment: item(group, 'x0062000a').uint16('x0062000b')!,
      source: source.string('x00081155')!,
      sourceFrame: source.string('x00081160') ? Number(source.string('x00081160')) : undefined,
      position: numbers(item(group, 'x00209113'), 'x00200032'),
      pixels,
    };
  });
  const referenced = item(ds, 'x00081115').elements.x0008114a.items!.map((i) =>
    i.dataSet!.string('x00081155')!,
  );
  return {
    segmentLabels: ds.elements.x00620002.items!.map((i) => i.dataSet!.string('x00620005')!),
    referencedInstances: referenced,
    frames,
    pixelSpacing: numbers(item(shared, 'x00289110'), 'x00280030'),
    orientation: numbers(item(shared, 'x00209116'), 'x00200037'),
    frameOfReferenceUID: ds.string('x00200052'),
    studyInstanceUID: ds.string('x0020000d'),
    patientID: ds.string('x00100020'),
  };
}

/**
 * Voxels (i, j, k) of a NIfTI grid, as "i,j,k" strings, where each set pixel of `segment` in the
 * SEG lies in the world: pixel (column c, row r) of a frame is at IPP + c·Δcol·row direction +
 * r·Δrow·column direction (LPS), mapped through the inverse of the NIfTI's RAS affine. Every
 * pixel must fall on a voxel centre (within 0.01 voxel).
 */
export function segVoxels(seg: DecodedSeg, segment: number, affine: number[][]): string[] {
  const [rowSpacing, columnSpacing] = seg.pixelSpacing;
  const rowDir = seg.orientation.slice(0, 3);
  const colDir = seg.orientation.slice(3, 6);
  const inverse = invert3(affine.slice(0, 3).map((r) => r.slice(0, 3)));
  const out: string[] = [];
  for (const frame of seg.frames) {
    if (frame.segment !== segment) continue;
    for (const [c, r] of frame.pixels) {
      const lps = [0, 1, 2].map(
        (a) => frame.position[a] + c * columnSpacing * rowDir[a] + r * rowSpacing * colDir[a],
      );
      const ras = [-lps[0] - affine[0][3], -lps[1] - affine[1][3], lps[2] - affine[2][3]];
      const ijk = inverse.map((row) => row[0] * ras[0] + row[1] * ras[1] + row[2] * ras[2]);
      for (const v of ijk) assert.ok(Math.abs(v - Math.round(v)) < 0.01, `pixel off the grid: ${ijk}`);
      out.push(ijk.map((v) => Math.round(v) + 0).join(','));
    }
  }
  return out.sort();
}

/** Voxels "i,j,k" of a NIfTI whose value is `label`. */
export function labelVoxels(
  nifti: { header: { dims: number[] }; values: ArrayLike<number> },
  label: number,
): string[] {
  const [nx, ny, nz] = nifti.header.dims.slice(1, 4);
  const out: string[] = [];
  for (let k = 0; k < nz; k++)
    for (let j = 0; j < ny; j++)
      for (let i = 0; i < nx; i++)
        if (nifti.values[i + nx * (j + ny * k)] === label) out.push(`${i},${j},${k}`);
  return out.sort();
}

function invert3(m: number[][]): number[][] {
  const [[a, b, c], [d, e, f], [g, h, i]] = m;
  const det = a * (e * i - f * h) - b * (d * i - f * g) + c * (d * h - e * g);
  return [
    [(e * i - f * h) / det, (c * h - b * i) / det, (b * f - c * e) / det],
    [(f * g - d * i) / det, (a * i - c * g) / det, (c * d - a * f) / det],
    [(d * h - e * g) / det, (b * g - a * h) / det, (a * e - b * d) / det],
  ];
}

/**
 * dciodvfy's errors and warnings for `file` ("Error - …", "Warning - …" lines), or undefined when dciodvfy is not installed
 * (npm test installs dicom3tools with apt-get).
 */
export function dciodvfyErrors(file: string): string[] | undefined {
  const run = spawnSync('dciodvfy', [file], { encoding: 'utf8' });
  if (run.error) return undefined;
  // Warnings count too: a reader that flags a dubious value (a retired form, a wrong VR use)
  // may show or drop it, and nothing we write should leave that to chance. Except one: free-text
  // targets are coded in our own scheme, and a "99" prefix is how the standard marks a private
  // coding scheme (PS3.16 §8.2), which dciodvfy cannot know.
  // Nor can a SEG fill the study's identity for DICOMDIR (Patient ID, Study ID, date, time): it
  // belongs to its source's study and copies those as they are, empty in a de-identified source.
  const privateScheme = /Unrecognized defined term <99[A-Z0-9_]+> .*Coding Scheme Designator/;
  const studyIdentity = /needed to build DICOMDIR - (Patient ID|Study ID|Study Date|Study Time)$/;
  return `${run.stdout}\n${run.stderr}`
    .split('\n')
    .filter((l) => /^(Error|Warning)/.test(l) && !privateScheme.test(l) && !studyIdentity.test(l));
}
