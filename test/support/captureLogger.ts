import type { Logger } from '../../src/endpoint/logger';

/** A Logger that keeps every line, for tests that search logs (e.g. for a leaked key). */
export class CaptureLogger implements Logger {
  readonly lines: string[] = [];
  trace = (m: string) => void this.lines.push(`trace ${m}`);
  debug = (m: string) => void this.lines.push(`debug ${m}`);
  info = (m: string) => void this.lines.push(`info ${m}`);
  warn = (m: string) => void this.lines.push(`warn ${m}`);
  error = (m: string) => void this.lines.push(`error ${m}`);
}
