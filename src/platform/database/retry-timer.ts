/**
 * One retry at a time, its delay doubling from `firstMs` up to `maxMs` until
 * `succeeded()` starts it over: for what reconnects or rereads by itself after
 * a failure (the change feed's LISTEN connection, the plan fence). The timer
 * never keeps the process alive, and nothing runs once `stop()` is called.
 */
export class RetryTimer {
  private timer: NodeJS.Timeout | undefined;
  private delayMs: number;
  private stopped = false;

  constructor(
    private readonly firstMs: number,
    private readonly maxMs: number,
  ) {
    this.delayMs = firstMs;
  }

  /** The delay the next `schedule` waits. */
  get nextDelayMs(): number {
    return this.delayMs;
  }

  /** Whether a retry is waiting. */
  get pending(): boolean {
    return this.timer !== undefined;
  }

  /** Runs `retry` after the current delay, unless one is already waiting; doubles the delay. */
  schedule(retry: () => void): void {
    if (this.timer || this.stopped) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      retry();
    }, this.delayMs);
    this.timer.unref();
    this.delayMs = Math.min(this.delayMs * 2, this.maxMs);
  }

  succeeded(): void {
    this.delayMs = this.firstMs;
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
    this.timer = undefined;
  }
}
