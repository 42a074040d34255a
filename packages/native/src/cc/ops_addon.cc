// N-API entry points of the transformer ops (issue 10), added to the addon's
// exports by registerOpsExports (called from addon.cc's Init). Arguments are
// positional (these run once per tfjs kernel call, so parsing stays cheap);
// every buffer's type and length is checked against the dims before any
// native code touches it, and a mismatch throws a JavaScript Error.
#include <napi.h>

#include <cmath>
#include <cstring>
#include <string>
#include <algorithm>
#include <vector>

#include "kernels.h"
#include "ops.h"

namespace tessera {

const OpsTable& activeOps() {
  const char* isa = activeKernels().isa;
  if (std::strcmp(isa, "avx512") == 0) return opsAvx512();
  if (std::strcmp(isa, "avx2") == 0) return opsAvx2();
  return opsGeneric();
}

namespace {

[[noreturn]] void fail(Napi::Env env, const std::string& where, const std::string& msg) {
  throw Napi::Error::New(env, "@tessera/native " + where + ": " + msg);
}

int64_t intArg(const Napi::CallbackInfo& info, size_t i, const char* name, const char* where, int64_t lo, int64_t hi) {
  if (!info[i].IsNumber()) fail(info.Env(), where, std::string(name) + " must be a number");
  const double d = info[i].As<Napi::Number>().DoubleValue();
  if (!(d == std::floor(d)) || d < static_cast<double>(lo) || d > static_cast<double>(hi))
    fail(info.Env(), where, std::string(name) + " must be an integer in [" + std::to_string(lo) + ", " + std::to_string(hi) + "], received " + std::to_string(d));
  return static_cast<int64_t>(d);
}

// Data of argument i, a typed array of `type` with exactly n elements (null when optional and null/undefined).
template <typename T>
T* arrayArg(const Napi::CallbackInfo& info, size_t i, const char* name, const char* where, napi_typedarray_type type, int64_t n, bool optional = false) {
  Napi::Value v = info[i];
  if (optional && (v.IsNull() || v.IsUndefined())) return nullptr;
  const char* typeName = type == napi_float32_array ? "Float32Array" : type == napi_float64_array ? "Float64Array" : "Int32Array";
  if (!v.IsTypedArray() || v.As<Napi::TypedArray>().TypedArrayType() != type) fail(info.Env(), where, std::string(name) + " must be a " + typeName);
  Napi::TypedArray ta = v.As<Napi::TypedArray>();
  if (static_cast<int64_t>(ta.ElementLength()) != n)
    fail(info.Env(), where, std::string(name) + " must have " + std::to_string(n) + " elements, received " + std::to_string(ta.ElementLength()));
  if (n == 0) return nullptr;
  uint8_t* base = static_cast<uint8_t*>(ta.ArrayBuffer().Data());
  if (base == nullptr) fail(info.Env(), where, std::string(name) + " is detached");
  return reinterpret_cast<T*>(base + ta.ByteOffset());
}
const float* f32(const Napi::CallbackInfo& info, size_t i, const char* name, const char* where, int64_t n, bool optional = false) {
  return arrayArg<float>(info, i, name, where, napi_float32_array, n, optional);
}
float* f32w(const Napi::CallbackInfo& info, size_t i, const char* name, const char* where, int64_t n, bool optional = false) {
  return arrayArg<float>(info, i, name, where, napi_float32_array, n, optional);
}

constexpr int64_t kMax = int64_t(1) << 40;

int64_t mul(Napi::Env env, const char* where, std::initializer_list<int64_t> xs) {
  int64_t p = 1;
  for (int64_t x : xs) {
    if (x != 0 && p > kMax / x) fail(env, where, "tensor too large");
    p *= x;
  }
  return p;
}

void need(const Napi::CallbackInfo& info, size_t n, const char* where) {
  if (info.Length() < n) fail(info.Env(), where, "expects " + std::to_string(n) + " arguments, received " + std::to_string(info.Length()));
}

int64_t operandLength(int mode, int64_t N, int64_t full) { return mode == kScalar ? 1 : mode == kPerColumn ? N : full; }

// gemm(A, B, C, batch, M, N, K, transA, transB, aIdx, bIdx, aBatches, bBatches, bias, biasMode, act, alpha, prelu, preluMode)
Napi::Value Gemm(const Napi::CallbackInfo& info) {
  const char* W = "gemm";
  need(info, 19, W);
  Napi::Env env = info.Env();
  GemmArgs g{};
  g.batch = intArg(info, 3, "batch", W, 1, kMax);
  g.M = intArg(info, 4, "M", W, 0, kMax);
  g.N = intArg(info, 5, "N", W, 0, kMax);
  g.K = intArg(info, 6, "K", W, 0, kMax);
  g.transA = info[7].ToBoolean().Value();
  g.transB = info[8].ToBoolean().Value();
  const int64_t aB = intArg(info, 11, "aBatches", W, 1, kMax), bB = intArg(info, 12, "bBatches", W, 1, kMax);
  g.A = f32(info, 0, "a", W, mul(env, W, {aB, g.M, g.K}));
  g.B = f32(info, 1, "b", W, mul(env, W, {bB, g.K, g.N}));
  const int64_t full = mul(env, W, {g.batch, g.M, g.N});
  g.C = f32w(info, 2, "out", W, full);
  g.aIdx = arrayArg<int32_t>(info, 9, "aIndex", W, napi_int32_array, g.batch, true);
  g.bIdx = arrayArg<int32_t>(info, 10, "bIndex", W, napi_int32_array, g.batch, true);
  if (!g.aIdx && aB != g.batch) fail(env, W, "aIndex is required when aBatches != batch");
  if (!g.bIdx && bB != g.batch) fail(env, W, "bIndex is required when bBatches != batch");
  for (int64_t b = 0; b < g.batch; ++b) {
    if (g.aIdx && (g.aIdx[b] < 0 || g.aIdx[b] >= aB)) fail(env, W, "aIndex[" + std::to_string(b) + "] out of range");
    if (g.bIdx && (g.bIdx[b] < 0 || g.bIdx[b] >= bB)) fail(env, W, "bIndex[" + std::to_string(b) + "] out of range");
  }
  g.biasMode = static_cast<int>(intArg(info, 14, "biasMode", W, kNone, kFull));
  g.act = static_cast<int>(intArg(info, 15, "activation", W, kLinear, kSigmoid));
  if (!info[16].IsNumber()) fail(env, W, "alpha must be a number");
  g.alpha = info[16].As<Napi::Number>().FloatValue();
  g.preluMode = static_cast<int>(intArg(info, 18, "preluMode", W, kNone, kFull));
  if (g.biasMode != kNone) g.bias = f32(info, 13, "bias", W, operandLength(g.biasMode, g.N, full));
  if (g.act == kPrelu && g.preluMode == kNone) fail(env, W, "prelu needs preluMode");
  if (g.act == kPrelu) g.prelu = f32(info, 17, "preluWeights", W, operandLength(g.preluMode, g.N, full));
  if (full == 0) return env.Undefined();
  activeOps().gemm(g);
  return env.Undefined();
}

// layerNorm(x, gamma, beta, eps, y, mean, rstd, rows, cols)
Napi::Value LayerNorm(const Napi::CallbackInfo& info) {
  const char* W = "layerNorm";
  need(info, 9, W);
  LayerNormArgs a{};
  a.rows = intArg(info, 7, "rows", W, 0, kMax);
  a.cols = intArg(info, 8, "cols", W, 1, kMax);
  const int64_t n = mul(info.Env(), W, {a.rows, a.cols});
  a.x = f32(info, 0, "x", W, n);
  a.gamma = f32(info, 1, "gamma", W, a.cols);
  a.beta = f32(info, 2, "beta", W, a.cols);
  if (!info[3].IsNumber() || !(info[3].As<Napi::Number>().DoubleValue() > 0)) fail(info.Env(), W, "epsilon must be a number > 0");
  a.eps = info[3].As<Napi::Number>().FloatValue();
  a.y = f32w(info, 4, "y", W, n);
  a.mean = f32w(info, 5, "mean", W, a.rows, true);
  a.rstd = f32w(info, 6, "rstd", W, a.rows, true);
  if (n > 0) activeOps().layerNormForward(a);
  return info.Env().Undefined();
}

// layerNormGrad(x, gamma, mean, rstd, dy, dx, dgamma, dbeta, rows, cols)
Napi::Value LayerNormGrad(const Napi::CallbackInfo& info) {
  const char* W = "layerNormGrad";
  need(info, 10, W);
  LayerNormArgs a{};
  a.rows = intArg(info, 8, "rows", W, 0, kMax);
  a.cols = intArg(info, 9, "cols", W, 1, kMax);
  const int64_t n = mul(info.Env(), W, {a.rows, a.cols});
  a.x = f32(info, 0, "x", W, n);
  a.gamma = f32(info, 1, "gamma", W, a.cols);
  a.mean = f32w(info, 2, "mean", W, a.rows);
  a.rstd = f32w(info, 3, "rstd", W, a.rows);
  a.dy = f32(info, 4, "dy", W, n);
  a.dx = f32w(info, 5, "dx", W, n);
  a.dgamma = f32w(info, 6, "dgamma", W, a.cols);
  a.dbeta = f32w(info, 7, "dbeta", W, a.cols);
  if (n > 0) activeOps().layerNormBackward(a);
  else for (int64_t j = 0; j < a.cols; ++j) a.dgamma[j] = a.dbeta[j] = 0.0f;
  return info.Env().Undefined();
}

// gelu(x, dy | null, out, approximate)
Napi::Value Gelu(const Napi::CallbackInfo& info) {
  const char* W = "gelu";
  need(info, 4, W);
  if (!info[0].IsTypedArray()) fail(info.Env(), W, "x must be a Float32Array");
  const int64_t n = static_cast<int64_t>(info[0].As<Napi::TypedArray>().ElementLength());
  const float* x = f32(info, 0, "x", W, n);
  const float* dy = f32(info, 1, "dy", W, n, true);
  float* out = f32w(info, 2, "out", W, n);
  if (n > 0) activeOps().gelu(n, x, dy, out, info[3].ToBoolean().Value());
  return info.Env().Undefined();
}

// softmax(x, y, rows, cols)
Napi::Value Softmax(const Napi::CallbackInfo& info) {
  const char* W = "softmax";
  need(info, 4, W);
  const int64_t rows = intArg(info, 2, "rows", W, 0, kMax), cols = intArg(info, 3, "cols", W, 1, kMax);
  const int64_t n = mul(info.Env(), W, {rows, cols});
  const float* x = f32(info, 0, "x", W, n);
  float* y = f32w(info, 1, "y", W, n);
  if (n > 0) activeOps().softmax(rows, cols, x, y);
  return info.Env().Undefined();
}

// segmentSum(x, ids, out, n, inner, numSegments)
Napi::Value SegmentSum(const Napi::CallbackInfo& info) {
  const char* W = "segmentSum";
  need(info, 6, W);
  const int64_t n = intArg(info, 3, "n", W, 0, kMax), inner = intArg(info, 4, "inner", W, 0, kMax), segs = intArg(info, 5, "numSegments", W, 0, kMax);
  const float* x = f32(info, 0, "x", W, mul(info.Env(), W, {n, inner}));
  const int32_t* ids = arrayArg<int32_t>(info, 1, "segmentIds", W, napi_int32_array, n);
  float* out = f32w(info, 2, "out", W, mul(info.Env(), W, {segs, inner}));
  if (segs * inner > 0) activeOps().segmentSum(n, inner, x, ids, segs, out);
  return info.Env().Undefined();
}

// Element `i` of the JS array `arr`: a Float32Array of n elements (null entries allowed when optional).
const float* listF32(Napi::Env env, Napi::Array arr, uint32_t i, const std::string& name, const char* where, int64_t n, bool optional = false) {
  Napi::Value v = arr.Get(i);
  if (optional && (v.IsNull() || v.IsUndefined())) return nullptr;
  if (!v.IsTypedArray() || v.As<Napi::TypedArray>().TypedArrayType() != napi_float32_array) fail(env, where, name + " must be a Float32Array");
  Napi::TypedArray ta = v.As<Napi::TypedArray>();
  if (static_cast<int64_t>(ta.ElementLength()) != n) fail(env, where, name + " must have " + std::to_string(n) + " elements, received " + std::to_string(ta.ElementLength()));
  uint8_t* base = static_cast<uint8_t*>(ta.ArrayBuffer().Data());
  if (base == nullptr && n > 0) fail(env, where, name + " is detached");
  return reinterpret_cast<const float*>(base + ta.ByteOffset());
}

// decode(arrays, tokens, logits, params): params Float64Array
// [B, d, H, Hkv, D, Dv, ff, L, V, cap, pos, act, eps, finalEps, scale, posRows];
// arrays: tok [V, d], pos [posRows, d] | null, lnf gamma, beta, head [d, V], head bias | null,
// then kDecodeLayerArrays per layer (ops.h).
Napi::Value Decode(const Napi::CallbackInfo& info) {
  const char* W = "decode";
  need(info, 4, W);
  Napi::Env env = info.Env();
  if (!info[0].IsArray()) fail(env, W, "arrays must be an Array");
  const double* p = arrayArg<double>(info, 3, "params", W, napi_float64_array, 16);
  for (int i = 0; i < 16; ++i)
    if (!std::isfinite(p[i]) || (i != 12 && i != 13 && i != 14 && (p[i] != std::floor(p[i]) || p[i] < 0 || p[i] > 1e9))) fail(env, W, "params[" + std::to_string(i) + "] is invalid: " + std::to_string(p[i]));
  DecodeArgs a{};
  a.B = int64_t(p[0]), a.d = int64_t(p[1]), a.H = int64_t(p[2]), a.Hkv = int64_t(p[3]), a.D = int64_t(p[4]), a.Dv = int64_t(p[5]);
  a.ff = int64_t(p[6]), a.L = int64_t(p[7]), a.V = int64_t(p[8]), a.cap = int64_t(p[9]), a.pos = int64_t(p[10]);
  a.act = int(p[11]), a.eps = float(p[12]), a.finalEps = float(p[13]), a.scale = float(p[14]);
  const int64_t posRows = int64_t(p[15]);
  if (a.B < 1 || a.d < 1 || a.H < 1 || a.Hkv < 1 || a.H % a.Hkv != 0 || a.D < 1 || a.Dv < 1 || a.ff < 1 || a.V < 1 || a.act > 2) fail(env, W, "bad dims");
  if (a.pos >= a.cap) fail(env, W, "position " + std::to_string(a.pos) + " is outside the cache capacity " + std::to_string(a.cap));
  Napi::Array arr = info[0].As<Napi::Array>();
  if (arr.Length() != uint32_t(6 + a.L * kDecodeLayerArrays)) fail(env, W, "arrays must hold " + std::to_string(6 + a.L * kDecodeLayerArrays) + " entries");
  a.tokens = arrayArg<int32_t>(info, 1, "tokens", W, napi_int32_array, a.B);
  for (int64_t b = 0; b < a.B; ++b)
    if (a.tokens[b] < 0 || a.tokens[b] >= a.V) fail(env, W, "token " + std::to_string(a.tokens[b]) + " is outside the vocabulary [0, " + std::to_string(a.V) + ")");
  a.logits = f32w(info, 2, "logits", W, mul(env, W, {a.B, a.V}));
  a.tok = listF32(env, arr, 0, "tokenEmbeddings", W, mul(env, W, {a.V, a.d}));
  a.posEmb = listF32(env, arr, 1, "positionEmbeddings", W, mul(env, W, {posRows, a.d}), true);
  if (a.posEmb && a.pos >= posRows) fail(env, W, "position " + std::to_string(a.pos) + " exceeds the position table's " + std::to_string(posRows) + " rows");
  a.lnfG = listF32(env, arr, 2, "finalNorm.gamma", W, a.d);
  a.lnfB = listF32(env, arr, 3, "finalNorm.beta", W, a.d);
  a.head = listF32(env, arr, 4, "head.kernel", W, mul(env, W, {a.d, a.V}));
  a.headBias = listF32(env, arr, 5, "head.bias", W, a.V, true);
  std::vector<const float*> layers(a.L * kDecodeLayerArrays);
  const int64_t d = a.d, qd = a.H * a.D, kd = a.Hkv * a.D, vd = a.Hkv * a.Dv, od = a.H * a.Dv;
  const int64_t sizes[kDecodeLayerArrays] = {d, d, d * qd, qd, d * kd, kd, d * vd, vd, od * d, d, d, d, d * a.ff, a.ff, a.ff * d, d,
                                             mul(env, W, {a.B, a.Hkv, a.cap, a.D}), mul(env, W, {a.B, a.Hkv, a.cap, a.Dv})};
  const bool optional[kDecodeLayerArrays] = {false, false, false, true, false, true, false, true, false, true, false, false, false, true, false, true, false, false};
  for (int64_t l = 0; l < a.L; ++l)
    for (int i = 0; i < kDecodeLayerArrays; ++i)
      layers[l * kDecodeLayerArrays + i] = listF32(env, arr, uint32_t(6 + l * kDecodeLayerArrays + i), "layer " + std::to_string(l) + " array " + std::to_string(i), W, sizes[i], optional[i]);
  a.layers = layers.data();
  activeOps().decode(a);
  return env.Undefined();
}

// reduceSum(x, out, A, R, P): out [A, P] = sum over r of x [A, R, P].
Napi::Value ReduceSum(const Napi::CallbackInfo& info) {
  const char* W = "reduceSum";
  need(info, 5, W);
  const int64_t A = intArg(info, 2, "A", W, 0, kMax), R = intArg(info, 3, "R", W, 0, kMax), P = intArg(info, 4, "P", W, 0, kMax);
  const float* x = f32(info, 0, "x", W, mul(info.Env(), W, {A, R, P}));
  float* out = f32w(info, 1, "out", W, mul(info.Env(), W, {A, P}));
  if (A * P == 0) return info.Env().Undefined();
  if (R == 0) std::fill(out, out + A * P, 0.0f);
  else activeOps().reduceSum(A, R, P, x, out);
  return info.Env().Undefined();
}

// adam(x, g, m, v, xOut, mOut, vOut, lr, beta1, beta2, eps, c1, c2): one Adam step over n = x.length elements.
Napi::Value Adam(const Napi::CallbackInfo& info) {
  const char* W = "adam";
  need(info, 13, W);
  if (!info[0].IsTypedArray()) fail(info.Env(), W, "x must be a Float32Array");
  AdamArgs a{};
  a.n = static_cast<int64_t>(info[0].As<Napi::TypedArray>().ElementLength());
  a.x = f32(info, 0, "x", W, a.n);
  a.g = f32(info, 1, "gradient", W, a.n);
  a.m = f32(info, 2, "m", W, a.n);
  a.v = f32(info, 3, "v", W, a.n);
  a.xOut = f32w(info, 4, "xOut", W, a.n);
  a.mOut = f32w(info, 5, "mOut", W, a.n);
  a.vOut = f32w(info, 6, "vOut", W, a.n);
  float* hp[6] = {&a.lr, &a.beta1, &a.beta2, &a.eps, &a.c1, &a.c2};
  for (int i = 0; i < 6; ++i) {
    if (!info[7 + i].IsNumber()) fail(info.Env(), W, "hyperparameter " + std::to_string(i) + " must be a number");
    *hp[i] = info[7 + i].As<Napi::Number>().FloatValue();
  }
  if (a.n > 0) activeOps().adam(a);
  return info.Env().Undefined();
}

Napi::Value OpsInfo(const Napi::CallbackInfo& info) {
  Napi::Object o = Napi::Object::New(info.Env());
  const OpsTable& t = activeOps();
  o.Set("isa", t.isa);
  o.Set("gemmMr", t.mr);
  o.Set("gemmNr", t.nr);
  return o;
}

}  // namespace

void registerOpsExports(Napi::Env env, Napi::Object exports) {
  exports.Set("opsGemm", Napi::Function::New(env, Gemm, "opsGemm"));
  exports.Set("opsLayerNorm", Napi::Function::New(env, LayerNorm, "opsLayerNorm"));
  exports.Set("opsLayerNormGrad", Napi::Function::New(env, LayerNormGrad, "opsLayerNormGrad"));
  exports.Set("opsGelu", Napi::Function::New(env, Gelu, "opsGelu"));
  exports.Set("opsSoftmax", Napi::Function::New(env, Softmax, "opsSoftmax"));
  exports.Set("opsSegmentSum", Napi::Function::New(env, SegmentSum, "opsSegmentSum"));
  exports.Set("opsDecode", Napi::Function::New(env, Decode, "opsDecode"));
  exports.Set("opsReduceSum", Napi::Function::New(env, ReduceSum, "opsReduceSum"));
  exports.Set("opsAdam", Napi::Function::New(env, Adam, "opsAdam"));
  exports.Set("opsInfo", Napi::Function::New(env, OpsInfo, "opsInfo"));
}

}  // namespace tessera
