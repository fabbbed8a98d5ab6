import { promises as fs } from 'node:fs';
import path from 'node:path';
import { loadSharp } from '../runtime/optionalModules';
import { fingerprint } from './fingerprint';

/** One shipped sample image the demo endpoint knows, with its reference annotations. */
export interface DemoImage {
  /** File name without extension, e.g. "06_CT_abdomen". */
  id: string;
  modality: string;
  site: string;
  print: Uint8Array;
  /** Lower-cased target → its canonical name and mask file. */
  targets: Map<string, { target: string; file: string }>;
}

export interface DemoMask {
  width: number;
  height: number;
  /** 0/255 */
  data: Uint8Array;
}

/** Case- and space-insensitive key for prompts and target names. */
export function normaliseTarget(text: string): string {
  return text.trim().toLowerCase().replace(/\s+/g, ' ');
}

async function listPng(dir: string): Promise<string[]> {
  try {
    return (await fs.readdir(dir)).filter((f) => f.toLowerCase().endsWith('.png')).sort();
  } catch {
    return [];
  }
}

/**
 * Reads the catalogue: `demo/<NN>_<modality>_<site>.png` with masks
 * `demo_mask/<NN>_<modality>_<site>_<target, + for spaces>.png`, and the pathology sample
 * `Part_1_516_pathology_breast.png` with `Part_1_516_pathology_breast_<target>.png` beside it.
 */
export async function loadCatalogue(samplesDir: string): Promise<DemoImage[]> {
  const sources: { id: string; file: string; modality: string; site: string; maskDir: string }[] = [];
  for (const file of await listPng(path.join(samplesDir, 'demo'))) {
    const id = file.slice(0, -4);
    const parts = id.split('_');
    if (parts.length !== 3) continue;
    sources.push({
      id,
      file: path.join(samplesDir, 'demo', file),
      modality: parts[1],
      site: parts[2],
      maskDir: path.join(samplesDir, 'demo_mask'),
    });
  }
  const pathology = 'Part_1_516_pathology_breast';
  const rootFiles = await listPng(samplesDir);
  if (rootFiles.includes(`${pathology}.png`)) {
    sources.push({
      id: pathology,
      file: path.join(samplesDir, `${pathology}.png`),
      modality: 'pathology',
      site: 'breast',
      maskDir: samplesDir,
    });
  }

  const images: DemoImage[] = [];
  for (const source of sources) {
    const targets = new Map<string, { target: string; file: string }>();
    for (const maskFile of await listPng(source.maskDir)) {
      if (!maskFile.startsWith(`${source.id}_`)) continue;
      const target = maskFile.slice(source.id.length + 1, -4).replace(/\+/g, ' ');
      targets.set(normaliseTarget(target), { target, file: path.join(source.maskDir, maskFile) });
    }
    if (targets.size === 0) continue;
    images.push({
      id: source.id,
      modality: source.modality,
      site: source.site,
      print: await fingerprint(source.file),
      targets,
    });
  }
  return images;
}

/**
 * The target a prompt names for this image: the target itself, or the "<target> in <site>
 * <modality>" form the model card recommends (and its variants).
 */
export function matchTarget(image: DemoImage, prompt: string): { target: string; file: string } | undefined {
  const key = normaliseTarget(prompt);
  const direct = image.targets.get(key);
  if (direct) return direct;
  const m = /^(.+?) in (.+)$/.exec(key);
  if (!m) return undefined;
  const site = image.site.toLowerCase();
  const modality = image.modality.toLowerCase();
  const contexts = [
    `${site} ${modality}`,
    `${modality} ${site}`,
    `the ${site} ${modality}`,
    site,
    `the ${site}`,
    modality,
  ];
  return contexts.includes(m[2]) ? image.targets.get(m[1]) : undefined;
}

const maskCache = new Map<string, Promise<DemoMask>>();

/** The annotation as a 0/255 map (any non-zero channel counts as inside). */
export function loadMask(file: string): Promise<DemoMask> {
  let cached = maskCache.get(file);
  if (!cached) {
    cached = loadSharp()(file)
      .flatten({ background: { r: 0, g: 0, b: 0 } })
      .greyscale()
      .raw()
      .toBuffer({ resolveWithObject: true })
      .then(({ data, info }) => {
        const out = new Uint8Array(info.width * info.height);
        for (let i = 0; i < out.length; i++) out[i] = data[i] > 127 ? 255 : 0;
        return { width: info.width, height: info.height, data: out };
      });
    cached.catch(() => maskCache.delete(file));
    maskCache.set(file, cached);
  }
  return cached;
}
