/**
 * Tessera's own dispatch on tfjs-backend-webgpu: pipelines, bindings and
 * passes recorded into the backend's command encoder, so they run in order
 * with tfjs's programs and share its buffer pool.
 *
 * Why not `backend.runWebGPUProgram`: it binds whole buffers (a dispatch split
 * to stay under maxStorageBufferBindingSize needs offset bindings), it has one
 * output per program (flash forward writes out and lse, backward dq/dk/dv), and
 * its shader preamble comes first, where `enable subgroups;` must be.
 */
import { DataType, TensorInfo, util } from '@tensorflow/tfjs-core';

/* eslint-disable @typescript-eslint/no-explicit-any */
type GPUBufferT = any;
type GPUDeviceT = any;

/** What Tessera uses of tfjs-backend-webgpu's WebGPUBackend (stable across 4.x). */
export interface WebGpuBackend {
  device: GPUDeviceT;
  queue: { writeBuffer(b: GPUBufferT, off: number, data: ArrayBuffer): void };
  tensorMap: { get(dataId: object): { resource: GPUBufferT | null; dtype: DataType } };
  bufferManager: { acquireBuffer(size: number, usage: number): GPUBufferT };
  uniformPendingDisposal: GPUBufferT[];
  commandQueueOwnedIds: WeakSet<object>;
  commandEncoder: any;
  computePassEncoder: any;
  dispatchCountInPass: number;
  uploadToGPU(dataId: object): void;
  makeTensorInfo(shape: number[], dtype: DataType, values?: Float32Array): TensorInfo;
  ensureCommandEncoderReady(): void;
  endComputePassEncoder(): void;
  submitQueue(): void;
  disposeData(dataId: object, force?: boolean): boolean;
}

/** One storage binding: a tensor's buffer from `offset` (bytes, aligned) for `size` bytes. */
export interface Binding {
  tensor: TensorInfo | null;
  offset: number;
  size: number;
  /** A buffer Tessera owns (e.g. a BlockMask's cached block lists) instead of a tensor's. */
  buffer?: GPUBufferT;
}

const cache = new WeakMap<GPUDeviceT, Map<string, any>>();
const dummies = new WeakMap<GPUDeviceT, GPUBufferT>();

/**
 * Test hooks: force the subgroup-free WGSL, or a smaller binding limit (so the
 * split dispatch path runs at tiny sizes). Not part of the public API.
 */
export const webgpuOverrides: { subgroups?: boolean; maxBinding?: number } = {};

/** Mesa's lavapipe/llvmpipe (Dawn reports vendor 'mesa', architecture 'software'). */
export function isSoftwareAdapter(info: { vendor?: string; architecture?: string; description?: string } | undefined): boolean {
  if (!info) return false;
  return info.architecture === 'software' || /llvmpipe|lavapipe|swiftshader/i.test(info.description ?? '');
}

/** Device limits Tessera plans with. */
export function limitsOf(b: WebGpuBackend): {
  maxBinding: number;
  maxBuffer: number;
  align: number;
  maxGroups: number;
  sharedBytes: number;
  subgroups: boolean;
  /** The device's smallest subgroup size (0 when unknown or without subgroups). */
  subgroupMin: number;
  /** A CPU rasterizer (Mesa's lavapipe/llvmpipe) rather than a GPU. */
  software: boolean;
} {
  const l = b.device.limits;
  const subgroups = b.device.features.has('subgroups') && webgpuOverrides.subgroups !== false;
  return {
    maxBinding: Math.min(l.maxStorageBufferBindingSize, webgpuOverrides.maxBinding ?? Infinity),
    maxBuffer: l.maxBufferSize,
    align: l.minStorageBufferOffsetAlignment,
    maxGroups: l.maxComputeWorkgroupsPerDimension,
    sharedBytes: l.maxComputeWorkgroupStorageSize,
    subgroups,
    subgroupMin: subgroups ? (b.device.adapterInfo?.subgroupMinSize ?? 0) : 0,
    software: isSoftwareAdapter(b.device.adapterInfo),
  };
}

/**
 * Most pipelines kept per device (least recently used dropped first). A
 * pipeline is a few MB of JIT code on lavapipe; Dawn frees one once nothing
 * references it. Real workloads use a handful; the bound matters for suites
 * that sweep shapes and options.
 */
export const PIPELINE_CACHE_LIMIT = 96;

/** A compiled compute pipeline for `code` (entry point `main`), cached per device (LRU). */
export function pipelineFor(b: WebGpuBackend, label: string, code: string): any {
  let m = cache.get(b.device);
  if (!m) cache.set(b.device, (m = new Map()));
  let p = m.get(code);
  if (p) {
    m.delete(code); // re-insert: Map order is the recency order
  } else {
    const module = b.device.createShaderModule({ code, label });
    p = b.device.createComputePipeline({ layout: 'auto', label, compute: { module, entryPoint: 'main' } });
    while (m.size >= PIPELINE_CACHE_LIMIT) m.delete(m.keys().next().value as string);
  }
  m.set(code, p);
  return p;
}

/** Pipelines cached for this backend's device (tests check the bound). */
export const cachedPipelines = (b: WebGpuBackend): number => cache.get(b.device)?.size ?? 0;

/** The buffer of a tensor on this backend (uploaded first if it still lives on the CPU). */
export function bufferOf(b: WebGpuBackend, t: TensorInfo): GPUBufferT {
  b.uploadToGPU(t.dataId);
  return b.tensorMap.get(t.dataId).resource;
}

/** A fresh output tensor of `shape` with its buffer allocated. */
export function makeOutput(b: WebGpuBackend, shape: number[], dtype: DataType = 'float32'): TensorInfo {
  const t = b.makeTensorInfo(shape, dtype);
  b.uploadToGPU(t.dataId);
  return t;
}

/** Bytes of a tensor's GPU storage (bool and int32 take 4 bytes like float32). */
export const bytesOf = (t: TensorInfo): number => 4 * util.sizeFromShape(t.shape);

/** Records one dispatch: storage bindings 0..n-1, then the uniform block at binding n. */
export function dispatch(b: WebGpuBackend, pipeline: any, bindings: Binding[], uniforms: ArrayBuffer, groups: [number, number, number]): void {
  const device = b.device;
  let dummy = dummies.get(device);
  if (!dummy) {
    dummy = device.createBuffer({ size: 16, usage: 0x80 /* STORAGE */ });
    dummies.set(device, dummy);
  }
  const ubo = b.bufferManager.acquireBuffer(uniforms.byteLength, 0x40 | 0x08 /* UNIFORM | COPY_DST */);
  b.queue.writeBuffer(ubo, 0, uniforms);
  b.uniformPendingDisposal.push(ubo);
  const entries = bindings.map((x, i) => {
    if (x.buffer) return { binding: i, resource: { buffer: x.buffer, offset: x.offset, size: x.size } };
    if (!x.tensor || x.size === 0) return { binding: i, resource: { buffer: dummy, offset: 0, size: 16 } };
    b.commandQueueOwnedIds.add(x.tensor.dataId);
    return { binding: i, resource: { buffer: bufferOf(b, x.tensor), offset: x.offset, size: x.size } };
  });
  entries.push({ binding: bindings.length, resource: { buffer: ubo, offset: 0, size: uniforms.byteLength } });
  const bindGroup = device.createBindGroup({ layout: pipeline.getBindGroupLayout(0), entries });
  b.ensureCommandEncoderReady();
  if (!b.computePassEncoder) b.computePassEncoder = b.commandEncoder.beginComputePass({});
  b.computePassEncoder.setPipeline(pipeline);
  b.computePassEncoder.setBindGroup(0, bindGroup);
  b.computePassEncoder.dispatchWorkgroups(groups[0], groups[1], groups[2]);
  b.dispatchCountInPass++;
  // Same batching rule as tfjs (WEBGPU_DEFERRED_SUBMIT_BATCH_SIZE defaults to 15).
  if (b.dispatchCountInPass >= 15) {
    b.endComputePassEncoder();
    b.submitQueue();
  }
}
