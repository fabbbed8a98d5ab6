import crypto from 'node:crypto';

/**
 * Standard codes for the segments of a DICOM SEG: what each catalogue target *is*, so that other
 * viewers (OHIF, 3D Slicer, …) show anatomy instead of an opaque private code.
 *
 * Every target of the model card's catalogue (src/shared/targets.ts) and of BiomedParse's
 * recognition lists gets a segmented property category (DICOM CID 7150), a segmented property
 * type (CID 7151 / 7159 where DICOM lists the concept, otherwise the SNOMED CT concept), a type
 * modifier for laterality (CID 244) or a qualifier, and an anatomic region (CID 4) where the type
 * alone does not say where it is. Sources: DICOM PS3.16 (DCMR) and the segmentation context
 * lists of QIICR/dcmqi, which code the same organs this way.
 *
 * A few catalogue targets have no standard concept in those lists (optic cup, epithelial cells,
 * glandular structure): they get the standard category and region, and a private type code.
 * Free-text targets (anything not in the table) keep the private scheme `99MEDPARSE` for both.
 * The segment label always keeps the prompt exactly as typed.
 */

export interface Code {
  CodeValue: string;
  CodingSchemeDesignator: string;
  CodeMeaning: string;
}

export interface SegmentCoding {
  category: Code;
  type: Code;
  typeModifier?: Code;
  anatomicRegion?: Code;
  /** True when the type is a standard (SCT/DCM) code, false for the private scheme. */
  standardType: boolean;
}

/** Private coding scheme for the free-text targets of a text-prompted model. */
export const PRIVATE_SCHEME = '99MEDPARSE';

const sct = (CodeValue: string, CodeMeaning: string): Code => ({
  CodeValue,
  CodingSchemeDesignator: 'SCT',
  CodeMeaning,
});
const dcm = (CodeValue: string, CodeMeaning: string): Code => ({
  CodeValue,
  CodingSchemeDesignator: 'DCM',
  CodeMeaning,
});

// Segmented property categories (CID 7150).
const ANATOMY = sct('123037004', 'Anatomical Structure');
const ALTERED = sct('49755003', 'Morphologically Altered Structure');
const TISSUE = sct('85756007', 'Tissue');

// Laterality (CID 244) and the qualifiers used as type modifiers.
const LEFT = sct('7771000', 'Left');
const RIGHT = sct('24028007', 'Right');
const ANTERIOR = sct('255549009', 'Anterior');
const POSTERIOR = sct('255551008', 'Posterior');
const BENIGN = sct('30807003', 'Benign');
const MALIGNANT = sct('21594007', 'Malignant');

// Anatomic regions (CID 4) and the organs also used as types (CID 7151).
const R = {
  abdomen: sct('818981001', 'Abdomen'),
  adrenal: sct('23451007', 'Adrenal gland'),
  aorta: sct('15825003', 'Aorta'),
  bladder: sct('89837001', 'Bladder'),
  brain: sct('12738006', 'Brain'),
  breast: sct('76752008', 'Breast'),
  cervix: sct('71252005', 'Cervix'),
  chest: sct('816094009', 'Chest'),
  colon: sct('71854001', 'Colon'),
  duodenum: sct('38848004', 'Duodenum'),
  esophagus: sct('32849002', 'Esophagus'),
  eye: sct('81745001', 'Eye'),
  gallbladder: sct('28231008', 'Gallbladder'),
  heart: sct('80891009', 'Heart'),
  kidney: sct('64033007', 'Kidney'),
  liver: sct('10200004', 'Liver'),
  lung: sct('39607008', 'Lung'),
  ovary: sct('15497006', 'Ovary'),
  pancreas: sct('15776009', 'Pancreas'),
  pelvis: sct('816092008', 'Pelvis'),
  prostate: sct('41216001', 'Prostate'),
  retina: sct('5665001', 'Retina'),
  skin: sct('39937001', 'Skin'),
  spleen: sct('78961009', 'Spleen'),
  stomach: sct('69695003', 'Stomach'),
  testis: sct('40689003', 'Testis'),
  thyroid: sct('69748006', 'Thyroid'),
  uterus: sct('35039007', 'Uterus'),
} as const;

// Lesion types (CID 7159) and other morphologies.
const NEOPLASM = sct('108369006', 'Neoplasm');
const CYST = sct('367643001', 'Cyst');
const NODULE = sct('27925004', 'Nodule');
const EDEMA = sct('79654002', 'Edema');
const INFLAMMATION = sct('409774005', 'Inflammation');
const LESION = sct('52988006', 'Lesion');

/** The catalogue's sites → the anatomic region a lesion found there lies in. */
const REGION_OF_SITE: Readonly<Record<string, Code>> = {
  abdomen: R.abdomen,
  bladder: R.bladder,
  brain: R.brain,
  breast: R.breast,
  cervix: R.cervix,
  chest: R.chest,
  colon: R.colon,
  esophagus: R.esophagus,
  heart: R.heart,
  kidney: R.kidney,
  liver: R.liver,
  lung: R.lung,
  ovarian: R.ovary,
  pelvis: R.pelvis,
  prostate: R.prostate,
  retinal: R.retina,
  skin: R.skin,
  stomach: R.stomach,
  testis: R.testis,
  thyroid: R.thyroid,
  uterus: R.uterus,
};

interface Entry {
  category: Code;
  /** A standard type, or undefined for a catalogue target with no standard concept. */
  type?: Code;
  typeModifier?: Code;
  /** Where it is: fixed, or 'site' for the site the image was parsed as (tumours, edema, cells). */
  region?: Code | 'site';
}

const anatomy = (type: Code, typeModifier?: Code, region?: Code): Entry => ({
  category: ANATOMY,
  type,
  typeModifier,
  region,
});
const altered = (type: Code | undefined, region: Code | 'site', typeModifier?: Code): Entry => ({
  category: ALTERED,
  type,
  typeModifier,
  region,
});

/** Target name (lower case, as the catalogue spells it) → coding. */
const TABLE: Readonly<Record<string, Entry>> = {
  // Organs and their parts.
  'adrenal gland': anatomy(R.adrenal),
  'left adrenal gland': anatomy(R.adrenal, LEFT),
  'right adrenal gland': anatomy(R.adrenal, RIGHT),
  aorta: anatomy(R.aorta),
  bladder: anatomy(R.bladder),
  duodenum: anatomy(R.duodenum),
  esophagus: anatomy(R.esophagus),
  gallbladder: anatomy(R.gallbladder),
  kidney: anatomy(R.kidney),
  'left kidney': anatomy(R.kidney, LEFT),
  'right kidney': anatomy(R.kidney, RIGHT),
  liver: anatomy(R.liver),
  pancreas: anatomy(R.pancreas),
  postcava: anatomy(sct('64131007', 'Inferior vena cava')),
  spleen: anatomy(R.spleen),
  stomach: anatomy(R.stomach),
  uterus: anatomy(R.uterus),
  prostate: anatomy(R.prostate),
  'prostate peripheral zone': anatomy(sct('279706003', 'Peripheral zone of the prostate')),
  'prostate transitional zone': anatomy(sct('399384005', 'Transition zone of the prostate')),
  'anterior hippocampus': anatomy(sct('5366008', 'Hippocampus'), ANTERIOR, R.brain),
  'posterior hippocampus': anatomy(sct('5366008', 'Hippocampus'), POSTERIOR, R.brain),
  'left heart atrium': anatomy(sct('82471001', 'Left atrium')),
  'left heart ventricle': anatomy(sct('87878005', 'Left ventricle')),
  'right heart ventricle': anatomy(sct('53085002', 'Right ventricle')),
  myocardium: anatomy(sct('74281007', 'Myocardium'), undefined, R.heart),
  lung: anatomy(R.lung),
  'left lung': anatomy(R.lung, LEFT),
  'right lung': anatomy(R.lung, RIGHT),
  // CT-Liver recognition: the vessels of the organ parsed.
  vessel: { category: TISSUE, type: sct('59820001', 'Blood vessel'), region: 'site' },
  'optic disc': anatomy(sct('81016008', 'Optic nerve head'), undefined, R.eye),
  'optic cup': { category: ANATOMY, region: R.eye },
  'fetal head': anatomy(sct('69536005', 'Head')),
  // The model's own spelling of "pubic symphysis".
  'public symphysis': anatomy(sct('82561000', 'Symphysis pubis')),
  // Tumours, lesions and other altered structures: where they are comes from the site.
  tumor: altered(NEOPLASM, 'site'),
  'kidney tumor': altered(NEOPLASM, R.kidney),
  'kidney cyst': altered(CYST, R.kidney),
  'benign tumor': altered(NEOPLASM, 'site', BENIGN),
  'malignant tumor': altered(NEOPLASM, 'site', MALIGNANT),
  'lower-grade glioma': altered(NEOPLASM, R.brain),
  'tumor core': altered(NEOPLASM, R.brain),
  'whole tumor': altered(NEOPLASM, R.brain),
  'enhancing tumor': altered(NEOPLASM, R.brain),
  'non-enhancing tumor': altered(NEOPLASM, R.brain),
  nodule: altered(NODULE, R.lung),
  edema: altered(EDEMA, 'site'),
  'COVID-19 infection': altered(INFLAMMATION, R.lung),
  'viral pneumonia': altered(INFLAMMATION, R.lung),
  'lung opacity': altered(dcm('112001', 'Opacity'), R.lung),
  lesion: altered(LESION, 'site'),
  melanoma: altered(sct('1162635006', 'Malignant melanoma'), R.skin),
  polyp: altered(sct('68496003', 'Polyp of colon'), R.colon),
  'non-neoplastic polyp': altered(sct('68496003', 'Polyp of colon'), R.colon),
  'neoplastic polyp': altered(NEOPLASM, R.colon),
  // Pathology: cells and tissue of the organ the slide is from.
  'neoplastic cells': altered(NEOPLASM, 'site'),
  'inflammatory cells': altered(INFLAMMATION, 'site'),
  'connective tissue cells': { category: TISSUE, type: sct('21793004', 'Connective tissue'), region: 'site' },
  'epithelial cells': { category: TISSUE, region: 'site' },
  'glandular structure': { category: TISSUE, region: 'site' },
};

const BY_LOWER_CASE = new Map(Object.entries(TABLE).map(([name, entry]) => [name.toLowerCase(), entry]));

/** A short, stable private code value (SH, ≤ 16 characters) for a target name. */
function privateCodeValue(target: string): string {
  return 'T' + crypto.createHash('sha1').update(target).digest('hex').slice(0, 12).toUpperCase();
}

/**
 * The codes of one segment. `target` is matched to the table by its trimmed, lower-cased name;
 * `site` is the catalogue site the image was parsed as (abdomen, colon, brain…), which places
 * tumours, edema and cells.
 */
export function segmentCoding(target: string, site?: string): SegmentCoding {
  const meaning = target.slice(0, 64);
  const privateType: Code = {
    CodeValue: privateCodeValue(target),
    CodingSchemeDesignator: PRIVATE_SCHEME,
    CodeMeaning: meaning,
  };
  const entry = BY_LOWER_CASE.get(target.trim().toLowerCase());
  if (!entry) {
    return {
      category: {
        CodeValue: 'TARGET',
        CodingSchemeDesignator: PRIVATE_SCHEME,
        CodeMeaning: 'Text-prompted target',
      },
      type: privateType,
      standardType: false,
    };
  }
  const region =
    entry.region === 'site' ? (site ? REGION_OF_SITE[site.trim().toLowerCase()] : undefined) : entry.region;
  return {
    category: entry.category,
    type: entry.type ?? privateType,
    ...(entry.typeModifier ? { typeModifier: entry.typeModifier } : {}),
    ...(region ? { anatomicRegion: region } : {}),
    standardType: entry.type !== undefined,
  };
}

/** The target names the table codes (for tests: every catalogue target must be among them). */
export function codedTargetNames(): string[] {
  return Object.keys(TABLE);
}
