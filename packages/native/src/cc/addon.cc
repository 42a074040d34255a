// N-API entry points. Typed arrays are used in place (no copy); every size
// and type is checked again here (the TypeScript wrapper checks first) and a
// mismatch throws a JavaScript Error instead of touching memory.
#include <napi.h>

#include <cmath>
#include <string>

#include "kernels.h"
#include "output_pages.h"
#include "thread_pool.h"

namespace tessera {
// --- transformer ops (issue 10): ops_addon.cc ---
void registerOpsExports(Napi::Env env, Napi::Object exports);
// --- end transformer ops ---
namespace {

[[noreturn]] void throwError(Napi::Env env, const std::string& msg) { throw Napi::Error::New(env, "@tessera/native: " + msg); }

int64_t getInt(const Napi::Object& o, const char* key, int64_t lo, int64_t hi) {
  Napi::Value v = o.Get(key);
  if (!v.IsNumber()) throwError(o.Env(), std::string(key) + " must be a number");
  const double d = v.As<Napi::Number>().DoubleValue();
  if (!(d == std::floor(d)) || d < static_cast<double>(lo) || d > static_cast<double>(hi))
    throwError(o.Env(), std::string(key) + " must be an integer in [" + std::to_string(lo) + ", " + std::to_string(hi) + "], received " + std::to_string(d));
  return static_cast<int64_t>(d);
}

double getNumber(const Napi::Object& o, const char* key) {
  Napi::Value v = o.Get(key);
  if (!v.IsNumber()) throwError(o.Env(), std::string(key) + " must be a number");
  const double d = v.As<Napi::Number>().DoubleValue();
  if (!std::isfinite(d)) throwError(o.Env(), std::string(key) + " must be finite");
  return d;
}

// The data of typed array `key` of type T with exactly `n` elements; null when
// optional and absent (undefined/null).
template <typename T>
T* getArray(const Napi::Object& o, const char* key, napi_typedarray_type type, const char* typeName, int64_t n, bool optional, bool output = false) {
  Napi::Value v = o.Get(key);
  if (optional && (v.IsUndefined() || v.IsNull())) return nullptr;
  if (!v.IsTypedArray() || v.As<Napi::TypedArray>().TypedArrayType() != type)
    throwError(o.Env(), std::string(key) + " must be a " + typeName);
  Napi::TypedArray ta = v.As<Napi::TypedArray>();
  if (static_cast<int64_t>(ta.ElementLength()) != n)
    throwError(o.Env(), std::string(key) + " must have " + std::to_string(n) + " elements, received " + std::to_string(ta.ElementLength()));
  if (n == 0) return nullptr;
  uint8_t* base = static_cast<uint8_t*>(ta.ArrayBuffer().Data());
  if (base == nullptr) throwError(o.Env(), std::string(key) + " is detached");
  if (output) adviseHugePages(base + ta.ByteOffset(), ta.ByteLength(), ta.ArrayBuffer().ByteLength());
  return reinterpret_cast<T*>(base + ta.ByteOffset());
}
const float* f32In(const Napi::Object& o, const char* key, int64_t n, bool optional = false) {
  return getArray<float>(o, key, napi_float32_array, "Float32Array", n, optional);
}
float* f32Out(const Napi::Object& o, const char* key, int64_t n, bool optional = false) {
  return getArray<float>(o, key, napi_float32_array, "Float32Array", n, optional, true);
}

constexpr int64_t kMaxDim = int64_t(1) << 31;
constexpr int64_t kMaxElems = int64_t(1) << 40;

int64_t product(Napi::Env env, std::initializer_list<int64_t> xs) {
  int64_t p = 1;
  for (int64_t x : xs) {
    if (x != 0 && p > kMaxElems / x) throwError(env, "tensor too large");
    p *= x;
  }
  return p;
}

// Reads dims and options shared by the attention kernels.
AttnCommon readCommon(const Napi::Object& o) {
  AttnCommon c{};
  c.B = getInt(o, "B", 1, kMaxDim);
  c.H = getInt(o, "H", 1, kMaxDim);
  c.Hkv = getInt(o, "Hkv", 1, kMaxDim);
  c.Tq = getInt(o, "Tq", 1, kMaxDim);
  c.Tk = getInt(o, "Tk", 1, kMaxDim);
  c.D = getInt(o, "D", 1, 1 << 16);
  c.Dv = getInt(o, "Dv", 1, 1 << 16);
  if (c.H % c.Hkv != 0) throwError(o.Env(), "H must be a multiple of Hkv, received H=" + std::to_string(c.H) + " Hkv=" + std::to_string(c.Hkv));
  c.scale = static_cast<float>(getNumber(o, "scale"));
  c.causal = o.Get("causal").ToBoolean().Value();
  c.winL = getInt(o, "windowLeft", -1, kMaxDim);
  c.winR = getInt(o, "windowRight", -1, kMaxDim);
  const double cap = getNumber(o, "softcap");
  if (cap < 0) throwError(o.Env(), "softcap must be >= 0 (0 = none)");
  c.softcap = static_cast<float>(cap);
  Napi::Env env = o.Env();
  product(env, {c.B, c.H, c.Tq, c.D});
  product(env, {c.B, c.H, c.Tq, c.Dv});
  product(env, {c.B, c.Hkv, c.Tk, c.D});
  product(env, {c.B, c.Hkv, c.Tk, c.Dv});
  c.alibi = f32In(o, "alibiSlopes", c.H, true);
  c.keyMask = getArray<uint8_t>(o, "keyMask", napi_uint8_array, "Uint8Array", c.B * c.Tk, true);
  c.segQ = getArray<int32_t>(o, "segQ", napi_int32_array, "Int32Array", c.B * c.Tq, true);
  c.segK = getArray<int32_t>(o, "segK", napi_int32_array, "Int32Array", c.B * c.Tk, true);
  if ((c.segQ == nullptr) != (c.segK == nullptr)) throwError(env, "segQ and segK must be given together");
  return c;
}

FlashFwdArgs readForward(const Napi::CallbackInfo& info, const char* name) {
  if (info.Length() < 1 || !info[0].IsObject()) throwError(info.Env(), std::string(name) + " expects one argument object");
  const Napi::Object o = info[0].As<Napi::Object>();
  FlashFwdArgs a{};
  a.c = readCommon(o);
  const AttnCommon& c = a.c;
  a.q = f32In(o, "q", c.B * c.H * c.Tq * c.D);
  a.k = f32In(o, "k", c.B * c.Hkv * c.Tk * c.D);
  a.v = f32In(o, "v", c.B * c.Hkv * c.Tk * c.Dv);
  a.out = f32Out(o, "out", c.B * c.H * c.Tq * c.Dv);
  a.lse = f32Out(o, "lse", c.B * c.H * c.Tq, true);
  return a;
}

FlashBwdArgs readBackward(const Napi::CallbackInfo& info, const char* name) {
  if (info.Length() < 1 || !info[0].IsObject()) throwError(info.Env(), std::string(name) + " expects one argument object");
  const Napi::Object o = info[0].As<Napi::Object>();
  FlashBwdArgs a{};
  a.c = readCommon(o);
  const AttnCommon& c = a.c;
  a.q = f32In(o, "q", c.B * c.H * c.Tq * c.D);
  a.k = f32In(o, "k", c.B * c.Hkv * c.Tk * c.D);
  a.v = f32In(o, "v", c.B * c.Hkv * c.Tk * c.Dv);
  a.o = f32In(o, "out", c.B * c.H * c.Tq * c.Dv);
  a.dout = f32In(o, "dout", c.B * c.H * c.Tq * c.Dv);
  a.lse = f32In(o, "lse", c.B * c.H * c.Tq);
  a.dlse = f32In(o, "dlse", c.B * c.H * c.Tq, true);
  a.dq = f32Out(o, "dq", c.B * c.H * c.Tq * c.D);
  a.dk = f32Out(o, "dk", c.B * c.Hkv * c.Tk * c.D);
  a.dv = f32Out(o, "dv", c.B * c.Hkv * c.Tk * c.Dv);
  return a;
}

Napi::Value FlashForward(const Napi::CallbackInfo& info) {
  const FlashFwdArgs a = readForward(info, "flashForward");
  activeKernels().flashForward(a);
  return info.Env().Undefined();
}

Napi::Value FlashBackward(const Napi::CallbackInfo& info) {
  const FlashBwdArgs a = readBackward(info, "flashBackward");
  activeKernels().flashBackward(a);
  return info.Env().Undefined();
}

// Reads and fully validates args.layout (every index the kernels will follow).
BlockLayout readLayout(const Napi::CallbackInfo& info, AttnCommon& c) {
  Napi::Env env = info.Env();
  const Napi::Value lv = info[0].As<Napi::Object>().Get("layout");
  if (!lv.IsObject()) throwError(env, "layout must be an object");
  const Napi::Object o = lv.As<Napi::Object>();
  BlockLayout L{};
  L.bs = getInt(o, "blockSize", 1, kMaxDim);
  L.B = getInt(o, "B", 1, kMaxDim);
  L.H = getInt(o, "H", 1, kMaxDim);
  L.nQ = getInt(o, "numQueryBlocks", 1, kMaxDim);
  if (L.B != 1 && L.B != c.B) throwError(env, "layout.B must be 1 or B=" + std::to_string(c.B) + ", received " + std::to_string(L.B));
  if (L.H != 1 && L.H != c.H) throwError(env, "layout.H must be 1 or H=" + std::to_string(c.H) + ", received " + std::to_string(L.H));
  const int64_t nQ = (c.Tq + L.bs - 1) / L.bs, nK = (c.Tk + L.bs - 1) / L.bs;
  if (L.nQ != nQ) throwError(env, "layout.numQueryBlocks must be ceil(Tq / blockSize) = " + std::to_string(nQ) + ", received " + std::to_string(L.nQ));
  const int64_t rows = product(env, {L.B, L.H, L.nQ});
  Napi::Value cv = o.Get("colIdx");
  if (!cv.IsTypedArray()) throwError(env, "layout.colIdx must be an Int32Array");
  const int64_t nnz = static_cast<int64_t>(cv.As<Napi::TypedArray>().ElementLength());
  L.rowPtr = getArray<int32_t>(o, "rowPtr", napi_int32_array, "Int32Array", rows + 1, false);
  L.colIdx = getArray<int32_t>(o, "colIdx", napi_int32_array, "Int32Array", nnz, false);
  L.bitsOff = getArray<int32_t>(o, "bitsOff", napi_int32_array, "Int32Array", nnz, false);
  Napi::Value bv = o.Get("bits");
  if (!bv.IsTypedArray()) throwError(env, "layout.bits must be a Uint8Array");
  const int64_t nbits = static_cast<int64_t>(bv.As<Napi::TypedArray>().ElementLength());
  L.bits = getArray<uint8_t>(o, "bits", napi_uint8_array, "Uint8Array", nbits, false);
  if (L.rowPtr[0] != 0 || L.rowPtr[rows] != nnz) throwError(env, "layout.rowPtr must start at 0 and end at colIdx.length=" + std::to_string(nnz));
  for (int64_t r = 0; r < rows; ++r)
    if (L.rowPtr[r + 1] < L.rowPtr[r]) throwError(env, "layout.rowPtr must be non-decreasing (row " + std::to_string(r) + ")");
  const int64_t bb = product(env, {L.bs, L.bs});
  for (int64_t e = 0; e < nnz; ++e) {
    if (L.colIdx[e] < 0 || L.colIdx[e] >= nK) throwError(env, "layout.colIdx[" + std::to_string(e) + "] must be in [0, " + std::to_string(nK) + "), received " + std::to_string(L.colIdx[e]));
    if (L.bitsOff[e] != -1 && (L.bitsOff[e] < 0 || L.bitsOff[e] > nbits - bb)) throwError(env, "layout.bitsOff[" + std::to_string(e) + "] is out of range: " + std::to_string(L.bitsOff[e]));
  }
  // The layout is the whole mask: no other masking options apply.
  c.causal = false;
  c.winL = c.winR = -1;
  c.keyMask = nullptr;
  c.segQ = c.segK = nullptr;
  return L;
}

Napi::Value BlockSparseForward(const Napi::CallbackInfo& info) {
  BlockSparseFwdArgs a{};
  a.f = readForward(info, "blockSparseForward");
  a.layout = readLayout(info, a.f.c);
  activeKernels().blockSparseForward(a);
  return info.Env().Undefined();
}

Napi::Value BlockSparseBackward(const Napi::CallbackInfo& info) {
  BlockSparseBwdArgs a{};
  a.f = readBackward(info, "blockSparseBackward");
  a.layout = readLayout(info, a.f.c);
  activeKernels().blockSparseBackward(a);
  return info.Env().Undefined();
}

LinearArgs readLinear(const Napi::CallbackInfo& info, const char* name, bool backward) {
  if (info.Length() < 1 || !info[0].IsObject()) throwError(info.Env(), std::string(name) + " expects one argument object");
  const Napi::Object o = info[0].As<Napi::Object>();
  LinearArgs a{};
  LinearDims& d = a.d;
  d.B = getInt(o, "B", 1, kMaxDim);
  d.H = getInt(o, "H", 1, kMaxDim);
  d.Hkv = getInt(o, "Hkv", 1, kMaxDim);
  d.Tq = getInt(o, "Tq", 1, kMaxDim);
  d.Tk = getInt(o, "Tk", 1, kMaxDim);
  d.F = getInt(o, "F", 1, 1 << 16);
  d.Dv = getInt(o, "Dv", 1, 1 << 16);
  if (d.H % d.Hkv != 0) throwError(o.Env(), "H must be a multiple of Hkv, received H=" + std::to_string(d.H) + " Hkv=" + std::to_string(d.Hkv));
  Napi::Env env = o.Env();
  product(env, {d.B, d.H, d.Tq, d.F});
  product(env, {d.B, d.H, d.Tq, d.Dv});
  product(env, {d.B, d.Hkv, d.Tk, d.F});
  product(env, {d.B, d.Hkv, d.Tk, d.Dv});
  a.causal = o.Get("causal").ToBoolean().Value();
  const double eps = getNumber(o, "eps");
  if (!(eps > 0)) throwError(env, "eps must be > 0");
  a.eps = static_cast<float>(eps);
  a.q = f32In(o, "q", d.B * d.H * d.Tq * d.F);
  a.k = f32In(o, "k", d.B * d.Hkv * d.Tk * d.F);
  a.v = f32In(o, "v", d.B * d.Hkv * d.Tk * d.Dv);
  a.out = f32Out(o, "out", d.B * d.H * d.Tq * d.Dv);
  a.den = f32Out(o, "den", d.B * d.H * d.Tq);
  if (backward) {
    a.dout = f32In(o, "dout", d.B * d.H * d.Tq * d.Dv);
    a.dq = f32Out(o, "dq", d.B * d.H * d.Tq * d.F);
    a.dk = f32Out(o, "dk", d.B * d.Hkv * d.Tk * d.F);
    a.dv = f32Out(o, "dv", d.B * d.Hkv * d.Tk * d.Dv);
  }
  return a;
}

Napi::Value LinearForward(const Napi::CallbackInfo& info) {
  const LinearArgs a = readLinear(info, "linearForward", false);
  activeKernels().linearForward(a);
  return info.Env().Undefined();
}

Napi::Value LinearBackward(const Napi::CallbackInfo& info) {
  const LinearArgs a = readLinear(info, "linearBackward", true);
  activeKernels().linearBackward(a);
  return info.Env().Undefined();
}

// {kind: 0 (elu+1) | 1 (relu), x, out, dy?}: out = phi(x), or dy * phi'(x) when dy is given.
Napi::Value FeatureMap(const Napi::CallbackInfo& info) {
  if (info.Length() < 1 || !info[0].IsObject()) throwError(info.Env(), "featureMap expects one argument object");
  const Napi::Object o = info[0].As<Napi::Object>();
  FeatureMapArgs a{};
  a.kind = static_cast<int>(getInt(o, "kind", 0, 1));
  const Napi::Value x = o.Get("x");
  if (!x.IsTypedArray()) throwError(o.Env(), "x must be a Float32Array");
  a.n = static_cast<int64_t>(x.As<Napi::TypedArray>().ElementLength());
  a.x = f32In(o, "x", a.n);
  a.dy = f32In(o, "dy", a.n, true);
  a.out = f32Out(o, "out", a.n);
  activeKernels().featureMap(a);
  return info.Env().Undefined();
}

Napi::Value GemmCeiling(const Napi::CallbackInfo& info) {
  int n = 1024, reps = 3;
  if (info.Length() > 0 && info[0].IsNumber()) n = info[0].As<Napi::Number>().Int32Value();
  if (info.Length() > 1 && info[1].IsNumber()) reps = info[1].As<Napi::Number>().Int32Value();
  if (n < 16 || n > 8192) throwError(info.Env(), "gemmCeiling: n must be in [16, 8192], received " + std::to_string(n));
  if (reps < 1 || reps > 1000) throwError(info.Env(), "gemmCeiling: reps must be in [1, 1000], received " + std::to_string(reps));
  return Napi::Number::New(info.Env(), activeKernels().gemmCeiling(n, reps));
}

Napi::Value Info(const Napi::CallbackInfo& info) {
  Napi::Object o = Napi::Object::New(info.Env());
  o.Set("isa", activeKernels().isa);
  o.Set("vectorWidth", activeKernels().vectorWidth);
  o.Set("threads", numThreads());
  return o;
}

Napi::Value SetNumThreads(const Napi::CallbackInfo& info) {
  if (info.Length() < 1 || !info[0].IsNumber()) throwError(info.Env(), "setNumThreads expects a number");
  const double n = info[0].As<Napi::Number>().DoubleValue();
  if (!(n >= 1 && n <= 1024 && n == std::floor(n))) throwError(info.Env(), "setNumThreads: n must be an integer in [1, 1024], received " + std::to_string(n));
  setNumThreads(static_cast<int>(n));
  return info.Env().Undefined();
}

Napi::Value SetIsa(const Napi::CallbackInfo& info) {
  if (info.Length() < 1 || !info[0].IsString()) throwError(info.Env(), "setIsa expects 'avx512', 'avx2' or 'generic'");
  return Napi::Boolean::New(info.Env(), setIsa(info[0].As<Napi::String>().Utf8Value().c_str()));
}

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  exports.Set("flashForward", Napi::Function::New(env, FlashForward, "flashForward"));
  exports.Set("flashBackward", Napi::Function::New(env, FlashBackward, "flashBackward"));
  exports.Set("blockSparseForward", Napi::Function::New(env, BlockSparseForward, "blockSparseForward"));
  exports.Set("blockSparseBackward", Napi::Function::New(env, BlockSparseBackward, "blockSparseBackward"));
  exports.Set("linearForward", Napi::Function::New(env, LinearForward, "linearForward"));
  exports.Set("linearBackward", Napi::Function::New(env, LinearBackward, "linearBackward"));
  exports.Set("featureMap", Napi::Function::New(env, FeatureMap, "featureMap"));
  exports.Set("gemmCeiling", Napi::Function::New(env, GemmCeiling, "gemmCeiling"));
  exports.Set("info", Napi::Function::New(env, Info, "info"));
  exports.Set("setNumThreads", Napi::Function::New(env, SetNumThreads, "setNumThreads"));
  exports.Set("setIsa", Napi::Function::New(env, SetIsa, "setIsa"));
  registerOpsExports(env, exports);  // transformer ops (issue 10)
  return exports;
}

}  // namespace
}  // namespace tessera

static Napi::Object InitModule(Napi::Env env, Napi::Object exports) { return tessera::Init(env, exports); }

NODE_API_MODULE(tessera_native, InitModule)
