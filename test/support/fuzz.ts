/**
 * A small seeded fuzzer for the image readers, shared by the unit test (test/unit/imaging/fuzz.test.ts,
 * a few hundred inputs) and the benchmark run (bench/fuzz.bench.ts, thousands): mutated copies of
 * the samples (DICOM in every transfer syntax we decode, NIfTI, PNG, JPEG, TIFF, BMP), each opened
 * and prepared as the model input. Every input must end one of two ways: it opens and gives a
 * 1024×1024 RGB model input, or it fails with an ImagingError whose one-line message names the
 * file and says what is wrong; never a raw RangeError/TypeError, a bare number, or a hang.
 */
import { spawn } from 'node:child_process';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import * as readline from 'node:readline';
import * as zlib from 'node:zlib';
import sharp from 'sharp';
import { ImagingError, openImage, prepareModelInput } from '../../src/imaging';
import { generateImagingFixtures, SAMPLES } from '../fixtures/generate-imaging-fixtures';

/** mulberry32: small, fast, and the same sequence for the same seed everywhere. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface FuzzSource {
  /** File name the mutants keep (the extension matters for sniffing). */
  name: string;
  kind: 'dicom' | 'nifti' | 'nifti-gz' | 'raster';
  bytes: Buffer;
}

/**
 * The seeds: real samples and the generated variants, shrunk where that keeps runs fast.
 * `quick` leaves out JPEG 2000, whose decoder takes seconds per frame (the benchmark run has it).
 */
export async function fuzzSources(workDir: string, options: { quick?: boolean } = {}): Promise<FuzzSource[]> {
  const samples = SAMPLES;
  const f = await generateImagingFixtures(path.join(workDir, 'generated'));
  const read = (file: string) => fs.readFile(file);
  const covid = path.join(samples, 'covid_1585.png');
  const small = sharp(covid).resize(96, 80);
  const sources: FuzzSource[] = [
    { name: 'ct.dcm', kind: 'dicom', bytes: await read(f.ct.implicit) },
    { name: 'ct_explicit.dcm', kind: 'dicom', bytes: await read(f.ct.explicit) },
    { name: 'ct_big_endian.dcm', kind: 'dicom', bytes: await read(f.ct.bigEndian) },
    { name: 'ct_rle.dcm', kind: 'dicom', bytes: await read(f.ct.rle) },
    { name: 'ct_jpegls.dcm', kind: 'dicom', bytes: await read(f.ct.jpegLs) },
    { name: 'ct_j2k.dcm', kind: 'dicom', bytes: await read(f.ct.j2k) },
    { name: 'ct_jpeg_lossless.dcm', kind: 'dicom', bytes: await read(f.ct.jpegLossless) },
    { name: 'ct_multiframe.dcm', kind: 'dicom', bytes: await read(f.ct.multiFrame) },
    { name: 'ct8_jpeg.dcm', kind: 'dicom', bytes: await read(f.ct8.jpegBaseline) },
    { name: 'rgb.dcm', kind: 'dicom', bytes: await read(f.ct8.rgbNative) },
    // Files other tools wrote (test/fixtures/pydicom): 12-bit JPEG, an implicit-VR data set under
    // a JPEG transfer syntax, RGB JPEG without colour transform, uncompressed YBR_FULL_422, 1-bit.
    ...(await Promise.all(
      [
        'JPGExtended.dcm',
        'SC_rgb_jpeg.dcm',
        'SC_jpeg_no_color_transform.dcm',
        'SC_ybr_full_422_uncompressed.dcm',
        'liver_1frame.dcm',
      ].map(async (name): Promise<FuzzSource> => ({
        name,
        kind: 'dicom',
        bytes: await read(path.join(samples, '..', 'pydicom', name)),
      })),
    )),
    { name: 'camus.nii', kind: 'nifti', bytes: await read(f.nifti.plain) },
    { name: 'camus_int16.nii', kind: 'nifti', bytes: await read(f.nifti.int16Scaled) },
    { name: 'camus.nii.gz', kind: 'nifti-gz', bytes: await read(f.nifti.plain) },
    { name: 'covid.png', kind: 'raster', bytes: await small.clone().png().toBuffer() },
    {
      name: 'covid16.png',
      kind: 'raster',
      bytes: await small.clone().toColourspace('grey16').png().toBuffer(),
    },
    {
      name: 'mask.png',
      kind: 'raster',
      bytes: await read(path.join(samples, 'Part_1_516_pathology_breast_neoplastic+cells.png')),
    },
    {
      name: 'oct.jpeg',
      kind: 'raster',
      bytes: await sharp(path.join(samples, '144DME_as_F.jpeg')).resize(96).jpeg().toBuffer(),
    },
    {
      name: 'covid.tiff',
      kind: 'raster',
      bytes: await small.clone().tiff({ compression: 'deflate' }).toBuffer(),
    },
    { name: 'covid.bmp', kind: 'raster', bytes: await read(f.raster.bmp) },
  ];
  return options.quick ? sources.filter((s) => s.name !== 'ct_j2k.dcm') : sources;
}

const INTERESTING_32 = [0, 1, -1, 0x7fffffff, -0x80000000, 0xffff, 0x10000, 1e9, 348, 540];
const INTERESTING_8 = [0, 1, 0x7f, 0x80, 0xff];

type Mutator = (b: Buffer, rand: () => number, source: FuzzSource) => Buffer;

const int = (rand: () => number, n: number): number => Math.floor(rand() * n);
/** Most format fields sit near the start: aim there half of the time. */
const position = (rand: () => number, length: number): number =>
  rand() < 0.5 ? int(rand, Math.min(length, 1024)) : int(rand, length);

export const MUTATORS: Record<string, Mutator> = {
  bitflip: (b, rand) => {
    const out = Buffer.from(b);
    for (let k = 1 + int(rand, 8); k > 0; k--) {
      const at = position(rand, out.length);
      out[at] ^= 1 << int(rand, 8);
    }
    return out;
  },
  bytes: (b, rand) => {
    const out = Buffer.from(b);
    for (let k = 1 + int(rand, 4); k > 0; k--) out[position(rand, out.length)] = INTERESTING_8[int(rand, 5)];
    return out;
  },
  int32: (b, rand) => {
    const out = Buffer.from(b);
    const at = position(rand, out.length - 4);
    const v = INTERESTING_32[int(rand, INTERESTING_32.length)];
    if (rand() < 0.5) out.writeInt32LE(v | 0, at);
    else out.writeInt32BE(v | 0, at);
    return out;
  },
  int16: (b, rand) => {
    const out = Buffer.from(b);
    const at = position(rand, out.length - 2);
    out.writeUInt16LE([0, 1, 0x7fff, 0x8000, 0xffff, 3, 7][int(rand, 7)], at);
    return out;
  },
  truncate: (b, rand) => b.subarray(0, int(rand, b.length)),
  zeroRange: (b, rand) => {
    const out = Buffer.from(b);
    const at = int(rand, out.length);
    out.fill(0, at, Math.min(out.length, at + 1 + int(rand, 4096)));
    return out;
  },
  duplicate: (b, rand) => {
    const at = int(rand, b.length);
    const len = 1 + int(rand, 512);
    return Buffer.concat([b.subarray(0, at), b.subarray(at, at + len), b.subarray(at)]);
  },
  remove: (b, rand) => {
    const at = int(rand, b.length);
    return Buffer.concat([b.subarray(0, at), b.subarray(at + 1 + int(rand, 512))]);
  },
  /** NIfTI-1 header numbers: dims, datatype, bitpix, pixdim, vox_offset, scl_slope/inter. */
  niftiField: (b, rand, source) => {
    if (!source.kind.startsWith('nifti') || b.length < 348) return MUTATORS.int16(b, rand, source);
    const out = Buffer.from(b);
    const floats = [76, 80, 84, 88, 108, 112, 116];
    if (rand() < 0.5) {
      const at = floats[int(rand, floats.length)];
      out.writeFloatLE([NaN, Infinity, -Infinity, -1, 0, 1e30, 352.5, 3.4e38][int(rand, 8)], at);
    } else {
      const at = [40, 42, 44, 46, 48, 70, 72][int(rand, 7)];
      out.writeInt16LE([0, 1, -1, 2, 7, 8, 32767, -32768, 128, 2304, 1024][int(rand, 11)], at);
    }
    return out;
  },
  /** A DICOM element's value near a tag we read (rows, columns, bits, frames, samples). */
  dicomField: (b, rand, source) => {
    if (source.kind !== 'dicom') return MUTATORS.bitflip(b, rand, source);
    const tags = [
      '28001000',
      '28001100',
      '28000001',
      '28000201',
      '28000101',
      '28000800',
      '28000401',
      '28000600',
      'e07f1000',
    ];
    const tag = Buffer.from(tags[int(rand, tags.length)], 'hex');
    const at = b.indexOf(tag);
    if (at < 0) return MUTATORS.bitflip(b, rand, source);
    const out = Buffer.from(b);
    const field = at + 4 + int(rand, 8);
    if (field + 4 <= out.length)
      out.writeInt32LE(INTERESTING_32[int(rand, INTERESTING_32.length)] | 0, field);
    return out;
  },
};

export interface FuzzCase {
  index: number;
  file: string;
  source: string;
  mutator: string;
}

/** Writes `count` mutants (round-robin over sources) into `dir`; the same seed gives the same files. */
export async function writeMutants(
  sources: FuzzSource[],
  dir: string,
  count: number,
  seed: number,
): Promise<FuzzCase[]> {
  await fs.mkdir(dir, { recursive: true });
  const rand = prng(seed);
  const names = Object.keys(MUTATORS);
  const cases: FuzzCase[] = [];
  for (let i = 0; i < count; i++) {
    const source = sources[i % sources.length];
    const mutator = names[int(rand, names.length)];
    let bytes = MUTATORS[mutator](source.bytes, rand, source);
    // A second mutation now and then: faults compound.
    if (rand() < 0.25) bytes = MUTATORS[names[int(rand, names.length)]](bytes, rand, source);
    // NIfTI .gz seeds are mutated inflated and compressed after (or the gzip CRC catches it all).
    if (source.kind === 'nifti-gz') bytes = zlib.gzipSync(bytes, { level: 1 });
    const file = path.join(dir, `${String(i).padStart(5, '0')}-${mutator}-${source.name}`);
    await fs.writeFile(file, bytes);
    cases.push({ index: i, file, source: source.name, mutator });
  }
  return cases;
}

export type FuzzOutcome =
  | { kind: 'opened'; ms: number }
  | { kind: 'refused'; ms: number; message: string }
  | { kind: 'bad'; ms: number; problem: string };

/** Signs of an error that escaped unexplained: JavaScript's own messages, a bare pointer. */
const RAW_ERROR =
  /\b(RangeError|TypeError|ReferenceError|SyntaxError)\b|is not a function|Cannot read propert|Cannot set propert|Maximum call stack|out of bounds|Offset is outside|Invalid typed array length|Array buffer allocation failed|is not defined|undefined \(|:\s*-?\d+\s*$/;

/**
 * Opens one file and prepares its model input; classifies what happened. A run past
 * `timeoutMs` is a hang (the promise is abandoned; the caller should stop soon after).
 */
export async function fuzzOne(file: string, timeoutMs: number): Promise<FuzzOutcome> {
  const started = performance.now();
  const ms = () => Math.round(performance.now() - started);
  let timer: NodeJS.Timeout | undefined;
  const hang = new Promise<'hang'>((resolve) => {
    timer = setTimeout(() => resolve('hang'), timeoutMs);
  });
  const run = (async (): Promise<FuzzOutcome> => {
    try {
      const image = await openImage(file);
      const input = await prepareModelInput(image);
      if (input.rgb.length !== 1024 * 1024 * 3) {
        return { kind: 'bad', ms: ms(), problem: `model input has ${input.rgb.length} bytes` };
      }
      if (input.png.readUInt32BE(0) !== 0x89504e47)
        return { kind: 'bad', ms: ms(), problem: 'model input is not a PNG' };
      return { kind: 'opened', ms: ms() };
    } catch (error) {
      if (!(error instanceof ImagingError)) {
        const text =
          error instanceof Error
            ? `${error.name}: ${error.message}`
            : `thrown ${typeof error} ${String(error)}`;
        return { kind: 'bad', ms: ms(), problem: `not an ImagingError: ${text}` };
      }
      const message = error.message;
      if (!message.startsWith(`${file}: `))
        return { kind: 'bad', ms: ms(), problem: `does not name the file: ${message}` };
      if (message.includes('\n')) return { kind: 'bad', ms: ms(), problem: `more than one line: ${message}` };
      if (RAW_ERROR.test(error.problem)) return { kind: 'bad', ms: ms(), problem: `unexplained: ${message}` };
      return { kind: 'refused', ms: ms(), message };
    }
  })();
  try {
    const outcome = await Promise.race([run, hang]);
    return outcome === 'hang'
      ? { kind: 'bad', ms: ms(), problem: `no outcome within ${timeoutMs} ms (hang?)` }
      : outcome;
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Child side of fuzzInChild: opens each listed file and prints `START <i>` before and
 * `DONE <i> <outcome JSON>` after it.
 */
export async function fuzzChildMain(listFile: string): Promise<void> {
  const cases = JSON.parse(await fs.readFile(listFile, 'utf8')) as FuzzCase[];
  for (const c of cases) {
    process.stdout.write(`START ${c.index}\n`);
    // No timer of its own: a decoder stuck in a synchronous loop would block it anyway; the
    // parent watches the clock.
    const outcome = await fuzzOne(c.file, 24 * 3600_000);
    process.stdout.write(`DONE ${c.index} ${JSON.stringify(outcome)}\n`);
  }
}

/**
 * Runs the cases in a child process (`command` starts one that calls fuzzChildMain with the list
 * file appended), so that a decoder stuck in a synchronous loop, or one that kills its process,
 * is caught: a case with no outcome within `timeoutMs` is reported as a hang and the child
 * killed; a child that dies takes only its current case with it. The others go on in a new child.
 */
export async function fuzzInChild(
  cases: FuzzCase[],
  command: string[],
  workDir: string,
  timeoutMs: number,
  onOutcome: (c: FuzzCase, outcome: FuzzOutcome) => void,
): Promise<void> {
  let remaining = cases;
  let round = 0;
  while (remaining.length > 0) {
    const listFile = path.join(workDir, `fuzz-list-${round++}.json`);
    await fs.writeFile(listFile, JSON.stringify(remaining));
    const byIndex = new Map(remaining.map((c) => [c.index, c]));
    const done = new Set<number>();
    let current: FuzzCase | undefined;
    let started = performance.now();
    const child = spawn(command[0], [...command.slice(1), listFile], { stdio: ['ignore', 'pipe', 'ignore'] });
    const ended = new Promise<string>((resolve) =>
      child.on('close', (code, signal) => resolve(signal ? `signal ${signal}` : `exit code ${code}`)),
    );
    let timedOut = false;
    const watchdog = setInterval(() => {
      if (current && performance.now() - started > timeoutMs) {
        timedOut = true;
        child.kill('SIGKILL');
      }
    }, 250);
    const lines = readline.createInterface({ input: child.stdout });
    lines.on('line', (line) => {
      const [word, index, ...rest] = line.split(' ');
      const c = byIndex.get(Number(index));
      if (!c) return;
      if (word === 'START') {
        current = c;
        started = performance.now();
      } else if (word === 'DONE') {
        done.add(c.index);
        current = undefined;
        onOutcome(c, JSON.parse(rest.join(' ')) as FuzzOutcome);
      }
    });
    const how = await ended;
    clearInterval(watchdog);
    lines.close();
    if (current) {
      const ms = Math.round(performance.now() - started);
      const problem = timedOut ? `no outcome within ${timeoutMs} ms (hang)` : `the process died (${how})`;
      onOutcome(current, { kind: 'bad', ms, problem });
      done.add(current.index);
    } else if (done.size === 0) {
      throw new Error(`the fuzz child process ended (${how}) without running anything`);
    }
    remaining = remaining.filter((c) => !done.has(c.index));
  }
}
