import cliProgress from 'cli-progress';

export interface Progress {
  advance(bytes: number, label: string): void;
  stop(): void;
}

/** A progress bar over the bytes of the files being loaded, only when a person watches. */
export function fileProgress(totalBytes: number, files: number): Progress {
  const quiet = !process.stderr.isTTY || process.env.FANGST_LOG_LEVEL === 'silent' || totalBytes < 8 * 1024 * 1024;
  if (quiet) return { advance() {}, stop() {} };
  const bar = new cliProgress.SingleBar(
    {
      stream: process.stderr,
      format: 'loading {bar} {percentage}% | {done}/{files} files | {mb} MB | {label}',
      hideCursor: true,
      clearOnComplete: true,
    },
    cliProgress.Presets.shades_classic,
  );
  let done = 0;
  let bytes = 0;
  bar.start(totalBytes, 0, { done, files, mb: '0', label: '' });
  return {
    advance(n, label) {
      done += 1;
      bytes += n;
      bar.update(bytes, { done, files, mb: (bytes / 1e6).toFixed(0), label });
    },
    stop() {
      bar.stop();
    },
  };
}

/**
 * One line on a terminal's stderr that each update overwrites (where a quiet run has got to);
 * cleared before anything else is printed, so a log line or the summary starts on a clean line.
 */
export const statusLine = {
  shown: false,
  show(text: string): void {
    if (!process.stderr.isTTY) return;
    const width = Math.max(20, (process.stderr.columns || 80) - 1);
    process.stderr.write(`\r\x1b[K${text.slice(0, width)}`);
    this.shown = true;
  },
  clear(): void {
    if (!this.shown) return;
    process.stderr.write('\r\x1b[K');
    this.shown = false;
  },
};
