/** Command ids, view ids, context keys and settings keys: one place, matching package.json. */
export const EXTENSION_ID = 'medimageparse.medimageparse';

export const Commands = {
  openViewer: 'medimageparse.openViewer',
  openSeries: 'medimageparse.openSeries',
  parse: 'medimageparse.parse',
  recognize: 'medimageparse.recognize',
  parseFolder: 'medimageparse.parseFolder',
  parseFolderOnBatchEndpoint: 'medimageparse.parseFolderOnBatchEndpoint',
  importBatchResults: 'medimageparse.importBatchResults',
  manageEndpoints: 'medimageparse.manageEndpoints',
  addEndpoint: 'medimageparse.addEndpoint',
  selectEndpoint: 'medimageparse.selectEndpoint',
  testEndpoint: 'medimageparse.testEndpoint',
  setEndpointKey: 'medimageparse.setEndpointKey',
  signIn: 'medimageparse.signIn',
  editEndpoint: 'medimageparse.editEndpoint',
  removeEndpoint: 'medimageparse.removeEndpoint',
  openSamples: 'medimageparse.openSamples',
  showLog: 'medimageparse.showLog',
  addTarget: 'medimageparse.targets.add',
  recognizeModality: 'medimageparse.targets.recognize',
  historyOpen: 'medimageparse.history.open',
  historyReveal: 'medimageparse.history.reveal',
  historyRerun: 'medimageparse.history.rerun',
  historyDelete: 'medimageparse.history.delete',
  historyClear: 'medimageparse.history.clear',
  evaluate: 'medimageparse.evaluate',
  viewerRun: 'medimageparse.viewer.run',
  viewerExport: 'medimageparse.viewer.export',
  viewerPreviousSlice: 'medimageparse.viewer.previousSlice',
  viewerNextSlice: 'medimageparse.viewer.nextSlice',
  viewerFirstSlice: 'medimageparse.viewer.firstSlice',
  viewerLastSlice: 'medimageparse.viewer.lastSlice',
} as const;

export const Views = {
  endpoints: 'medimageparse.endpoints',
  targets: 'medimageparse.targets',
  history: 'medimageparse.history',
} as const;

export const ViewTypes = {
  /** Custom editor for DICOM and NIfTI (default) and ordinary images (option). */
  medicalEditor: 'medimageparse.viewer',
  imageEditor: 'medimageparse.imageViewer',
  /** The panel opened by the "Open in Viewer" command. */
  panel: 'medimageparse.viewerPanel',
  /** The report of an evaluation against ground truth. */
  evaluationReport: 'medimageparse.evaluationReport',
} as const;

export const ContextKeys = {
  hasEntraEndpoint: 'medimageparse.hasEntraEndpoint',
  /** A viewer has been opened in this window: the activity-bar views show (package.json `views`). */
  viewerOpened: 'medimageparse.viewerOpened',
} as const;

export const SETTINGS_SECTION = 'medimageparse';
