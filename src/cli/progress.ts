import type { CliIO } from './command';

/**
 * A one-line progress display on stderr that rewrites itself, shown only when stderr is a
 * terminal: piped or redirected output stays free of carriage returns, so logs and scripts see
 * only real messages. Messages written while it shows clear it first and it comes back after.
 */
export interface ProgressLine {
  update(text: string): void;
  done(): void;
}

const NONE: ProgressLine = { update: () => undefined, done: () => undefined };

/** A progress line for one command run, or one that shows nothing when `io` has no terminal. */
export function progressLine(io: CliIO): ProgressLine {
  return io.progress ?? NONE;
}

/** The terminal side: what `processIO` uses when stderr is a TTY. */
export function terminalProgress(stream: NodeJS.WriteStream): {
  progress: ProgressLine;
  /** Writes a message line, keeping the progress line below it. */
  message(line: string): void;
} {
  let shown = '';
  let last = 0;
  const clear = () => {
    if (shown) stream.write('\r\x1b[2K');
  };
  const draw = (text: string) => {
    const width = Math.max(20, (stream.columns || 80) - 1);
    shown = text.length > width ? `${text.slice(0, width - 1)}…` : text;
    stream.write(`\r\x1b[2K${shown}`);
  };
  return {
    progress: {
      update(text) {
        // A few redraws a second are enough to see it move and cost nothing.
        const now = Date.now();
        if (shown && now - last < 100) return;
        last = now;
        draw(text);
      },
      done() {
        clear();
        shown = '';
      },
    },
    message(line) {
      const again = shown;
      clear();
      stream.write(line + '\n');
      if (again) draw(again);
    },
  };
}
