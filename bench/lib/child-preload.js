/*
 * Preloaded into the SM-DP+ process the benchmark starts (node -r): lets the benchmark ask it to exit
 * normally over the IPC channel, so `--cpu-prof` gets written (a signal would kill it before that), and
 * answers usage queries from inside the process.
 */
'use strict';
process.on('message', (m) => {
  if (!m || typeof m !== 'object') return;
  if (m.type === 'exit') process.exit(0);
  if (m.type === 'usage') {
    process.send({ type: 'usage', cpu: process.cpuUsage(), memory: process.memoryUsage(), elu: performance.eventLoopUtilization() });
  }
});
