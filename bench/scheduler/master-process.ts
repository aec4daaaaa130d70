// The master under test, alone in its process as in production: real SQLite file, real hub.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { silentLogger } from '../../common/logger.js';
import { defaultMasterConfig } from '../../electron/master/config.js';
import { createMaster } from '../../electron/master/server.js';
import { answerStatsRequests } from '../lib/ipc.js';

const dataDir = mkdtempSync(join(tmpdir(), 'captionhub-bench-'));
const master = await createMaster({ ...defaultMasterConfig({}), port: 0, dataDir }, { logger: silentLogger });
answerStatsRequests();
process.on('exit', () => rmSync(dataDir, { recursive: true, force: true }));
process.send!({ type: 'ready', url: master.url, hubUrl: master.hubUrl });
process.on('SIGTERM', () => process.exit(0));
