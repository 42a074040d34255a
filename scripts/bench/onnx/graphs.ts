/**
 * The two ONNX graphs the benchmark runs on onnxruntime-node, built in code
 * (a minimal protobuf writer for the handful of ONNX messages needed) so no
 * binary model is committed:
 *  - fusedMha: com.microsoft MultiHeadAttention(query, key, value), inputs
 *    [B, n, H*D] (the fused, O(n)-memory kernel transformers.js uses);
 *  - matmulSoftmax: softmax(q k^T * scale) v on [B, H, n, D] with MatMul,
 *    Transpose, Mul, Softmax, MatMul (the plain graph).
 * Field numbers are those of onnx/onnx.proto (ModelProto, GraphProto, ...).
 */

/** Protobuf encoder: varints, length-delimited fields, packed floats. */
class Pb {
  private bytes: number[] = [];
  private varint(x: number): void {
    let v = BigInt.asUintN(64, BigInt(x)); // negative int64s: two's complement, 10 bytes
    do {
      let b = Number(v & 0x7fn);
      v >>= 7n;
      if (v > 0n) b |= 0x80;
      this.bytes.push(b);
    } while (v > 0n);
  }
  int(field: number, x: number): this {
    this.varint((field << 3) | 0);
    this.varint(x);
    return this;
  }
  bytesField(field: number, data: Uint8Array): this {
    this.varint((field << 3) | 2);
    this.varint(data.length);
    for (const b of data) this.bytes.push(b);
    return this;
  }
  str(field: number, s: string): this {
    return this.bytesField(field, new TextEncoder().encode(s));
  }
  msg(field: number, m: Pb): this {
    return this.bytesField(field, m.done());
  }
  floats(field: number, xs: number[]): this {
    return this.bytesField(field, new Uint8Array(Float32Array.from(xs).buffer));
  }
  done(): Uint8Array {
    return Uint8Array.from(this.bytes);
  }
}

const FLOAT = 1; // TensorProto.DataType.FLOAT

/** ValueInfoProto of a float tensor; string dims are symbolic. */
function valueInfo(name: string, dims: Array<number | string>): Pb {
  const shape = new Pb();
  for (const d of dims) shape.msg(1, typeof d === 'number' ? new Pb().int(1, d) : new Pb().str(2, d));
  const tensorType = new Pb().int(1, FLOAT).msg(2, shape);
  return new Pb().str(1, name).msg(2, new Pb().msg(1, tensorType));
}

function node(op: string, inputs: string[], outputs: string[], opts: { domain?: string; ints?: Record<string, number>; intLists?: Record<string, number[]> } = {}): Pb {
  const n = new Pb();
  for (const i of inputs) n.str(1, i);
  for (const o of outputs) n.str(2, o);
  n.str(3, `${op}_${outputs[0]}`).str(4, op);
  for (const [k, v] of Object.entries(opts.ints ?? {})) n.msg(5, new Pb().str(1, k).int(3, v).int(20, 2));
  for (const [k, vs] of Object.entries(opts.intLists ?? {})) {
    const a = new Pb().str(1, k);
    for (const v of vs) a.int(8, v);
    n.msg(5, a.int(20, 7));
  }
  if (opts.domain) n.str(7, opts.domain);
  return n;
}

function model(graph: Pb, msDomain: boolean): Uint8Array {
  const m = new Pb().int(1, 8).str(2, 'tessera-bench').msg(8, new Pb().str(1, '').int(2, 17));
  if (msDomain) m.msg(8, new Pb().str(1, 'com.microsoft').int(2, 1));
  return m.msg(7, graph).done();
}

/** com.microsoft MultiHeadAttention: query/key/value [B, n, H*D] -> output [B, n, H*D]. */
export function fusedMha(H: number, D: number): Uint8Array {
  const g = new Pb().msg(1, node('MultiHeadAttention', ['query', 'key', 'value'], ['output'], { domain: 'com.microsoft', ints: { num_heads: H } })).str(2, 'mha');
  for (const name of ['query', 'key', 'value']) g.msg(11, valueInfo(name, ['B', 'n', H * D]));
  g.msg(12, valueInfo('output', ['B', 'n', H * D]));
  return model(g, true);
}

/** softmax(q k^T * scale) v: q, k, v [B, H, n, D] -> output [B, H, n, D]. */
export function matmulSoftmax(D: number): Uint8Array {
  const scale = new Pb().str(8, 'scale').int(2, FLOAT).floats(4, [1 / Math.sqrt(D)]);
  const g = new Pb()
    .msg(1, node('Transpose', ['k'], ['kT'], { intLists: { perm: [0, 1, 3, 2] } }))
    .msg(1, node('MatMul', ['q', 'kT'], ['s']))
    .msg(1, node('Mul', ['s', 'scale'], ['ss']))
    .msg(1, node('Softmax', ['ss'], ['p'], { ints: { axis: -1 } }))
    .msg(1, node('MatMul', ['p', 'v'], ['output']))
    .str(2, 'matmul_softmax')
    .msg(5, scale);
  for (const name of ['q', 'k', 'v']) g.msg(11, valueInfo(name, ['B', 'H', 'n', D]));
  g.msg(12, valueInfo('output', ['B', 'H', 'n', D]));
  return model(g, false);
}
