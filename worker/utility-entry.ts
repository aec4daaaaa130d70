// Entry point of the local worker when Electron runs it in a utility process (electron/main.ts):
// settings come from the environment the main process sets, the hub URL included.
import { createLogger } from '../common/logger.js';
import { resolveWorkerConfig } from './config.js';
import { startWorker } from './main.js';

const logger = createLogger('worker');
const config = resolveWorkerConfig();
if (!config.masterUrl) {
  logger.error('no RPC_MASTER_URL: the local worker has no master to join');
  process.exit(1);
}
const worker = await startWorker({ ...config, masterUrl: config.masterUrl }, logger).catch((error: Error) => {
  logger.error('the local worker could not start', { error: error.message });
  process.exit(1);
});
const stop = () => void worker.stop().then(() => process.exit(0));
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
