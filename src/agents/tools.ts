import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import type { EndpointClient } from '../endpoint/client';
import { ImagingError, openImage, type SourceImage } from '../imaging';
import { describeImageFile, describeSeriesFolder } from '../imaging/describe';
import { findSeries } from '../imaging/series';
import { exportParseResult } from '../pipeline/exportResult';
import { intensityForRun } from '../pipeline/intensity';
import { parseImage, recognizeImage } from '../pipeline/parse';
import type { ParseResult } from '../shared/protocol';
import { suggestionFor } from '../shared/suggestion';
import { MODALITY_KEYS, RECOMMENDED_TARGETS, modalityKeyFor, resolveModalityKey } from '../shared/targets';
import { renderOverlay } from '../export/overlay';

/**
 * The four things an agent can ask of MedImageParse — parse, recognize, targets, inspect — as
 * plain functions shared by the MCP server and VS Code's language-model tools, so a tool call and
 * a CLI run give the same result. No `vscode` here. Every file path is checked against the roots
 * the caller allows before anything is read.
 */

export interface AgentContext {
  client: EndpointClient;
  endpointName: string;
  /** The endpoint's URL for reports; undefined for the demo endpoint. */
  endpointUrl?: string;
  /** Folders whose files may be read (and next to whose images results are written). */
  roots: readonly string[];
  signal?: AbortSignal;
}

/** A tool's answer: text an agent can reason with, the same as data, and an optional picture. */
export interface ToolAnswer {
  text: string;
  data: Record<string, unknown>;
  image?: { png: Buffer; caption: string };
}

/** A problem with the arguments or the input: reported to the agent as a tool error, not a crash. */
export class ToolInputError extends Error {}

/** Resolves `file` and refuses anything outside the roots (after following symbolic links). */
export async function resolveInRoots(file: string, roots: readonly string[]): Promise<string> {
  if (typeof file !== 'string' || !file.trim()) throw new ToolInputError('no file given');
  const candidates = path.isAbsolute(file) ? [file] : roots.map((r) => path.join(r, file));
  for (const candidate of candidates) {
    const real = await fs.realpath(candidate).catch(() => undefined);
    if (!real) continue;
    for (const root of roots) {
      const realRoot = await fs.realpath(root).catch(() => path.resolve(root));
      const rel = path.relative(realRoot, real);
      if (rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel))) return real;
    }
    throw new ToolInputError(`${file} is outside the folders this tool may read (${roots.join(', ')})`);
  }
  throw new ToolInputError(`${file}: no such file in ${roots.join(', ')}`);
}

function modalityOf(image: SourceImage, key?: string): { modality?: string; site?: string; key?: string } {
  if (key) {
    const resolved = resolveModalityKey(key);
    if (!resolved)
      throw new ToolInputError(`unknown modality key '${key}' (one of ${MODALITY_KEYS.join(', ')})`);
    return { key: resolved };
  }
  const { modality, site } = suggestionFor({ modality: image.modalityHint, site: image.bodyPartHint });
  return { modality, site, key: modality && site ? modalityKeyFor(modality, site) : undefined };
}

async function openForTool(file: string, slice?: number, frame?: number): Promise<SourceImage> {
  const image = await openImage(file, { slice, frame });
  if (image.burnedInAnnotation) {
    throw new ToolInputError(
      `${file} is marked BurnedInAnnotation=YES: its pixels may identify the patient, so it is not sent. Check it in the viewer and parse it there.`,
    );
  }
  return image;
}

function summarise(file: string, result: ParseResult, resultDir: string, files: string[]) {
  const targets = result.targets.map((t) => ({
    target: t.target,
    areaPixels: t.area,
    areaMm2: t.areaMm2 ?? null,
    instances: t.components.length,
    boxes: t.components.map((c) => c.bbox),
    pValue: t.pValue,
    validity: t.status,
  }));
  const demo = result.source === 'demo-reference';
  const lines = [
    `${path.basename(file)} (${result.width}×${result.height}${result.slice !== undefined ? `, slice ${result.slice}` : ''}), ${result.kind === 'recognition' ? 'recognition' : 'parse'} by endpoint '${result.endpointName}'${demo ? ' — reference annotations from the demo endpoint (not model output)' : ''}:`,
    ...targets.map(
      (t) =>
        `- ${t.target}: ${t.areaPixels} px${t.areaMm2 != null ? ` (${t.areaMm2.toFixed(1)} mm²)` : ''}, ${t.instances} instance(s), ${t.validity}${t.pValue !== null ? ` (p = ${t.pValue.toPrecision(3)})` : ''}`,
    ),
    `Masks and report: ${resultDir}`,
    'Research use only; not for clinical use.',
  ];
  return {
    text: lines.join('\n'),
    data: {
      image: file,
      kind: result.kind,
      source: result.source,
      endpoint: result.endpointName,
      modalityKey: result.modalityKey ?? null,
      width: result.width,
      height: result.height,
      slice: result.slice ?? null,
      frame: result.frame ?? null,
      targets,
      resultFolder: resultDir,
      files,
    },
  };
}

export interface ParseArgs {
  image: string;
  targets: string[];
  modalityKey?: string;
  slice?: number;
  frame?: number;
}

/** Segments the targets in one image and writes masks and report next to it. */
export async function parseTool(
  args: ParseArgs,
  ctx: AgentContext,
): Promise<ToolAnswer & { result: ParseResult }> {
  const targets = (args.targets ?? []).map((t) => String(t).trim()).filter(Boolean);
  if (targets.length === 0)
    throw new ToolInputError('give one or more targets, e.g. ["liver", "right kidney"]');
  if (targets.some((t) => t.includes('&')))
    throw new ToolInputError("a target may not contain '&'; give each target separately");
  const file = await resolveInRoots(args.image, ctx.roots);
  const image = await openForTool(file, args.slice, args.frame);
  const modality = modalityOf(image, args.modalityKey);
  const result = await parseImage(
    image,
    ctx.client,
    {
      endpointName: ctx.endpointName,
      prompts: targets,
      modality: modality.modality,
      site: modality.site,
      modalityKey: modality.key,
      intensity: intensityForRun(image, modality.modality, modality.site),
    },
    { signal: ctx.signal },
  );
  const exported = await exportParseResult(image, result, { endpointUrl: ctx.endpointUrl });
  const answer = summarise(file, result, exported.dir, exported.files);
  const png = await renderOverlay(
    image,
    result.targets.map((t) => t.mask),
    result.targets.map((t) => t.target),
  );
  return { ...answer, result, image: { png, caption: `${path.basename(file)} with ${targets.join(', ')}` } };
}

export interface RecognizeArgs {
  image: string;
  modalityKey: string;
  slice?: number;
  frame?: number;
}

/** Finds every object BiomedParse knows for a modality key and writes the labelled result. */
export async function recognizeTool(
  args: RecognizeArgs,
  ctx: AgentContext,
): Promise<ToolAnswer & { result: ParseResult }> {
  const key = resolveModalityKey(args.modalityKey ?? '');
  if (!key)
    throw new ToolInputError(
      `unknown modality key '${args.modalityKey}' (one of ${MODALITY_KEYS.join(', ')})`,
    );
  const file = await resolveInRoots(args.image, ctx.roots);
  const image = await openForTool(file, args.slice, args.frame);
  const result = await recognizeImage(
    image,
    ctx.client,
    {
      endpointName: ctx.endpointName,
      modalityKey: key,
      intensity: intensityForRun(image, image.modalityHint, undefined),
    },
    { signal: ctx.signal },
  );
  const exported = await exportParseResult(image, result, { endpointUrl: ctx.endpointUrl });
  const answer = summarise(file, result, exported.dir, exported.files);
  const png = await renderOverlay(
    image,
    result.targets.map((t) => t.mask),
    result.targets.map((t) => t.target),
  );
  return { ...answer, result, image: { png, caption: `${path.basename(file)}: objects found for ${key}` } };
}

/** The recommended targets of the model card, for one modality (and site) or all. */
export function targetsTool(args: { modality?: string; site?: string }): ToolAnswer {
  const catalogue = RECOMMENDED_TARGETS as Record<string, Record<string, readonly string[]>>;
  const modalities = args.modality
    ? Object.keys(catalogue).filter((m) => m.toLowerCase() === args.modality!.trim().toLowerCase())
    : Object.keys(catalogue);
  if (args.modality && modalities.length === 0) {
    throw new ToolInputError(
      `unknown modality '${args.modality}' (one of ${Object.keys(catalogue).join(', ')})`,
    );
  }
  const data: Record<string, Record<string, readonly string[]>> = {};
  for (const m of modalities) {
    const sites = Object.entries(catalogue[m]).filter(
      ([s]) => !args.site || s.toLowerCase() === args.site.trim().toLowerCase(),
    );
    if (args.site && sites.length === 0) {
      throw new ToolInputError(
        `unknown site '${args.site}' for ${m} (one of ${Object.keys(catalogue[m]).join(', ')})`,
      );
    }
    data[m] = Object.fromEntries(sites);
  }
  const text = Object.entries(data)
    .map(([m, sites]) =>
      Object.entries(sites)
        .map(([s, targets]) => `${m} · ${s}: ${targets.join(', ')}`)
        .join('\n'),
    )
    .join('\n');
  return { text, data: { modalities: data, modalityKeys: MODALITY_KEYS } };
}

/** What an image, volume or DICOM series folder is: format, size, slices, spacing, hints. */
export async function inspectTool(
  args: { image: string },
  ctx: Pick<AgentContext, 'roots'>,
): Promise<ToolAnswer> {
  const file = await resolveInRoots(args.image, ctx.roots);
  const stat = await fs.stat(file);
  const description = stat.isDirectory()
    ? describeSeriesFolder(file, await findSeries(file))
    : await describeImageFile(file);
  const d = description as Record<string, unknown>;
  const text = `${path.basename(file)}: ${d.kind} ${d.width}×${d.height}, ${d.slices} slice(s), ${d.frames} frame(s), spacing ${JSON.stringify(d.spacing)} mm, modality ${d.modality ?? 'unknown'}`;
  return { text, data: d };
}

/** An error for the agent: one line, naming the file where there is one. */
export function toolErrorText(error: unknown): string {
  if (error instanceof ToolInputError || error instanceof ImagingError) return error.message;
  return error instanceof Error ? error.message : String(error);
}
