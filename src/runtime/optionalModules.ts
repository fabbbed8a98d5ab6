/**
 * The heavy or native libraries, loaded the first time a file needs them rather than when the
 * extension or the command line starts: sharp (libvips, a native module per platform, or its
 * WebAssembly build) for PNG/JPEG/TIFF/WebP and overlay pictures, dcmjs for DICOM SEG export, and
 * the WebAssembly DICOM codecs for compressed DICOM pixel data. When one cannot be loaded only the
 * files that need it fail, with a MissingModuleError saying what is missing and what to install;
 * everything else keeps working (DICOM and NIfTI never need sharp).
 */
import type SharpConstructor from 'sharp';
import type { DcmjsApi } from '../export/dcmjs';

export type Sharp = typeof SharpConstructor;

/** A library that could not be loaded: what it is for, why it failed, how to get it. */
export class MissingModuleError extends Error {
  constructor(
    /** The npm package that failed to load, e.g. `sharp`. */
    readonly moduleName: string,
    /** What needs it, e.g. "reading PNG, JPEG, TIFF and WebP images". */
    readonly neededFor: string,
    /** One line: what to install. */
    readonly remedy: string,
    cause: unknown,
  ) {
    super(
      `${moduleName} could not be loaded on ${platformName()} (${firstLine(cause)}); it is needed for ${neededFor}. ${remedy}`,
      { cause },
    );
    this.name = 'MissingModuleError';
  }
}

/** The platform as VS Code's package targets and sharp's packages name it, e.g. linux-x64, alpine-arm64. */
export function platformName(): string {
  const musl = process.platform === 'linux' && isMusl();
  return `${musl ? 'alpine' : process.platform}-${process.arch}`;
}

function isMusl(): boolean {
  // The same test detect-libc makes first: glibc's version is in the process report header.
  const report = process.report?.getReport() as { header?: { glibcVersionRuntime?: string } } | undefined;
  return !report?.header?.glibcVersionRuntime;
}

function firstLine(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  return text.split('\n')[0].trim() || 'unknown error';
}

/**
 * A package name → loader table that tests replace to simulate a missing module; production code
 * never touches it. Static `require` calls keep esbuild's view of the dependencies (the externals
 * stay `require("sharp")`, dcmjs is a bundle of its own beside extension.js and cli.js).
 */
const loaders: Record<OptionalModule, () => unknown> = {
  /* eslint-disable @typescript-eslint/no-require-imports */
  sharp: () => require('sharp'),
  dcmjs: () => require('dcmjs'),
  '@cornerstonejs/codec-openjpeg': () => require('@cornerstonejs/codec-openjpeg'),
  '@cornerstonejs/codec-charls': () => require('@cornerstonejs/codec-charls'),
  '@cornerstonejs/codec-libjpeg-turbo-8bit': () => require('@cornerstonejs/codec-libjpeg-turbo-8bit'),
  /* eslint-enable @typescript-eslint/no-require-imports */
};

export type OptionalModule =
  | 'sharp'
  | 'dcmjs'
  | '@cornerstonejs/codec-openjpeg'
  | '@cornerstonejs/codec-charls'
  | '@cornerstonejs/codec-libjpeg-turbo-8bit';

const NEEDED_FOR: Record<OptionalModule, string> = {
  sharp:
    'reading PNG, JPEG, TIFF and WebP images, the demo endpoint and overlay pictures (DICOM and NIfTI work without it)',
  dcmjs: 'exporting DICOM SEG files',
  '@cornerstonejs/codec-openjpeg': 'DICOM files compressed with JPEG 2000',
  '@cornerstonejs/codec-charls': 'DICOM files compressed with JPEG-LS',
  '@cornerstonejs/codec-libjpeg-turbo-8bit': 'DICOM files compressed with baseline JPEG',
};

function remedyFor(name: OptionalModule): string {
  if (name !== 'sharp') {
    return `Reinstall the MedImageParse extension (or, for the medparse command line, run \`npm install ${name}\` where it is installed).`;
  }
  const [os, cpu] =
    process.platform === 'win32' || process.platform === 'darwin'
      ? [process.platform, process.arch]
      : ['linux', process.arch];
  const libc = platformName().startsWith('alpine') ? ' --libc=musl' : '';
  return (
    `Install the MedImageParse extension built for ${platformName()} (or the universal one, which runs sharp's WebAssembly build); ` +
    `for the medparse command line run \`npm install --os=${os} --cpu=${cpu}${libc} sharp\` or \`npm install @img/sharp-wasm32\` where it is installed.`
  );
}

const loaded = new Map<OptionalModule, unknown>();
const failed = new Map<OptionalModule, MissingModuleError>();

function load<T>(name: OptionalModule): T {
  if (loaded.has(name)) return loaded.get(name) as T;
  // A failed load is remembered: a native module that did not load once will not load later in
  // the same process, and retrying costs a file-system search per image.
  const known = failed.get(name);
  if (known) throw known;
  try {
    const value = loaders[name]();
    loaded.set(name, value);
    return value as T;
  } catch (error) {
    const missing = new MissingModuleError(name, NEEDED_FOR[name], remedyFor(name), error);
    failed.set(name, missing);
    throw missing;
  }
}

/** sharp's constructor; throws MissingModuleError when neither its native nor its WebAssembly build loads. */
export function loadSharp(): Sharp {
  return load<Sharp>('sharp');
}

/** dcmjs (bundled on its own); throws MissingModuleError when it cannot be loaded. */
export function loadDcmjs(): DcmjsApi {
  return load<DcmjsApi>('dcmjs');
}

/** A DICOM codec's Emscripten module factory; throws MissingModuleError when it cannot be loaded. */
export function loadCodecFactory(
  name:
    | '@cornerstonejs/codec-openjpeg'
    | '@cornerstonejs/codec-charls'
    | '@cornerstonejs/codec-libjpeg-turbo-8bit',
): (options?: Record<string, unknown>) => unknown {
  return load(name);
}

/**
 * Tests only: makes `name` fail to load as a missing package does (or restores it with
 * `undefined`), and forgets what was loaded, so the next use tries again.
 */
export function simulateMissingModuleForTests(name: OptionalModule, missing: boolean): void {
  loaded.delete(name);
  failed.delete(name);
  if (missing) {
    loaders[name] = () => {
      const error = new Error(`Cannot find module '${name}' (simulated)`) as Error & { code: string };
      error.code = 'MODULE_NOT_FOUND';
      throw error;
    };
  } else {
    loaders[name] = originalLoaders[name];
  }
}

const originalLoaders = { ...loaders };
