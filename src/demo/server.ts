import { recognitionTargets } from '../analysis/recognition';
import { MODALITY_KEYS, RECOMMENDED_TARGETS } from '../shared/targets';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { nullLogger, type Logger } from '../endpoint/logger';
import { loadCatalogue, loadMask, matchTarget, type DemoImage } from './catalogue';
import { fingerprint, fingerprintDistance, isBlank } from './fingerprint';
import { PHANTOM_TARGETS } from './phantom';
import { phantomSliceMasks, phantomSliceOf, phantomVolumeMask } from './phantomAnswers';

/** Header on every answer: the masks are the samples' reference annotations, not model output. */
export const DEMO_HEADER = 'x-medimageparse-demo';
export const DEMO_HEADER_VALUE = 'reference-annotations';

/**
 * Largest mean grey-level difference between 32² thumbnails that still counts as the same image.
 * Our preprocessing changes a 1024² sample by about one grey level; different samples are tens
 * of levels apart (checked at start-up, see `startDemoServer`).
 */
export const MATCH_THRESHOLD = 6;

const MAX_BODY_BYTES = 256 * 1024 * 1024;
const PNG_MAGIC = Buffer.from([0x89, 0x50, 0x4e, 0x47]);
/** Targets of the model card and of the recognition lists, lower-cased. */
const CATALOGUE_TARGETS = new Set<string>(
  [
    ...Object.values(RECOMMENDED_TARGETS as Record<string, Record<string, readonly string[]>>).flatMap(
      (sites) => Object.values(sites).flat(),
    ),
    ...MODALITY_KEYS.flatMap((key) => recognitionTargets(key)),
  ].map((t) => t.toLowerCase()),
);

function isCatalogueTarget(prompt: string): boolean {
  return CATALOGUE_TARGETS.has(prompt.trim().toLowerCase());
}

const ADD_ENDPOINT =
  'To segment your own images, connect a real endpoint with the command "MedImageParse: Add Endpoint".';

export interface DemoServerOptions {
  /** The extension's `media/samples` folder. */
  samplesDir: string;
  /** Default: a free port chosen by the system. */
  port?: number;
  log?: Logger;
}

export interface DemoServer {
  /** Scoring URL (Azure ML format); `/invocations` on the same origin speaks MLflow. */
  url: string;
  close(): Promise<void>;
}

class DemoRefusal extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

const PHANTOM_NAMES = [...PHANTOM_TARGETS.map((t) => t.target), 'kidney'].join(', ');

/** A 2D answer for slice k of the synthetic phantom: its exact labels. */
function phantomRow(k: number, prompts: string[]) {
  const masks = phantomSliceMasks(k, prompts);
  const data = Buffer.alloc(prompts.length * 1024 * 1024);
  masks.forEach((mask, p) => {
    if (mask) data.set(mask, p * 1024 * 1024);
    else if (!isCatalogueTarget(prompts[p])) {
      throw new DemoRefusal(
        400,
        'DemoUnknownTarget',
        `This is the MedImageParse demo endpoint: the synthetic phantom has no "${prompts[p]}". ${ADD_ENDPOINT} It knows: ${PHANTOM_NAMES}.`,
      );
    }
  });
  return {
    image_features: JSON.stringify({
      data: data.toString('base64'),
      shape: [prompts.length, 1024, 1024],
      dtype: 'uint8',
    }),
    text_features: prompts,
  };
}

function catalogueText(images: DemoImage[]): string {
  return images.map((i) => `${i.id} (${[...i.targets.values()].map((t) => t.target).join(', ')})`).join('; ');
}

/**
 * A local endpoint that speaks the MedImageParse protocol so the whole flow can be tried without
 * an Azure account. It recognises the shipped samples by their pixels and answers with their
 * reference annotations; for anything else it says what it is and how to connect a real endpoint.
 */
export async function startDemoServer(options: DemoServerOptions): Promise<DemoServer> {
  const log = options.log ?? nullLogger;
  const images = await loadCatalogue(options.samplesDir);
  if (images.length === 0)
    throw new Error(`Demo endpoint: no sample images with annotations found in ${options.samplesDir}`);
  let closest = Infinity;
  for (let a = 0; a < images.length; a++)
    for (let b = a + 1; b < images.length; b++)
      closest = Math.min(closest, fingerprintDistance(images[a].print, images[b].print));
  if (closest <= 2 * MATCH_THRESHOLD)
    log.warn(
      `demo endpoint: two sample images are only ${closest.toFixed(1)} grey levels apart; recognition may confuse them`,
    );

  const recognise = async (
    png: Buffer,
    row: number,
  ): Promise<DemoImage | 'blank' | { phantomSlice: number }> => {
    let print: Uint8Array;
    try {
      print = await fingerprint(png);
    } catch {
      throw new DemoRefusal(
        400,
        'DemoBadImage',
        `This is the MedImageParse demo endpoint: the image in row ${row + 1} is not a readable PNG. ${ADD_ENDPOINT}`,
      );
    }
    if (isBlank(print)) return 'blank';
    let best: { image: DemoImage; distance: number } | undefined;
    for (const image of images) {
      const distance = fingerprintDistance(print, image.print);
      if (!best || distance < best.distance) best = { image, distance };
    }
    if (best && best.distance <= MATCH_THRESHOLD) return best.image;
    const phantomSlice = await phantomSliceOf(png);
    if (phantomSlice !== undefined) return { phantomSlice };
    throw new DemoRefusal(
      400,
      'DemoUnknownImage',
      `This is the MedImageParse demo endpoint: this image is not one of its samples. ${ADD_ENDPOINT} The demo only answers for the sample images shipped with the extension, with their reference annotations (not model output): ${catalogueText(images)}; and the slices of the synthetic CT phantom (${PHANTOM_NAMES}).`,
    );
  };

  const answerRow = async (image: string, text: string, row: number) => {
    const png = Buffer.from(image, 'base64');
    const prompts = text.split('&').map((p) => p.trim());
    const known = await recognise(png, row);
    if (known === 'blank') {
      // An empty image (the "Test endpoint" request) has nothing in it: empty masks, so the
      // connection test succeeds against the demo too.
      const meta = {
        data: Buffer.alloc(prompts.length * 1024 * 1024).toString('base64'),
        shape: [prompts.length, 1024, 1024],
        dtype: 'uint8',
      };
      return { image_features: JSON.stringify(meta), text_features: prompts };
    }
    if ('phantomSlice' in known) return phantomRow(known.phantomSlice, prompts);
    // A catalogue target that this sample has no annotation for gets an empty mask: the
    // reference data set did not outline it here (so "Recognize all" works on the demo). Anything
    // else (a typo, free text) is refused with a message, never guessed.
    const targets = prompts.map((prompt) => {
      const match = matchTarget(known, prompt);
      if (match) return match;
      if (isCatalogueTarget(prompt)) return undefined;
      throw new DemoRefusal(
        400,
        'DemoUnknownTarget',
        `This is the MedImageParse demo endpoint: it has no reference annotation for "${prompt}" in the sample ${known.id}. ${ADD_ENDPOINT} Targets it knows for this image: ${[...known.targets.values()].map((t) => t.target).join(', ')} (also as "<target> in ${known.site} ${known.modality}").`,
      );
    });
    const masks = await Promise.all(targets.map((t) => (t ? loadMask(t.file) : undefined)));
    const size = masks.find((m) => m !== undefined) ?? { width: 1024, height: 1024 };
    const { width, height } = size;
    const data = Buffer.alloc(masks.length * width * height);
    masks.forEach((m, k) => m && data.set(m.data, k * width * height));
    log.info(
      `demo endpoint: ${known.id}, reference annotation(s) for ${targets.map((t, k) => t?.target ?? `${prompts[k]} (none: empty mask)`).join(', ')}`,
    );
    return {
      image_features: JSON.stringify({
        data: data.toString('base64'),
        shape: [masks.length, height, width],
        dtype: 'uint8',
      }),
      text_features: targets.map((t, k) => t?.target ?? prompts[k]),
    };
  };

  const answerVolume = async (volume: Buffer, target: string) => {
    const mask = await phantomVolumeMask(volume, target.trim());
    if (mask === undefined) {
      throw new DemoRefusal(
        400,
        'DemoUnknownVolume',
        `This is the MedImageParse demo endpoint: for the 3D protocol it only knows the synthetic CT phantom shipped with the extension (as NIfTI or DICOM series), and this volume is not it. ${ADD_ENDPOINT}`,
      );
    }
    if (mask === 'unknown-target') {
      throw new DemoRefusal(
        400,
        'DemoUnknownTarget',
        `This is the MedImageParse demo endpoint: the synthetic phantom has no "${target}". ${ADD_ENDPOINT} It knows: ${PHANTOM_NAMES}.`,
      );
    }
    log.info(`demo endpoint: synthetic phantom volume, reference labels for ${target}`);
    return { nifti_file: JSON.stringify({ data: mask.toString('base64') }) };
  };

  const handle = async (req: IncomingMessage, body: Buffer): Promise<{ status: number; json: unknown }> => {
    if (req.method !== 'POST') {
      throw new DemoRefusal(
        405,
        'DemoMethod',
        'This is the MedImageParse demo endpoint: POST a scoring request (Azure ML input_data or MLflow dataframe_split).',
      );
    }
    let parsed: { input_data?: Frame; dataframe_split?: Frame };
    try {
      parsed = JSON.parse(body.toString('utf8'));
    } catch {
      throw new DemoRefusal(
        400,
        'DemoBadJson',
        'This is the MedImageParse demo endpoint: the request body is not JSON.',
      );
    }
    const frame = parsed?.input_data ?? parsed?.dataframe_split;
    const rows = frame?.data;
    if (
      !Array.isArray(rows) ||
      rows.length === 0 ||
      !rows.every((r) => Array.isArray(r) && typeof r[0] === 'string' && typeof r[1] === 'string')
    ) {
      throw new DemoRefusal(
        400,
        'DemoBadRequest',
        'This is the MedImageParse demo endpoint: expected {"input_data": {"columns": ["image", "text"], "index": [...], "data": [["<base64 PNG>", "<prompt> & <prompt>"], ...]}} (or MLflow "dataframe_split").',
      );
    }
    const first = Buffer.from(rows[0][0].slice(0, 8), 'base64');
    if (rows.length === 1 && !first.subarray(0, 4).equals(PNG_MAGIC)) {
      // Not a PNG: the MedImageParse 3D protocol sends a .nii.gz volume and one target.
      return { status: 200, json: [await answerVolume(Buffer.from(rows[0][0], 'base64'), rows[0][1])] };
    }
    const answers = [];
    for (let r = 0; r < rows.length; r++) answers.push(await answerRow(rows[r][0], rows[r][1], r));
    return { status: 200, json: parsed.input_data ? answers : { predictions: answers } };
  };

  const sockets = new Set<Socket>();
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const reply = (status: number, json: unknown) => {
      const text = JSON.stringify(json);
      res.writeHead(status, {
        'Content-Type': 'application/json',
        'Content-Length': Buffer.byteLength(text),
        [DEMO_HEADER]: DEMO_HEADER_VALUE,
      });
      res.end(text);
    };
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        reply(413, {
          error: {
            code: 'DemoTooLarge',
            message: 'This is the MedImageParse demo endpoint: request too large.',
          },
        });
        req.destroy();
      } else chunks.push(chunk);
    });
    req.on('end', () => {
      handle(req, Buffer.concat(chunks)).then(
        ({ status, json }) => reply(status, json),
        (error: unknown) => {
          if (error instanceof DemoRefusal) {
            log.info(`demo endpoint: ${error.code}`);
            reply(error.status, { error: { code: error.code, message: error.message } });
          } else {
            log.error(`demo endpoint: ${error instanceof Error ? error.message : String(error)}`);
            reply(500, {
              error: {
                code: 'DemoInternal',
                message: `This is the MedImageParse demo endpoint: internal error (${String(error)}).`,
              },
            });
          }
        },
      );
    });
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const url = `http://127.0.0.1:${port}/score`;
  log.info(
    `demo endpoint listening at ${url} with ${images.length} sample image(s) (closest pair ${closest.toFixed(1)} grey levels apart)`,
  );
  return {
    url,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

interface Frame {
  data?: [string, string][];
}
