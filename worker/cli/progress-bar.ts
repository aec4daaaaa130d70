/**
 * Progress on the terminal: a redrawn bar with percentage, state and time left on a TTY; plain
 * lines at each tenth otherwise (logs, pipes).
 */
export class ProgressBar {
  private readonly started = Date.now();
  private lastDecile = -1;
  private lastDraw = 0;

  constructor(private readonly stream: NodeJS.WriteStream = process.stderr) {}

  update(fraction: number, label: string): void {
    const clamped = Math.max(0, Math.min(1, fraction));
    const percent = Math.floor(clamped * 100);
    if (!this.stream.isTTY) {
      const decile = Math.floor(clamped * 10);
      if (decile > this.lastDecile) {
        this.lastDecile = decile;
        this.stream.write(`${percent}% ${label}\n`);
      }
      return;
    }
    const now = Date.now();
    if (now - this.lastDraw < 100 && clamped < 1) return;
    this.lastDraw = now;
    const width = 30;
    const filled = Math.round(clamped * width);
    const elapsed = (now - this.started) / 1000;
    const eta = clamped > 0.02 ? (elapsed / clamped) * (1 - clamped) : null;
    this.stream.write(`\r[${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${String(percent).padStart(3)}% ${label.padEnd(14)} ${eta === null ? '' : `ETA ${formatDuration(eta)}`}\x1b[K`);
  }

  done(message: string): void {
    if (this.stream.isTTY) this.stream.write('\r\x1b[K');
    this.stream.write(`${message}\n`);
  }
}

function formatDuration(seconds: number): string {
  const s = Math.round(seconds);
  return `${String(Math.floor(s / 60)).padStart(2, '0')}:${String(s % 60).padStart(2, '0')}`;
}
