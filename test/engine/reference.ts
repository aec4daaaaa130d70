// @huggingface/transformers, the reference the engine is held to, set up on a local model folder.
import { dirname, basename } from 'node:path';
import { env, AutoProcessor, WhisperForConditionalGeneration, type Processor } from '@huggingface/transformers';

export interface Reference {
  features(audio: Float32Array): Promise<Float32Array>;
  generate(audio: Float32Array, options: { language: string; task: 'transcribe' | 'translate'; timestamps: boolean; promptLength: number }): Promise<number[]>;
}

export async function loadReference(modelDir: string): Promise<Reference> {
  env.allowRemoteModels = false;
  env.localModelPath = dirname(modelDir) + '/';
  const name = basename(modelDir);
  const model = await WhisperForConditionalGeneration.from_pretrained(name, { dtype: 'fp32', device: 'cpu' });
  const processor: Processor = await AutoProcessor.from_pretrained(name);
  return {
    async features(audio) {
      return (await processor(audio)).input_features.data as Float32Array;
    },
    async generate(audio, { language, task, timestamps, promptLength }) {
      const inputs = await processor(audio);
      // max_new_tokens keeps to one pass over the window (no seek loop), to max_length 448 in all.
      const out = await model.generate({ inputs: inputs.input_features, language, task, return_timestamps: timestamps, max_new_tokens: 448 - promptLength });
      return ((out as unknown as { tolist(): bigint[][] }).tolist()[0] ?? []).map(Number);
    },
  };
}
