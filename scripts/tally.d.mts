export interface Counts {
  passed: number;
  failed: number;
}
export class Tally {
  checks: Counts;
  tests: Counts;
  broken: string[];
  check(name: string, ok: boolean): void;
  suite(name: string, result: Counts & { ok: boolean }): void;
  summary(): string[];
  exitCode(): 0 | 1;
}
export function mochaCounts(stdout: string): Counts;
export function harnessCounts(stdout: string): Counts;
