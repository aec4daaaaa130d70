import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { silentLogger } from '../../common/logger.js';
import { defaultMasterConfig, type MasterConfig } from '../../electron/master/config.js';
import { createMaster, type Master, type MasterOptions } from '../../electron/master/server.js';

/** A master on 127.0.0.1, a free port and its own temporary data folder; `stop` removes both. */
export async function startTestMaster(
  overrides: Partial<MasterConfig> = {},
  options: MasterOptions = {},
): Promise<Master & { dataDir: string }> {
  const dataDir = overrides.dataDir ?? mkdtempSync(join(tmpdir(), 'captionhub-master-'));
  const config: MasterConfig = { ...defaultMasterConfig({}), port: 0, ...overrides, dataDir };
  const master = await createMaster(config, { logger: silentLogger, ...options });
  return {
    ...master,
    dataDir,
    async stop() {
      await master.stop();
      if (!overrides.dataDir) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
