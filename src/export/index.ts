/**
 * Export stage: files people keep, written next to the image (or where they choose),
 * atomically, never over the source. Plain Node, no `vscode`.
 */
export {
  writeExports,
  defaultExportDir,
  exportFolderTarget,
  sourceStem,
  type ExportFormat,
  type ExportRequest,
  type ExportResult,
  type ExportTarget,
} from './writeExports';
export type { SourceInfo } from './sourceInfo';
export { REPORT_SCHEMA_VERSION, redactUrl, type ExportReport, type ReportTarget } from './report';
export { buildDicomSeg, type SegSegment, type DicomSegOptions } from './dicomSeg';
export { buildNiftiLabels, niftiGeometry, type NiftiLabelOptions } from './nifti';
export { writeFileAtomic, writeFilesAtomic, type WriteOps } from './atomic';
export { safeFileStem, uniqueFileStems } from './names';
export {
  RESULT_FOLDER_SUFFIX,
  resultFolderName,
  isResultFolderName,
  numberedFolder,
  checkFolderTarget,
  commitResultFolder,
  type FolderTarget,
} from './resultFolder';
export { cleanStaleTemps } from './temps';
