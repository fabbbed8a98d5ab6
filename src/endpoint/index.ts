export {
  EndpointClient,
  DEMO_HEADER,
  type EndpointClientDeps,
  type ParseOptions,
  type ParseResult,
  type ResultSource,
  type RetryInfo,
  type TestResult,
} from './client';
export {
  DEFAULT_ENDPOINT_CONFIG,
  DEFAULT_RETRY,
  endpointConfig,
  isLoopbackHost,
  resolveScoringUrl,
  type EndpointConfig,
  type EndpointProtocol,
  type RetryConfig,
} from './config';
export { EndpointError, isEndpointError, type EndpointErrorKind } from './errors';
export { nullLogger, redactingLogger, type Logger } from './logger';
export { Redactor } from './redactor';
export type { ParseInput } from './request';
export type { DecodedMask } from './response';
export { testImagePng } from './testImage';
