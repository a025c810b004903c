/**
 * Waits for an event rather than for a time: polls `condition` until it holds, and fails only
 * after a bound generous enough for a machine that is busy with something else.
 */
export async function until(condition: () => boolean | Promise<boolean>, what = 'the condition', boundMs = 120_000): Promise<void> {
  const deadline = Date.now() + boundMs;
  for (let pause = 5; ; pause = Math.min(pause * 2, 200)) {
    try {
      if (await condition()) return;
    } catch {
      /* not there yet: a file not written, a process not started */
    }
    if (Date.now() > deadline) throw new Error(`gave up waiting for ${what} after ${boundMs / 1000} s`);
    await new Promise((r) => setTimeout(r, pause));
  }
}
