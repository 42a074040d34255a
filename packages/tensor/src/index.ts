/**
 * @tessera/tensor: the utilities every Tessera package builds on.
 * @packageDocumentation
 */
// tfjs-core's CommonJS build does not register gradients; the union package
// @tensorflow/tfjs does (with the cpu backend and tfjs-layers). Tessera's ops
// promise autodiff, so it is loaded here, once, for every Tessera package.
import '@tensorflow/tfjs';
export * from './format';
export * from './checks';
export * from './masks';
export * from './numerics';
export * from './rng';
export * from './backend';
export * from './memory';
