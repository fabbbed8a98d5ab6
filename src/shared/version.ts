/** Name and version shown by the CLI and written into reports. Kept in step with package.json by a unit test. */
export const APP_NAME = 'MedImageParse';
export const APP_VERSION = '0.1.0';
