/** A problem with one input file. The message is one line: "<file>: <problem>". */
export class ImagingError extends Error {
  readonly file: string;
  readonly problem: string;

  constructor(file: string, problem: string, options?: { cause?: unknown }) {
    // One line only: a decoder's multi-line message must not break the CLI's JSON-lines output or logs.
    const oneLine = problem.replace(/\s+/g, ' ').trim();
    super(`${file}: ${oneLine}`, options);
    this.name = 'ImagingError';
    this.file = file;
    this.problem = oneLine;
  }
}

/** Wraps anything thrown while reading `file` into an ImagingError that names it. */
export function asImagingError(file: string, error: unknown): ImagingError {
  if (error instanceof ImagingError) return error;
  const message = error instanceof Error ? error.message : String(error);
  return new ImagingError(file, message || 'unreadable', { cause: error });
}
