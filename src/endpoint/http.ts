/**
 * axios and axios-retry, required when the first request is made rather than when the extension
 * starts: loading axios pulls in its adapters, form-data and a MIME database, which a window that
 * never sends anything should not pay for. Both resolve to their CommonJS builds, so the bundle
 * holds one copy of each.
 */
import type { AxiosStatic } from 'axios';
import type axiosRetry from 'axios-retry';

let axios: AxiosStatic | undefined;
let retry: typeof axiosRetry | undefined;

export function loadAxios(): AxiosStatic {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  axios ??= require('axios') as AxiosStatic;
  return axios;
}

export function loadAxiosRetry(): typeof axiosRetry {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  retry ??= (require('axios-retry') as { default: typeof axiosRetry }).default;
  return retry;
}
