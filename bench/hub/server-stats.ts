/** Samples this process's resident memory so the peak under load can be reported over IPC. */
export function reportMemoryOverIpc(): void {
  let peak = process.memoryUsage().rss;
  const timer = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 100);
  timer.unref();
  process.on('message', (message: { type: string }) => {
    if (message.type !== 'stats') return;
    const now = process.memoryUsage();
    peak = Math.max(peak, now.rss);
    const cpu = process.cpuUsage();
    process.send!({ type: 'stats', rss_mb: now.rss / 2 ** 20, rss_peak_mb: peak / 2 ** 20, heap_mb: now.heapUsed / 2 ** 20, cpu_s: (cpu.user + cpu.system) / 1e6 });
  });
  process.on('disconnect', () => process.exit(0));
}
