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
