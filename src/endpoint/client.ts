import type { Readable } from 'node:stream';
import { readAnswer, readAnswerHead, releaseAnswer } from './answerBytes';
import { bodyText } from './byteRuns';
import type { AxiosError, AxiosInstance, AxiosResponse, InternalAxiosRequestConfig } from 'axios';
import { displayUrl, resolveScoringUrl, type EndpointConfig } from './config';
import { classifyAttempt, toEndpointError, type AttemptFailure } from './classify';
import { EndpointError } from './errors';
import { loadAxios, loadAxiosRetry } from './http';
import { nullLogger, redactingLogger, type Logger } from './logger';
import { Redactor } from './redactor';
import { formatBytes, planRequests, type ParseInput, type RequestBatch } from './request';
import { decodeResponse, excerpt, pngSize, type DecodedMask } from './response';
import { RETRYABLE_NETWORK_CODES, RETRYABLE_STATUSES, retryWaitMs } from './retry';
import { testImagePng } from './testImage';
import { decodeVolume3dResponse, volume3dRequestBody } from './volume3d';

/** Header the demo endpoint puts on every answer: its masks are reference annotations. */
export const DEMO_HEADER = 'x-medimageparse-demo';

export type ResultSource = 'endpoint' | 'demo-reference';

export interface ParseResult {
  /** One per prompt, in prompt order. */
  masks: DecodedMask[];
  /** 'demo-reference' when the answer came from the demo endpoint: never label it model output. */
  source: ResultSource;
  /** Wall time of the HTTP request that carried this image (shared by images batched together). */
  latencyMs: number;
}

export interface RetryInfo {
  /** The attempt about to start (2 = first retry). */
  attempt: number;
  waitMs: number;
  /** Why: "HTTP 503", "ECONNRESET" … */
  reason: string;
  status?: number;
  /** True when the wait comes from Retry-After / retry-after-ms. */
  fromServer: boolean;
}

export interface ParseOptions {
  signal?: AbortSignal;
  onRetry?: (info: RetryInfo) => void;
}

export type TestResult =
  | { ok: true; latencyMs: number; source: ResultSource; maskWidth: number; maskHeight: number }
  | { ok: false; latencyMs: number; error: EndpointError };

export interface EndpointClientDeps {
  /** Full Authorization header value ("Bearer …"), or undefined for endpoints without auth. */
  getAuthorization: () => Promise<string | undefined>;
  logger?: Logger;
  /** Shared with the VS Code layer so every secret it knows is removed everywhere. */
  redactor?: Redactor;
}

const TIMED_OUT = Symbol('per-attempt timeout');
/** The largest answer read (a 3D mask volume is tens of megabytes; 2 GB is far beyond any). */
const MAX_ANSWER_BYTES = 2 * 1024 * 1024 * 1024 - 1;
/**
 * Of an error answer, what is read to quote from: all of any real one (the quote collapses long
 * strings, so an echo of the megabytes sent still shows its whole structure).
 */
const ERROR_TEXT_BYTES = 64 * 1024 * 1024;

/** The Content-Length of an answer, when it has a valid one. */
function contentLength(headers: AxiosResponse['headers']): number | undefined {
  const value = Number(headers['content-length']);
  return Number.isSafeInteger(value) && value >= 0 ? value : undefined;
}

/** An answer whose body could not be read, as axios itself reports one. */
function answerFailure(message: string, res: AxiosResponse): AxiosError {
  const { AxiosError } = loadAxios();
  return new AxiosError(message, AxiosError.ERR_BAD_RESPONSE, res.config, res.request, res);
}

/**
 * Talks to one MedImageParse endpoint (Azure ML managed online endpoint or MLflow scoring server).
 *
 * Retries use axios-retry rather than a hand-written loop: it already owns the hard parts of
 * re-sending through axios (re-running interceptors, abort-aware waits, attempt counting). What
 * it lacks is supplied here through its hooks: the Azure wait headers and caps in
 * `retryCondition`/`retryDelay`, and a hard per-attempt deadline in a request interceptor
 * (axios' own `timeout` is a socket idle timeout, which a server trickling bytes never trips).
 */
export class EndpointClient {
  private readonly url: URL;
  private readonly redactor: Redactor;
  private readonly log: Logger;

  constructor(
    readonly config: EndpointConfig,
    private readonly deps: EndpointClientDeps,
  ) {
    this.redactor = deps.redactor ?? new Redactor();
    this.log = redactingLogger(deps.logger ?? nullLogger, this.redactor);
    try {
      this.url = resolveScoringUrl(config);
    } catch (error) {
      throw this.clean(error as EndpointError);
    }
  }

  /** Segments each image with its prompts. Results are in input order. */
  async parse(images: readonly ParseInput[], opts: ParseOptions = {}): Promise<ParseResult[]> {
    try {
      const { batches, prompts } = planRequests(images, this.config.protocol, {
        maxBytes: this.config.maxRequestBytes,
        maxRows: this.config.maxRowsPerRequest,
      });
      const results: ParseResult[] = new Array(images.length);
      // One request at a time: endpoints queue per instance, and 429s come sooner when flooded.
      for (const batch of batches) {
        const { body, headers, latencyMs } = await this.send(batch, opts);
        const started = performance.now();
        const masks = decodeResponse(
          body,
          batch.inputIndices.map((i) => prompts[i]),
          (text) => excerpt(text, (t) => this.redactor.redact(t)),
          batch.inputIndices.map((i) => pngSize(images[i].png)),
        );
        // The masks are copies: the answer's bytes can serve the next answer (see answerBytes.ts).
        if (Buffer.isBuffer(body)) releaseAnswer(body);
        const source: ResultSource = headers[DEMO_HEADER] ? 'demo-reference' : 'endpoint';
        this.log.debug(
          `decoded ${masks.length} row(s) in ${Math.round(performance.now() - started)} ms${source === 'demo-reference' ? ' (demo endpoint: reference annotations)' : ''}`,
        );
        batch.inputIndices.forEach(
          (input, row) => (results[input] = { masks: masks[row], source, latencyMs }),
        );
      }
      return results;
    } catch (error) {
      const clean =
        error instanceof EndpointError
          ? this.clean(error)
          : this.clean(new EndpointError('bad-response', `Endpoint '${this.config.name}': ${String(error)}`));
      this.log.error(clean.message);
      throw clean;
    }
  }

  /**
   * One target in one volume with the MedImageParse 3D protocol (see volume3d.ts): sends the
   * .nii.gz, returns the mask volume's file bytes as the endpoint sent them.
   */
  async segmentVolume(
    niftiGz: Uint8Array,
    target: string,
    opts: ParseOptions = {},
  ): Promise<{ mask: Buffer; source: ResultSource; latencyMs: number }> {
    try {
      const body = volume3dRequestBody(niftiGz, target);
      const answer = await this.send({ inputIndices: [0], body }, opts);
      const answerText = typeof answer.body === 'string' ? answer.body : bodyText(answer.body);
      if (Buffer.isBuffer(answer.body)) releaseAnswer(answer.body);
      const mask = decodeVolume3dResponse(answerText, (text) =>
        excerpt(text, (t) => this.redactor.redact(t)),
      );
      const source: ResultSource = answer.headers[DEMO_HEADER] ? 'demo-reference' : 'endpoint';
      return { mask, source, latencyMs: answer.latencyMs };
    } catch (error) {
      const clean =
        error instanceof EndpointError
          ? this.clean(error)
          : this.clean(new EndpointError('bad-response', `Endpoint '${this.config.name}': ${String(error)}`));
      this.log.error(clean.message);
      throw clean;
    }
  }

  /** Sends one tiny real request (a black 1024² PNG, one prompt) and reports how it went. */
  async test(signal?: AbortSignal): Promise<TestResult> {
    const started = performance.now();
    try {
      const [result] = await this.parse([{ png: await testImagePng(), prompts: ['liver'] }], { signal });
      const mask = result.masks[0];
      return {
        ok: true,
        latencyMs: performance.now() - started,
        source: result.source,
        maskWidth: mask.width,
        maskHeight: mask.height,
      };
    } catch (error) {
      return { ok: false, latencyMs: performance.now() - started, error: error as EndpointError };
    }
  }

  private clean(error: EndpointError): EndpointError {
    return new EndpointError(error.kind, this.redactor.redact(error.message), error.status, error.attempts);
  }

  private async send(
    batch: RequestBatch,
    opts: ParseOptions,
  ): Promise<{ body: Buffer | string; headers: Record<string, string>; latencyMs: number }> {
    const { config } = this;
    const where = displayUrl(this.url);
    if (opts.signal?.aborted)
      throw new EndpointError('cancelled', `Endpoint '${config.name}': request cancelled.`);
    let authorization: string | undefined;
    try {
      authorization = await this.deps.getAuthorization();
    } catch (error) {
      // Already a message for the user (sign-in cancelled, not signed in, no key): keep it.
      if (error instanceof EndpointError) throw error;
      throw new EndpointError(
        'auth',
        `Endpoint '${config.name}': could not get credentials (${error instanceof Error ? error.message : String(error)}). Re-enter the key or sign in again.`,
      );
    }
    this.redactor.addSecret(authorization);
    const headers: Record<string, string> = {
      'Content-Type': 'application/json',
      Accept: 'application/json',
    };
    if (authorization) headers.Authorization = authorization;
    if (config.deployment) headers['azureml-model-deployment'] = config.deployment;
    // The body goes out as bytes: handed a string with a JSON content type, axios would parse it
    // again (to check that it is JSON) on every attempt, half a megabyte per model input.
    const payload = Buffer.from(batch.body, 'utf8');
    const requestBytes = payload.length;

    const callStart = performance.now();
    let attempts = 0;
    let attemptStart = callStart;
    let lastFailure: AttemptFailure | undefined;
    let nextWait = { waitMs: 0, fromServer: false };
    let current: { timer: NodeJS.Timeout; unlink: () => void } | undefined;
    const endAttempt = () => {
      if (!current) return;
      clearTimeout(current.timer);
      current.unlink();
      current = undefined;
    };
    const timedOut = new WeakSet<object>();

    const http: AxiosInstance = loadAxios().create({
      // Redirects would carry the key to wherever they point; scoring URIs never redirect.
      maxRedirects: 0,
      // The answer as a stream, read by the interceptor below while the attempt's deadline still
      // runs: a successful one into bytes (see answerBytes.ts), for decodeResponse to read without
      // making its megabytes of base64 one string (see byteRuns.ts); any other as text, for the
      // messages. Its size limit is enforced there (axios' own, on a stream, wraps it in one more).
      responseType: 'stream',
      transformResponse: [(data: unknown) => data],
      maxBodyLength: Infinity,
      maxContentLength: -1,
      // The per-attempt deadline below replaces axios' idle timeout.
      timeout: 0,
    });

    http.interceptors.request.use((req: InternalAxiosRequestConfig) => {
      endAttempt();
      attempts++;
      attemptStart = performance.now();
      const controller = new AbortController();
      const onUserAbort = () => controller.abort(opts.signal?.reason);
      if (opts.signal?.aborted) controller.abort(opts.signal.reason);
      else opts.signal?.addEventListener('abort', onUserAbort, { once: true });
      current = {
        timer: setTimeout(() => controller.abort(TIMED_OUT), config.timeoutMs),
        unlink: () => opts.signal?.removeEventListener('abort', onUserAbort),
      };
      req.signal = controller.signal;
      this.log.debug(
        `attempt ${attempts}: POST ${where} (${batch.inputIndices.length} image(s), ${formatBytes(requestBytes)})`,
      );
      return req;
    });
    // Registered before axios-retry, so it sees every attempt's outcome first. It reads the
    // answer, then stops the deadline, but leaves the user's abort linked until the next attempt
    // starts: axios-retry's wait between attempts listens on this attempt's signal, so a cancel
    // cuts the wait short.
    const stopDeadline = () => current && clearTimeout(current.timer);
    const wasTimedOut = (config: InternalAxiosRequestConfig | undefined) => {
      const signal = config?.signal as AbortSignal | undefined;
      return !!signal?.aborted && signal.reason === TIMED_OUT;
    };
    http.interceptors.response.use(
      async (res: AxiosResponse) => {
        try {
          res.data = await readAnswer(
            res.data as Readable,
            contentLength(res.headers),
            MAX_ANSWER_BYTES,
            () => answerFailure(`maxContentLength size of ${MAX_ANSWER_BYTES} exceeded`, res),
          );
        } catch (cause) {
          // As axios reports a body it failed to read itself: a dropped connection ("aborted",
          // "premature close") is retried like one, anything else is a bad response.
          const failure =
            loadAxios().isAxiosError(cause) && cause.code === 'ERR_BAD_RESPONSE'
              ? cause
              : answerFailure(cause instanceof Error ? cause.message : 'stream has been aborted', res);
          if (wasTimedOut(res.config)) timedOut.add(failure);
          throw failure;
        } finally {
          stopDeadline();
        }
        return res;
      },
      async (error: AxiosError) => {
        const stream = error.response?.data;
        if (error.response && stream && typeof (stream as Readable).on === 'function')
          error.response.data = bodyText(await readAnswerHead(stream as Readable, ERROR_TEXT_BYTES));
        if (wasTimedOut(error.config)) timedOut.add(error);
        stopDeadline();
        return Promise.reject(error);
      },
    );

    loadAxiosRetry()(http, {
      retries: Math.max(0, config.retry.maxRetries),
      retryCondition: (error) => {
        lastFailure = classifyAttempt(error, timedOut.has(error));
        if (opts.signal?.aborted) return false;
        const retryable =
          (lastFailure.status !== undefined && RETRYABLE_STATUSES.has(lastFailure.status)) ||
          (lastFailure.status === undefined &&
            lastFailure.kind === 'network' &&
            !!lastFailure.code &&
            RETRYABLE_NETWORK_CODES.has(lastFailure.code));
        if (!retryable) return false;
        nextWait = retryWaitMs(
          attempts,
          config.retry,
          error.response?.headers as Record<string, unknown> | undefined,
        );
        const elapsed = performance.now() - callStart;
        if (elapsed + nextWait.waitMs > config.retry.maxTotalMs) {
          this.log.warn(
            `attempt ${attempts} failed (${lastFailure.reason}); not retrying: waiting ${nextWait.waitMs} ms would pass the ${config.retry.maxTotalMs} ms cap`,
          );
          return false;
        }
        return true;
      },
      retryDelay: () => nextWait.waitMs,
      onRetry: (retryCount) => {
        const failure = lastFailure as AttemptFailure;
        this.log.warn(
          `attempt ${retryCount} failed (${failure.reason}); retrying in ${nextWait.waitMs} ms${nextWait.fromServer ? ' as the endpoint asked' : ''}`,
        );
        opts.onRetry?.({
          attempt: retryCount + 1,
          waitMs: nextWait.waitMs,
          reason: failure.reason,
          status: failure.status,
          fromServer: nextWait.fromServer,
        });
      },
    });

    // The deployment name is free text typed by the user (a pasted key lands there by mistake):
    // it is sent, never logged.
    this.log.info(
      `POST ${where}: ${batch.inputIndices.length} image(s), ${formatBytes(requestBytes)}${config.deployment ? ', pinned to a deployment' : ''}`,
    );
    let response: AxiosResponse<Buffer | string>;
    try {
      response = await http.post<Buffer | string>(this.url.toString(), payload, { headers });
    } catch (error) {
      const failure = lastFailure ?? classifyAttempt(error, false);
      const final = opts.signal?.aborted ? { kind: 'cancelled' as const, reason: 'cancelled' } : failure;
      throw toEndpointError(
        final,
        error,
        { config, where, attempts, sentAuth: !!authorization, requestBytes },
        (t) => excerpt(t, (s) => this.redactor.redact(s)),
        (t) => excerpt(t, (s) => this.redactor.redact(s), 1500),
      );
    } finally {
      endAttempt();
    }
    const latencyMs = performance.now() - callStart;
    this.log.info(
      `HTTP ${response.status} from ${where} in ${Math.round(latencyMs)} ms (last attempt ${Math.round(performance.now() - attemptStart)} ms, ${attempts} attempt(s), ${formatBytes(response.data.length)})`,
    );
    const responseHeaders: Record<string, string> = {};
    for (const [k, v] of Object.entries(response.headers))
      if (v !== undefined && v !== null) responseHeaders[k.toLowerCase()] = String(v);
    return { body: response.data, headers: responseHeaders, latencyMs };
  }
}
