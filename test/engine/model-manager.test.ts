import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { ModelDownloadError, ModelManager, type DownloadProgress } from '../../worker/models/model-manager.js';
import { loadModelConfig } from '../../worker/pipeline/whisper/model-config.js';
import { startModelHub } from '../helpers/model-hub.js';
import { tinyWhisper } from '../helpers/tiny-whisper.js';

const REPO = 'test-org/whisper-tiny-random';
const folder = () => mkdtempSync(join(tmpdir(), 'captionhub-models-'));

describe('model manager', () => {
  test('downloads a model with progress, then lists it; a second download fetches nothing', async () => {
    const source = tinyWhisper();
    const hub = await startModelHub(REPO, source);
    try {
      const manager = new ModelManager({ folder: folder(), endpoint: hub.endpoint });
      const progress: DownloadProgress[] = [];
      const dir = await manager.download(REPO, { onProgress: (p) => progress.push(p) });
      assert.deepEqual(readFileSync(join(dir, 'onnx', 'decoder_model_merged.onnx')), readFileSync(join(source, 'onnx', 'decoder_model_merged.onnx')));
      assert.equal(loadModelConfig(dir).vocabSize, 51865, 'the downloaded model loads');
      assert.equal(progress.at(-1)!.bytes, progress.at(-1)!.total);
      assert.ok(progress.length > 5);
      const listed = manager.list();
      assert.deepEqual(listed.map((m) => [m.name, m.variants]), [[REPO, ['']]]);
      assert.ok(listed[0]!.bytes > 6_000_000);
      const fetched = hub.requests.length;
      await manager.download(REPO);
      assert.equal(hub.requests.length, fetched, 'complete, verified files are not fetched again');
    } finally {
      await hub.close();
    }
  });

  test('an interrupted file resumes with a Range request', async () => {
    const hub = await startModelHub(REPO, tinyWhisper(), { dropAfter: { 'onnx/decoder_model_merged.onnx': 1_000_000 } });
    try {
      const manager = new ModelManager({ folder: folder(), endpoint: hub.endpoint });
      await assert.rejects(manager.download(REPO), (e: Error) => e instanceof ModelDownloadError && /decoder_model_merged\.onnx.* resumes where it stopped/.test(e.message));
      await manager.download(REPO);
      const resumed = hub.requests.filter((r) => r.path === 'onnx/decoder_model_merged.onnx');
      assert.equal(resumed.length, 2);
      assert.match(resumed[1]!.range ?? '', /^bytes=\d+-$/);
      assert.ok(Number(/\d+/.exec(resumed[1]!.range!)![0]) >= 900_000, 'the second request continued, not restarted');
      assert.equal(manager.list().length, 1);
    } finally {
      await hub.close();
    }
  });

  test('a checksum mismatch is caught and the bad file removed', async () => {
    const hub = await startModelHub(REPO, tinyWhisper(), { corrupt: ['onnx/encoder_model.onnx'] });
    try {
      const manager = new ModelManager({ folder: folder(), endpoint: hub.endpoint });
      await assert.rejects(manager.download(REPO), /encoder_model\.onnx of test-org\/whisper-tiny-random failed its checksum and was deleted/);
      assert.equal(manager.list().length, 0);
    } finally {
      await hub.close();
    }
  });

  test('offline: the error says where the files can be placed by hand', async () => {
    const models = folder();
    const manager = new ModelManager({ folder: models, endpoint: 'http://127.0.0.1:9' });
    await assert.rejects(manager.download('small'), (e: Error) => {
      assert.match(e.message, /Cannot reach http:\/\/127\.0\.0\.1:9 to download onnx-community\/whisper-small/);
      assert.ok(e.message.includes(join(models, 'small')), e.message);
      assert.match(e.message, /onnx\/encoder_model\.onnx/);
      return true;
    });
    assert.throws(() => manager.repoFor('gigantic'), /Unknown model 'gigantic'/);
  });
});
