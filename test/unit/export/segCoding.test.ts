import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { recognitionTargets } from '../../../src/analysis/recognition';
import { main } from '../../../src/cli/main';
import { writeExports } from '../../../src/export';
import { dcmjs, toArrayBuffer, type NaturalDataset } from '../../../src/export/dcmjs';
import { readDicomHeader } from '../../../src/export/dicomSeg';
import { codedTargetNames, segmentCoding } from '../../../src/export/segmentCoding';
import { MODALITY_KEYS, RECOMMENDED_TARGETS } from '../../../src/shared/targets';
import { dciodvfyErrors } from '../../support/segCheck';

/**
 * DICOM SEG segments say what they are in SNOMED CT, so other viewers show anatomy: the
 * catalogue's targets get a segmented property category and type (and laterality, region where
 * it applies), free-text targets keep the private 99MEDPARSE scheme. Checked on SEGs read back
 * with dcmjs and with dcmtk's dcmdump, and validated with dciodvfy.
 */

const sample = path.join(__dirname, '../../fixtures/samples/CT_lung_nodule.dcm');
const PHANTOM_SERIES = path.join(__dirname, '../../../media/samples/phantom/synthetic_phantom_ct_series');

interface SegmentCodes {
  label: string;
  category: string;
  type: string;
  modifier?: string;
  region?: string;
}

const code = (item: NaturalDataset | undefined) =>
  item
    ? `${String(item.CodingSchemeDesignator)}:${String(item.CodeValue)} ${String(item.CodeMeaning)}`
    : undefined;

function readSegments(file: string): SegmentCodes[] {
  const seg = dcmjs.data.DicomMetaDictionary.naturalizeDataset(
    dcmjs.data.DicomMessage.readFile(toArrayBuffer(fs.readFileSync(file))).dict,
  );
  return (seg.SegmentSequence as NaturalDataset[]).map((s) => {
    const type = (s.SegmentedPropertyTypeCodeSequence as NaturalDataset[])[0];
    const modifier = (type.SegmentedPropertyTypeModifierCodeSequence as NaturalDataset[] | undefined)?.[0];
    const region = (s.AnatomicRegionSequence as NaturalDataset[] | undefined)?.[0];
    return {
      label: String(s.SegmentLabel),
      category: code((s.SegmentedPropertyCategoryCodeSequence as NaturalDataset[])[0])!,
      type: code(type)!,
      ...(modifier ? { modifier: code(modifier) } : {}),
      ...(region ? { region: code(region) } : {}),
    };
  });
}

/** dcmdump's text of a file, or undefined when dcmtk is not installed (npm test installs it). */
function dcmdump(file: string): string | undefined {
  const run = spawnSync('dcmdump', ['+L', file], { encoding: 'utf8' });
  if (run.error) return undefined;
  assert.equal(run.status, 0, `dcmdump failed: ${run.stderr}`);
  return run.stdout;
}

/** The (CodeValue, CodingSchemeDesignator, CodeMeaning) triples dcmdump shows, in file order. */
function dumpedCodes(dump: string): string[] {
  const out: string[] = [];
  const lines = dump.split('\n');
  lines.forEach((line, i) => {
    const value = /\(0008,0100\) SH \[([^\]]*)\]/.exec(line);
    if (!value) return;
    const scheme = /\(0008,0102\) SH \[([^\]]*)\]/.exec(lines[i + 1] ?? '');
    const meaning = /\(0008,0104\) LO \[([^\]]*)\]/.exec(lines[i + 2] ?? '');
    out.push(`${scheme?.[1]}:${value[1]} ${meaning?.[1]}`);
  });
  return out;
}

describe('export: SNOMED CT codes in DICOM SEG', () => {
  let tmp: string;
  beforeEach(() => (tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'medparse-segcode-'))));
  afterEach(() => fs.rmSync(tmp, { recursive: true, force: true }));

  it('codes every catalogue and recognition target with a standard category', () => {
    const names = new Set<string>();
    for (const sites of Object.values(RECOMMENDED_TARGETS))
      for (const targets of Object.values(sites)) for (const t of targets) names.add(t);
    for (const key of MODALITY_KEYS) for (const t of recognitionTargets(key)) names.add(t);
    const coded = new Set(codedTargetNames());
    assert.deepEqual(
      [...names].filter((n) => !coded.has(n)),
      [],
      'catalogue targets without a SNOMED coding',
    );
    for (const name of names) {
      const c = segmentCoding(name, 'abdomen');
      assert.equal(c.category.CodingSchemeDesignator, 'SCT', name);
      assert.match(c.category.CodeValue, /^(123037004|49755003|85756007)$/, name);
      for (const k of [c.type, c.typeModifier, c.anatomicRegion].filter((x) => x !== undefined)) {
        assert.ok(k.CodeMeaning.length > 0 && k.CodeMeaning.length <= 64, `${name}: ${k.CodeMeaning}`);
        assert.ok(k.CodeValue.length <= 16, `${name}: ${k.CodeValue}`);
      }
    }
  });

  it('matches a catalogue name whatever its case and spacing; anything else is free text', () => {
    assert.equal(segmentCoding('  Left Kidney ').type.CodeValue, '64033007');
    assert.equal(segmentCoding('Left Kidney').typeModifier?.CodeMeaning, 'Left');
    const free = segmentCoding('liver tumour near the hilum');
    assert.equal(free.standardType, false);
    assert.equal(free.category.CodingSchemeDesignator, '99MEDPARSE');
    assert.equal(free.type.CodingSchemeDesignator, '99MEDPARSE');
    assert.equal(free.type.CodeMeaning, 'liver tumour near the hilum');
    // Tumours are placed by the site they were parsed for; no site, no guessed region.
    assert.equal(segmentCoding('tumor', 'colon').anatomicRegion?.CodeMeaning, 'Colon');
    assert.equal(segmentCoding('tumor', 'liver').anatomicRegion?.CodeMeaning, 'Liver');
    assert.equal(segmentCoding('tumor').anatomicRegion, undefined);
  });

  it('2D export: SNOMED codes read back with dcmjs and dcmdump, dciodvfy finds no errors', async function () {
    const header = readDicomHeader(sample);
    const width = 512;
    const mask = (x0: number, y0: number) => {
      const m = new Uint8Array(width * width);
      for (let y = y0; y < y0 + 20; y++) for (let x = x0; x < x0 + 20; x++) m[y * width + x] = 255;
      return m;
    };
    await writeExports({
      source: {
        file: sample,
        format: 'dicom',
        width,
        height: width,
        dicom: { sopInstanceUID: String(header.SOPInstanceUID) },
      },
      targets: [
        { name: 'nodule', mask: mask(300, 200) },
        { name: 'left lung', mask: mask(100, 100) },
        { name: 'tumor', mask: mask(200, 300) },
        { name: 'T1/T2 lesion of my own', mask: mask(50, 400) },
      ],
      outDir: tmp,
      modality: { key: 'CT-Chest', modality: 'CT', site: 'lung' },
    });
    const file = path.join(tmp, 'segmentation.dcm');
    const anatomy = 'SCT:123037004 Anatomical Structure';
    const altered = 'SCT:49755003 Morphologically Altered Structure';
    assert.deepEqual(readSegments(file), [
      { label: 'nodule', category: altered, type: 'SCT:27925004 Nodule', region: 'SCT:39607008 Lung' },
      { label: 'left lung', category: anatomy, type: 'SCT:39607008 Lung', modifier: 'SCT:7771000 Left' },
      { label: 'tumor', category: altered, type: 'SCT:108369006 Neoplasm', region: 'SCT:39607008 Lung' },
      {
        label: 'T1/T2 lesion of my own',
        category: '99MEDPARSE:TARGET Text-prompted target',
        type: `99MEDPARSE:${segmentCoding('T1/T2 lesion of my own').type.CodeValue} T1/T2 lesion of my own`,
      },
    ]);

    const dump = dcmdump(file);
    if (dump === undefined) this.skip(); // dcmtk not installed (npm test installs it)
    const codes = dumpedCodes(dump);
    for (const expected of [
      'SCT:27925004 Nodule',
      'SCT:49755003 Morphologically Altered Structure',
      'SCT:39607008 Lung',
      'SCT:7771000 Left',
      'SCT:123037004 Anatomical Structure',
      'SCT:108369006 Neoplasm',
    ])
      assert.ok(codes.includes(expected), `dcmdump shows ${expected}: ${codes.join(', ')}`);
    assert.match(dump, /\(0062,0005\) LO \[left lung\]/);

    const errors = dciodvfyErrors(file);
    if (errors === undefined) this.skip(); // dicom3tools not installed (npm test installs it)
    assert.deepEqual(errors, []);
  });

  it('series export (parse-volume): SNOMED codes with the region of the modality key, dciodvfy-clean', async function () {
    this.timeout(300_000); // a whole parse through the demo: a hang guard, not a speed limit
    const out: string[] = [];
    const err: string[] = [];
    const code = await main(
      [
        'parse-volume',
        PHANTOM_SERIES,
        '--prompt',
        'liver & right kidney & tumor',
        '--endpoint',
        'demo',
        '--modality',
        'CT-Abdomen',
        '--slices',
        '22:23',
        '--out-dir',
        tmp,
      ],
      { out: (l) => out.push(l), err: (l) => err.push(l) },
    );
    assert.equal(code, 0, err.join('\n'));
    const file = path.join(tmp, 'synthetic_phantom_ct_series', 'segmentation.dcm');
    assert.deepEqual(readSegments(file), [
      { label: 'liver', category: 'SCT:123037004 Anatomical Structure', type: 'SCT:10200004 Liver' },
      {
        label: 'right kidney',
        category: 'SCT:123037004 Anatomical Structure',
        type: 'SCT:64033007 Kidney',
        modifier: 'SCT:24028007 Right',
      },
      {
        label: 'tumor',
        category: 'SCT:49755003 Morphologically Altered Structure',
        type: 'SCT:108369006 Neoplasm',
        region: 'SCT:818981001 Abdomen',
      },
    ]);
    const dump = dcmdump(file);
    if (dump === undefined) this.skip(); // dcmtk not installed (npm test installs it)
    const codes = dumpedCodes(dump);
    for (const expected of ['SCT:10200004 Liver', 'SCT:24028007 Right', 'SCT:818981001 Abdomen'])
      assert.ok(codes.includes(expected), `dcmdump shows ${expected}`);
    const errors = dciodvfyErrors(file);
    if (errors === undefined) this.skip(); // dicom3tools not installed (npm test installs it)
    assert.deepEqual(errors, []);
  });
});
