/**
 * Names of the fused-op kernels @tessera/native registers for `cpu` and `wasm`
 * (prefixed `Tessera`: tfjs's kernel registry is global).
 */
/** inputs {x, gamma, beta}, attrs {epsilon}; outputs [y, mean, rstd]. */
export const TesseraLayerNorm = 'TesseraLayerNorm';
/** inputs {x, gamma, mean, rstd, dy}; outputs [dx, dgamma, dbeta]. */
export const TesseraLayerNormGrad = 'TesseraLayerNormGrad';
/** inputs {x}, attrs {approximate}; output gelu(x). */
export const TesseraGelu = 'TesseraGelu';
/** inputs {x, dy}, attrs {approximate}; output dy * gelu'(x). */
export const TesseraGeluGrad = 'TesseraGeluGrad';
/** inputs {x, g, m, v}, attrs {learningRate, beta1, beta2, epsilon, c1, c2}; outputs [x', m', v'] (one Adam step). */
export const TesseraAdam = 'TesseraAdam';
