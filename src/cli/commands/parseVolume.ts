import { promises as fs } from 'node:fs';
import path from 'node:path';
import { exitCodes, parseCliArgs, UsageError, type CliCommand, promptsFromArgs } from '../command';
import { progressLine } from '../progress';
import { ENDPOINT_OPTIONS, ENDPOINT_USAGE, endpointSpec, openEndpoint } from '../endpointOptions';
import { parseIntensitySpec, type IntensitySpec } from '../../imaging';
import { openVolumeSource } from '../../imaging/volumeSource';
import { checkFolderTarget, commitResultFolder, type FolderTarget } from '../../export/resultFolder';
import { buildVolumeExportFiles } from '../../export/volumeExport';
import { folderSliceStore, parseVolume, volumeExportTargets } from '../../pipeline/parseVolume';
import { parseVolume3d } from '../../pipeline/parseVolume3d';
import { modalityForKey, resolveModalityKey } from '../../shared/targets';

const usage = `Usage: medparse parse-volume <NIfTI file | DICOM series folder> --prompt "a & b" --endpoint <url|demo> --out-dir D [options]

Parses a volume slice by slice with the 2D model (one request per slice with all prompts) and
writes D/<source name>/labels.nii.gz (1 … N in prompt order, on the source grid with its affine),
D/<source name>/<target>.nii.gz (0/1 per target), for a DICOM series D/<source name>/segmentation.dcm
(a multi-frame DICOM SEG referencing every instance of the series) and D/<source name>/report.json
(per target: voxels, volumeMl, slices [first, last], components). Prints one JSON line with the output folder
and the per-target figures.

Options:
  --prompt <text>        Targets, separated by '&' (repeatable).
  --mode slices|3d       slices (default): slice by slice with the 2D model. 3d: the MedImageParse 3D
                         protocol, the whole volume sent as a .nii.gz once per target.
  --slices a:b           First and last slice to parse, inclusive (default: all).
  --intensity <spec>     auto (default), percentile, ct:<site>, window:<lower>,<upper>, none.
  --concurrency <n>      Slices in flight at once (default 2).
  --series <UID>         For a folder with several series: which one (default: the one with most slices).
  --modality <key>       Modality key for the per-slice invalid-prompt check (CT-Abdomen, MRI-Abdomen …).
  --out-dir <dir>        Where the result folder goes (required).
  --overwrite            Replace an existing result folder for this source (as one unit).
  --json                 Accepted for the same shape as every command: the output is JSON already.
${ENDPOINT_USAGE}

A cancelled or failed run keeps its finished slices in D/.<source name>.slices/; running the same
command again continues where it stopped. Research use only; not for clinical use.`;

function parseRange(text: string | undefined): [number, number] | undefined {
  if (text === undefined) return undefined;
  const m = /^(\d+):(\d+)$/.exec(text.trim());
  if (!m || Number(m[1]) > Number(m[2]))
    throw new UsageError(`--slices needs first:last with first ≤ last, got '${text}'`);
  return [Number(m[1]), Number(m[2])];
}

export const parseVolumeCommand: CliCommand = {
  name: 'parse-volume',
  summary: 'Parse a NIfTI volume or DICOM series slice by slice; write NIfTI labels, masks and a report',
  usage,
  exitCodes: exitCodes(
    'the run failed; the finished slices stay in <out-dir>/.<source name>.slices/ and a rerun continues',
  ),
  async run(args, io) {
    const { values, positionals } = parseCliArgs({
      args,
      allowPositionals: true,
      strict: true,
      options: {
        ...ENDPOINT_OPTIONS,
        prompt: { type: 'string', multiple: true },
        mode: { type: 'string' },
        slices: { type: 'string' },
        intensity: { type: 'string' },
        concurrency: { type: 'string' },
        series: { type: 'string' },
        modality: { type: 'string' },
        'out-dir': { type: 'string' },
        overwrite: { type: 'boolean' },
        json: { type: 'boolean' },
      },
    });
    if (positionals.length !== 1) throw new UsageError('give exactly one NIfTI file or DICOM series folder');
    const prompts = promptsFromArgs(values.prompt);
    if (prompts.length === 0 || prompts.some((p) => !p))
      throw new UsageError('--prompt needs one or more non-empty targets separated by "&"');
    const mode = values.mode ?? 'slices';
    if (mode !== 'slices' && mode !== '3d')
      throw new UsageError(`--mode must be slices or 3d, got '${mode}'`);
    if (mode === '3d' && values.slices !== undefined)
      throw new UsageError('--slices applies to --mode slices; the 3D model takes the whole volume');
    if (!values['out-dir']) throw new UsageError('--out-dir is required');
    let intensity: IntensitySpec | undefined;
    try {
      intensity = values.intensity ? parseIntensitySpec(values.intensity) : undefined;
    } catch (error) {
      throw new UsageError(`--intensity: ${(error as Error).message}`);
    }
    const concurrency = values.concurrency === undefined ? 2 : Number(values.concurrency);
    if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > 16)
      throw new UsageError(`--concurrency must be a whole number from 1 to 16, got '${values.concurrency}'`);
    const range = parseRange(values.slices);
    const spec = endpointSpec(values);

    // Everything that can fail on the input fails here, before anything is sent.
    const input = path.resolve(positionals[0]);
    const volume = await openVolumeSource(input, { series: values.series });
    const nz = volume.dims[2];
    if (range && range[1] >= nz)
      throw new UsageError(`--slices ${values.slices}: the volume has slices 0:${nz - 1}`);
    const name = path.basename(input).replace(/[/\\]+$/, '');
    const outDir = path.resolve(values['out-dir']);
    const resultDir = path.join(outDir, name);
    const target: FolderTarget = { kind: 'exact', dir: resultDir, overwrite: !!values.overwrite };
    await checkFolderTarget(target);
    for (const warning of volume.warnings) io.err(`warning: ${input}: ${warning}`);
    if (volume.series && !values.series) {
      io.err(
        `info: ${input}: series ${volume.series.seriesInstanceUid} (${volume.series.slices.length} slices)`,
      );
    }

    const endpoint = await openEndpoint(spec, io);
    const progress = progressLine(io);
    try {
      const storeDir = path.join(outDir, `.${name}.slices`);
      const sliceBySlice = async () =>
        parseVolume(
          volume,
          endpoint.client,
          {
            prompts,
            endpointName: endpoint.endpointName,
            deployment: values.deployment,
            intensity,
            modalityKey: values.modality,
            range,
            concurrency,
          },
          {
            store: await folderSliceStore(storeDir, {
              input,
              series: volume.series?.seriesInstanceUid,
              prompts,
              endpoint: endpoint.reportUrl ?? 'demo',
              deployment: values.deployment,
              intensity: intensity ?? null,
              modality: values.modality ?? null,
            }),
            onProgress: (done, total) =>
              values.verbose
                ? io.err(`info: ${done}/${total} slices`)
                : progress.update(`${done}/${total} slices`),
          },
        );
      if (mode === '3d') progress.update(`Sending the volume once per target (${prompts.length})…`);
      const result =
        mode === '3d' ? await parseVolume3d(volume, endpoint.client, { prompts }) : await sliceBySlice();
      progress.update('Writing the result folder…');
      const targets = volumeExportTargets(result);
      const files = await buildVolumeExportFiles({
        input,
        kind: volume.kind,
        seriesInstanceUid: volume.series?.seriesInstanceUid,
        series: volume.series,
        geometry: { dims: volume.dims, spacing: volume.spacing, affine: volume.affine },
        labels: result.labels,
        targets,
        mode,
        range: result.range,
        endpoint: endpoint.reportUrl ?? 'demo',
        source: result.source,
        warnings: volume.warnings,
        site: siteOf(values.modality, intensity),
      });
      await commitResultFolder(files, target);
      await fs.rm(storeDir, { recursive: true, force: true });
      progress.done();
      if (result.source === 'demo-reference')
        io.err('Demo endpoint: these are reference annotations, not model output.');
      io.out(
        JSON.stringify({
          output: resultDir,
          slices: result.range,
          requested: result.requested,
          resumed: result.resumed,
          targets: targets.map(({ mask: _mask, ...figures }) => figures),
        }),
      );
      return 0;
    } finally {
      await endpoint.close();
    }
  },
};

/** The catalogue site a run names (its modality key, else its CT window), for the SEG's codes. */
function siteOf(modality: string | undefined, intensity: IntensitySpec | undefined): string | undefined {
  const key = modality ? resolveModalityKey(modality) : undefined;
  if (key) return modalityForKey(key).site;
  return intensity?.kind === 'ct' ? intensity.site : undefined;
}
