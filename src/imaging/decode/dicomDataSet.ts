import * as dicomParser from 'dicom-parser';

const IMPLICIT_LE = '1.2.840.10008.1.2';
const EXPLICIT_LE = '1.2.840.10008.1.2.1';
const EXPLICIT_BE = '1.2.840.10008.1.2.2';
const DEFLATED = '1.2.840.10008.1.2.1.99';

/** Every value representation PS3.5 defines: two bytes here mean the data set is explicit VR. */
const VRS = new Set(
  'AE AS AT CS DA DS DT FD FL IS LO LT OB OD OF OL OV OW PN SH SL SQ SS ST SV TM UC UI UL UN UR US UT UV'.split(
    ' ',
  ),
);

/** True for a Part 10 file (128-byte preamble then "DICM"). */
export function looksLikeDicom(data: Uint8Array): boolean {
  return (
    data.length >= 132 && data[128] === 0x44 && data[129] === 0x49 && data[130] === 0x43 && data[131] === 0x4d
  );
}

/** Whether the element starting at `at` is written with an explicit VR (as pydicom checks). */
function explicitAt(bytes: Uint8Array, at: number): boolean {
  if (at + 6 > bytes.length) return false;
  return VRS.has(String.fromCharCode(bytes[at + 4], bytes[at + 5]));
}

export interface ParsedDataSet {
  ds: dicomParser.DataSet;
  /** Things a user should know before trusting the pixels (the file breaks a rule we read around). */
  warnings: string[];
}

/**
 * Parses a DICOM data set as pydicom reads it: by the transfer syntax, except that a data set
 * written in implicit VR under an explicit-VR little-endian transfer syntax (or the reverse) is
 * read as it is written, with a warning; a file without the Part 10 header is read in whichever
 * VR its first element shows. `inflater`: the whole file with a deflated data set inflated
 * (dicom-parser's option); `untilTag`: stop at this element (headers only). Throws the parser's
 * own error.
 */
export function parseDataSet(
  bytes: Uint8Array,
  parse: { inflater: (bytes: Uint8Array, position: number) => Uint8Array; untilTag?: string },
): ParsedDataSet {
  const options = parse;
  if (!looksLikeDicom(bytes)) {
    // No meta header: pydicom (force=True) looks at the first element to tell the VR.
    const explicit = explicitAt(bytes, 0);
    const ds = dicomParser.parseDicom(bytes, {
      ...options,
      TransferSyntaxUID: explicit ? EXPLICIT_LE : IMPLICIT_LE,
    } as dicomParser.ParseDicomOptions);
    return { ds, warnings: [] };
  }
  const meta = dicomParser.readPart10Header(bytes);
  const transferSyntax = meta.string('x00020010')?.trim().replace(/\0+$/, '');
  const body = (meta as dicomParser.DataSet & { position: number }).position;
  const littleEndian = transferSyntax !== EXPLICIT_BE && transferSyntax !== DEFLATED;
  if (transferSyntax && littleEndian && body < bytes.length) {
    const declaredExplicit = transferSyntax !== IMPLICIT_LE;
    const writtenExplicit = explicitAt(bytes, body);
    if (declaredExplicit !== writtenExplicit) {
      const ds = parseBody(bytes, meta, body, writtenExplicit, parse.untilTag !== undefined);
      const [said, found] = declaredExplicit ? ['explicit', 'implicit'] : ['implicit', 'explicit'];
      return {
        ds,
        warnings: [
          `the transfer syntax says ${said} VR but the data set is written in ${found} VR; read as written (as pydicom does)`,
        ],
      };
    }
  }
  return { ds: dicomParser.parseDicom(bytes, options as dicomParser.ParseDicomOptions), warnings: [] };
}

type DataSetClass = new (
  parser: dicomParser.ByteArrayParser,
  byteArray: Uint8Array,
  elements: Record<string, dicomParser.Element>,
) => dicomParser.DataSet;

/** The little-endian data set after the meta header, read in the VR it is written in. */
function parseBody(
  bytes: Uint8Array,
  meta: dicomParser.DataSet,
  position: number,
  explicit: boolean,
  headerOnly: boolean,
): dicomParser.DataSet {
  const parser = dicomParser.littleEndianByteArrayParser;
  const stream = new dicomParser.ByteStream(parser, bytes, position);
  const DataSet = (dicomParser as unknown as { DataSet: DataSetClass }).DataSet;
  const ds = new DataSet(parser, bytes, {});
  ds.warnings = [];
  // Up to the pixel data, whose encapsulated fragments (undefined length) the implicit reader
  // would not find: they are read below as the explicit reader does.
  const untilTag = 'x7fe00010';
  if (explicit) dicomParser.parseDicomDataSetExplicit(ds, stream, bytes.length, { untilTag });
  else dicomParser.parseDicomDataSetImplicit(ds, stream, bytes.length, { untilTag });
  const pixels = ds.elements[untilTag];
  if (pixels?.hadUndefinedLength && !headerOnly) {
    dicomParser.findEndOfEncapsulatedElement(stream, pixels, ds.warnings);
    // As parseDicom checks after its last element: fragments must end within the file.
    if (stream.position > bytes.length) throw new Error('truncated encapsulated pixel data (buffer overrun)');
  }
  for (const [tag, element] of Object.entries(meta.elements)) ds.elements[tag] = element;
  return ds;
}
