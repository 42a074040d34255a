/**
 * `file://` model saving and loading for plain Node. tfjs ships its file://
 * handler only inside tfjs-node (which cannot be installed everywhere), so
 * `model.save('file://dir')` fails in plain Node. This registers the same URL
 * scheme with tfjs's IO router: `file://dir` saves dir/model.json and
 * dir/weights.bin, each written to a temporary file and renamed into place
 * (atomic on POSIX: a reader never sees a half-written model);
 * `tf.loadLayersModel('file://dir/model.json')` (or `file://dir`) loads it.
 */
import * as tf from '@tensorflow/tfjs';
import { fail } from '@tessera/tensor';

type Fs = typeof import('fs');
type Path = typeof import('path');

function nodeModules(): { fs: Fs; path: Path } {
  // eslint-disable-next-line @typescript-eslint/no-implied-eval
  const req = typeof require === 'function' ? require : (new Function('return require')() as NodeRequire);
  return { fs: req('fs') as Fs, path: req('path') as Path };
}

const SCHEME = 'file://';

function stripScheme(url: string): string {
  return url.startsWith(SCHEME) ? url.slice(SCHEME.length) : url;
}

function writeAtomic(fs: Fs, file: string, data: string | Uint8Array): void {
  const tmp = `${file}.tmp-${process.pid}-${Date.now()}-${Math.random().toString(36).slice(2)}`;
  try {
    fs.writeFileSync(tmp, data);
    fs.renameSync(tmp, file);
  } catch (e) {
    if (fs.existsSync(tmp)) fs.unlinkSync(tmp);
    throw e;
  }
}

function concatBuffers(data: ArrayBuffer | ArrayBuffer[]): Uint8Array {
  if (!Array.isArray(data)) return new Uint8Array(data);
  const total = data.reduce((a, b) => a + b.byteLength, 0);
  const out = new Uint8Array(total);
  let o = 0;
  for (const b of data) {
    out.set(new Uint8Array(b), o);
    o += b.byteLength;
  }
  return out;
}

/**
 * An IOHandler saving to / loading from a directory (or a model.json path).
 * @example await model.save(fileSystem('/tmp/my-model'));
 */
export function fileSystem(url: string): tf.io.IOHandler {
  const { fs, path } = nodeModules();
  const target = stripScheme(url);
  if (!target) fail('fileSystem', `path must not be empty, received ${JSON.stringify(url)}`);
  const jsonPath = (): string => (target.endsWith('.json') ? target : path.join(target, 'model.json'));
  return {
    async save(artifacts: tf.io.ModelArtifacts): Promise<tf.io.SaveResult> {
      const dir = target.endsWith('.json') ? path.dirname(target) : target;
      fs.mkdirSync(dir, { recursive: true });
      const weightsName = 'weights.bin';
      const modelJson: tf.io.ModelJSON = {
        modelTopology: artifacts.modelTopology as tf.io.ModelJSON['modelTopology'],
        format: artifacts.format,
        generatedBy: artifacts.generatedBy,
        convertedBy: artifacts.convertedBy,
        weightsManifest: [{ paths: [weightsName], weights: artifacts.weightSpecs ?? [] }],
      };
      if (artifacts.trainingConfig) modelJson.trainingConfig = artifacts.trainingConfig;
      if (artifacts.userDefinedMetadata) modelJson.userDefinedMetadata = artifacts.userDefinedMetadata;
      // Weights first: model.json appears only when its weights are in place.
      writeAtomic(fs, path.join(dir, weightsName), artifacts.weightData ? concatBuffers(artifacts.weightData as ArrayBuffer | ArrayBuffer[]) : new Uint8Array(0));
      writeAtomic(fs, jsonPath(), JSON.stringify(modelJson));
      return { modelArtifactsInfo: tf.io.getModelArtifactsInfoForJSON(artifacts) };
    },
    async load(): Promise<tf.io.ModelArtifacts> {
      const file = fs.existsSync(target) && fs.statSync(target).isDirectory() ? path.join(target, 'model.json') : target;
      if (!fs.existsSync(file)) fail('loadLayersModel', `no model at ${JSON.stringify(url)}: ${file} does not exist`);
      const json = JSON.parse(fs.readFileSync(file, 'utf8')) as tf.io.ModelJSON;
      const dir = path.dirname(file);
      const specs: tf.io.WeightsManifestEntry[] = [];
      const buffers: Uint8Array[] = [];
      for (const group of json.weightsManifest ?? []) {
        specs.push(...group.weights);
        for (const p of group.paths) buffers.push(new Uint8Array(fs.readFileSync(path.join(dir, p))));
      }
      const weightData = concatBuffers(buffers.map((b) => b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) as ArrayBuffer)).buffer as ArrayBuffer;
      const artifacts: tf.io.ModelArtifacts = {
        modelTopology: json.modelTopology,
        format: json.format,
        generatedBy: json.generatedBy,
        convertedBy: json.convertedBy,
        weightSpecs: specs,
        weightData,
      };
      if (json.trainingConfig) artifacts.trainingConfig = json.trainingConfig;
      if (json.userDefinedMetadata) artifacts.userDefinedMetadata = json.userDefinedMetadata;
      return artifacts;
    },
  };
}

let registered = false;

/**
 * Registers the `file://` router with tfjs (idempotent; skipped when another
 * handler, e.g. tfjs-node's, already serves file:// URLs). Importing
 * @tessera/layers in Node calls it.
 * @example
 * registerFileSystemRouter();
 * await model.save('file:///tmp/my-model');
 * const again = await tf.loadLayersModel('file:///tmp/my-model/model.json');
 */
export function registerFileSystemRouter(): boolean {
  if (registered) return false;
  if (tf.io.getSaveHandlers(`${SCHEME}probe`).length > 0) return false;
  const router = (url: string | string[]): tf.io.IOHandler | null => {
    const u = Array.isArray(url) ? url[0] : url;
    return typeof u === 'string' && u.startsWith(SCHEME) ? fileSystem(u) : null;
  };
  tf.io.registerSaveRouter(router as Parameters<typeof tf.io.registerSaveRouter>[0]);
  tf.io.registerLoadRouter(router as Parameters<typeof tf.io.registerSaveRouter>[0]);
  registered = true;
  return true;
}

const isNode = typeof process !== 'undefined' && process.versions != null && process.versions.node != null;
if (isNode) registerFileSystemRouter();
