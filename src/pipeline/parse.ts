import { randomUUID } from 'node:crypto';
import * as l10n from '@vscode/l10n';
import {
  assessTarget,
  findComponents,
  planRecognitionPrompts,
  recognize,
  recognitionTargets,
} from '../analysis';
import type { EndpointClient } from '../endpoint/client';
import {
  prepareModelInput,
  maskToSource,
  type IntensitySpec,
  type ModelInputOptions,
  type ModelInput,
  type SourceImage,
} from '../imaging';
import type { ParseResult, TargetResult } from '../shared/protocol';
import { modalityKeyFor } from '../shared/targets';

/**
 * The whole path from an opened image to answers, shared by the extension and the CLI:
 * model input → endpoint → masks back on the source pixels → components and validity.
 * No `vscode` here.
 */

export interface PipelineOptions {
  signal?: AbortSignal;
  onProgress?: (message: string, increment?: number) => void;
  /** How the model input is prepared (see ModelInputOptions). */
  modelInput?: ModelInputOptions;
}

interface CommonRequest {
  endpointName: string;
  deployment?: string;
  intensity?: IntensitySpec;
  /** Below this adjusted p-value a target is flagged as likely absent. */
  pValueThreshold?: number;
}

export interface ParseRequest extends CommonRequest {
  prompts: string[];
  modality?: string;
  site?: string;
  /** Overrides the key derived from modality and site. */
  modalityKey?: string;
}

export interface RecognizeRequest extends CommonRequest {
  modalityKey: string;
  /** Targets per request row; the reference sends each key's list in as few requests as allowed. */
  maxPromptsPerRequest?: number;
}

function throwIfAborted(signal?: AbortSignal): void {
  if (signal?.aborted) throw Object.assign(new Error('Cancelled.'), { name: 'AbortError' });
}

/** Per target: the mask on the source pixels, its components there, its validity on the model input. */
function targetResult(
  image: SourceImage,
  input: ModelInput,
  modalityKey: string | undefined,
  target: string,
  label: string,
  mask1024: Uint8Array,
  pThreshold?: number,
): TargetResult {
  const mask = maskToSource(mask1024, input.geometry);
  const detection = findComponents(mask, image.width, image.height, { pixelSpacing: image.pixelSpacing });
  // Grey statistics equal RGB ones on a grey model input (maskStatistics), without making the RGB.
  const assessment = assessTarget(input.grey ?? input.rgb, mask1024, modalityKey, target, { pThreshold });
  return {
    target,
    label,
    mask,
    status: assessment.status,
    pValue: assessment.pValue,
    area: detection.totalArea,
    areaMm2: image.pixelSpacing
      ? detection.totalArea * image.pixelSpacing[0] * image.pixelSpacing[1]
      : undefined,
    components: detection.components,
  };
}

function baseResult(
  image: SourceImage,
  request: CommonRequest,
  kind: ParseResult['kind'],
  prompts: string[],
  source: ParseResult['source'],
): Omit<ParseResult, 'targets'> {
  return {
    id: randomUUID(),
    kind,
    source,
    endpointName: request.endpointName,
    deployment: request.deployment,
    prompts,
    time: new Date().toISOString(),
    width: image.width,
    height: image.height,
    slice: image.slice?.index,
    frame: image.frame?.index,
  };
}

/** Segments the prompts in one image. */
export async function parseImage(
  image: SourceImage,
  client: EndpointClient,
  request: ParseRequest,
  options: PipelineOptions = {},
): Promise<ParseResult> {
  const { input, answer } = await askForMasks(image, client, request, options);
  options.onProgress?.(l10n.t('Analysing masks…'));
  return parseResultFromMasks(image, input, request, answer.masks, answer.source);
}

/** One slice of a volume run: per target, its mask on the slice's pixels and the reference's verdict. */
export interface SliceMasks {
  source: ParseResult['source'];
  targets: Pick<TargetResult, 'mask' | 'status' | 'pValue'>[];
}

/**
 * parseImage for a slice of a volume: the masks and verdicts only. A volume's figures (voxels,
 * components in 3D) are computed once over all its slices; each slice's own 2D components were
 * computed and thrown away, about 2 ms per 512² slice.
 */
export async function parseSliceMasks(
  image: SourceImage,
  client: EndpointClient,
  request: ParseRequest,
  options: PipelineOptions = {},
): Promise<SliceMasks> {
  const { input, answer } = await askForMasks(image, client, request, options);
  const modalityKey = requestModalityKey(request);
  return {
    source: answer.source,
    targets: answer.masks.map((m, i) => {
      const assessment = assessTarget(input.grey ?? input.rgb, m.data, modalityKey, request.prompts[i], {
        pThreshold: request.pValueThreshold,
      });
      return {
        mask: maskToSource(m.data, input.geometry),
        status: assessment.status,
        pValue: assessment.pValue,
      };
    }),
  };
}

/** The model input of one image and the endpoint's masks for the request's prompts. */
async function askForMasks(
  image: SourceImage,
  client: EndpointClient,
  request: ParseRequest,
  options: PipelineOptions,
): Promise<{ input: ModelInput; answer: Awaited<ReturnType<EndpointClient['parse']>>[number] }> {
  const { signal, onProgress } = options;
  onProgress?.(l10n.t('Preparing the model input…'));
  const input = await prepareModelInput(image, request.intensity, options.modelInput);
  throwIfAborted(signal);
  onProgress?.(l10n.t("Sending {0} kB to '{1}'…", Math.round(input.png.length / 1024), request.endpointName));
  const [answer] = await client.parse([{ png: input.png, prompts: request.prompts }], {
    signal,
    onRetry: (r) =>
      onProgress?.(
        l10n.t('{0}: retrying in {1} s (attempt {2})…', r.reason, Math.ceil(r.waitMs / 1000), r.attempt),
      ),
  });
  throwIfAborted(signal);
  return { input, answer };
}

/** The request's modality key: its own, or the one its modality and site name. */
function requestModalityKey(request: ParseRequest): string | undefined {
  return (
    request.modalityKey ??
    (request.modality && request.site ? modalityKeyFor(request.modality, request.site) : undefined)
  );
}

/**
 * A parse's answer (one model-input-sized mask per prompt, in prompt order) as a result on the
 * source pixels. Shared by the online path and the import of batch-endpoint predictions, so both
 * give the same result for the same masks.
 */
export function parseResultFromMasks(
  image: SourceImage,
  input: ModelInput,
  request: ParseRequest,
  masks: readonly { label: string; data: Uint8Array }[],
  source: ParseResult['source'],
): ParseResult {
  const modalityKey = requestModalityKey(request);
  return {
    ...baseResult(image, request, 'parse', request.prompts, source),
    modality: request.modality,
    site: request.site,
    modalityKey,
    targets: masks.map((m, i) =>
      targetResult(image, input, modalityKey, request.prompts[i], m.label, m.data, request.pValueThreshold),
    ),
  };
}

/**
 * Recognition ("find everything"): prompts every target the modality key knows, in as few
 * requests as allowed, then filters, suppresses overlaps and combines as the reference does.
 */
export async function recognizeImage(
  image: SourceImage,
  client: EndpointClient,
  request: RecognizeRequest,
  options: PipelineOptions = {},
): Promise<ParseResult> {
  const { signal, onProgress } = options;
  const targets = recognitionTargets(request.modalityKey);
  if (targets.length === 0)
    throw new Error(l10n.t("No recognition list for modality key '{0}'.", request.modalityKey));
  onProgress?.(l10n.t('Preparing the model input…'));
  const input = await prepareModelInput(image, request.intensity);
  throwIfAborted(signal);
  const chunks = planRecognitionPrompts(request.modalityKey, request.maxPromptsPerRequest ?? 16);
  onProgress?.(l10n.t("Asking '{0}' for {1} targets…", request.endpointName, targets.length));
  // All chunks travel as rows of one call: the client batches them into as few requests as its limits allow.
  const answers = await client.parse(
    chunks.map((c) => ({ png: input.png, prompts: c.targets })),
    {
      signal,
      onRetry: (r) => onProgress?.(l10n.t('{0}: retrying in {1} s…', r.reason, Math.ceil(r.waitMs / 1000))),
    },
  );
  throwIfAborted(signal);
  onProgress?.(l10n.t('Combining masks…'));
  const maps = new Map<string, Uint8Array>();
  const labels = new Map<string, string>();
  answers.forEach((a, i) =>
    a.masks.forEach((m, j) => {
      maps.set(chunks[i].targets[j], m.data);
      labels.set(chunks[i].targets[j], m.label);
    }),
  );
  return recognitionResultFromMasks(image, input, request, maps, labels, answers[0]?.source ?? 'endpoint');
}

/**
 * Recognition from every target's mask (model-input grid, keyed by target; `labels` the
 * endpoint's names for them): filter, suppress overlaps, combine, and map back to the source.
 * Shared by the online path and the import of batch-endpoint predictions.
 */
export function recognitionResultFromMasks(
  image: SourceImage,
  input: ModelInput,
  request: RecognizeRequest,
  maps: ReadonlyMap<string, Uint8Array>,
  labels: ReadonlyMap<string, string>,
  source: ParseResult['source'],
): ParseResult {
  const targets = recognitionTargets(request.modalityKey);
  const recognition = recognize(input.rgb, maps, {
    modalityKey: request.modalityKey,
    pThreshold: request.pValueThreshold,
  });
  const labelMap1024 = recognition.labelMap;
  // Label maps are categorical: map each label back separately so no label is blended.
  const labelMap = new Uint8Array(image.width * image.height);
  recognition.labels.forEach((_name, i) => {
    const value = i + 1;
    const binary = new Uint8Array(labelMap1024.length);
    for (let p = 0; p < binary.length; p++) binary[p] = labelMap1024[p] === value ? 255 : 0;
    const back = maskToSource(binary, input.geometry);
    for (let p = 0; p < back.length; p++) if (back[p] >= 128) labelMap[p] = value;
  });
  const kept = recognition.labels.map((name) => {
    // Each kept target's mask is its own probability map; its validity uses the same p-value.
    return targetResult(
      image,
      input,
      request.modalityKey,
      name,
      labels.get(name) ?? name,
      maps.get(name)!,
      request.pValueThreshold,
    );
  });
  return {
    ...baseResult(image, request, 'recognition', targets, source),
    modalityKey: request.modalityKey,
    targets: kept,
    labels: recognition.labels,
    labelMap,
  };
}
