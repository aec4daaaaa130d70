// Builds ONNX graphs in memory and serialises them (field numbers of onnx.proto, IR version 8).
import { ProtoWriter } from './protobuf.js';

export const DataType = { FLOAT: 1, INT32: 6, INT64: 7, BOOL: 9 } as const;
export type ElemType = (typeof DataType)[keyof typeof DataType];

/** A dimension: a fixed size, or a symbolic name such as "batch_size". */
export type Dim = number | string;

export interface Tensor {
  type: ElemType;
  dims: number[];
  data: Float32Array | BigInt64Array | Int32Array | Uint8Array;
}

export type Attr =
  | { kind: 'int'; value: number }
  | { kind: 'ints'; value: number[] }
  | { kind: 'float'; value: number }
  | { kind: 'tensor'; value: Tensor }
  | { kind: 'graph'; value: Graph };

export const attr = {
  int: (value: number): Attr => ({ kind: 'int', value }),
  ints: (value: number[]): Attr => ({ kind: 'ints', value }),
  float: (value: number): Attr => ({ kind: 'float', value }),
  tensor: (value: Tensor): Attr => ({ kind: 'tensor', value }),
  graph: (value: Graph): Attr => ({ kind: 'graph', value }),
};

interface Node {
  op: string;
  inputs: string[];
  outputs: string[];
  attrs: Record<string, Attr>;
  name: string;
}

interface ValueInfo {
  name: string;
  type: ElemType;
  dims: Dim[] | null;
}

/** One graph (or subgraph): nodes in topological order, named values, initializers. */
export class Graph {
  readonly nodes: Node[] = [];
  readonly inputs: ValueInfo[] = [];
  readonly outputs: ValueInfo[] = [];
  readonly initializers = new Map<string, Tensor>();
  private counter = 0;

  constructor(readonly name: string, private readonly prefix = '') {}

  input(name: string, type: ElemType, dims: Dim[]): string {
    this.inputs.push({ name, type, dims });
    return name;
  }

  /** Declares a graph output; `dims` null leaves the shape to inference (subgraph outputs). */
  output(name: string, type: ElemType, dims: Dim[] | null): void {
    this.outputs.push({ name, type, dims });
  }

  weight(name: string, tensor: Tensor): string {
    this.initializers.set(name, tensor);
    return name;
  }

  floats(values: number[], dims: number[] = [values.length]): string {
    return this.weight(this.fresh('const'), { type: DataType.FLOAT, dims, data: Float32Array.from(values) });
  }

  ints(values: number[], dims: number[] = [values.length]): string {
    return this.weight(this.fresh('const'), { type: DataType.INT64, dims, data: BigInt64Array.from(values.map(BigInt)) });
  }

  /** Adds a node and returns its output names. */
  nodeN(op: string, inputs: string[], outputs: number | string[], attrs: Record<string, Attr> = {}): string[] {
    const names = typeof outputs === 'number' ? Array.from({ length: outputs }, () => this.fresh(op)) : outputs;
    this.nodes.push({ op, inputs, outputs: names, attrs, name: this.fresh(`${op}_node`) });
    return names;
  }

  node(op: string, inputs: string[], attrs: Record<string, Attr> = {}, output?: string): string {
    return this.nodeN(op, inputs, output ? [output] : 1, attrs)[0]!;
  }

  fresh(base: string): string {
    return `${this.prefix}${base}_${++this.counter}`;
  }
}

function writeTensor(w: ProtoWriter, name: string, t: Tensor): void {
  w.packedInts(1, t.dims).int(2, t.type).string(8, name);
  w.bytes(9, new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength));
}

function writeValueInfo(w: ProtoWriter, v: ValueInfo): void {
  w.string(1, v.name).message(2, (type) =>
    type.message(1, (tensor) => {
      tensor.int(1, v.type);
      if (v.dims) {
        tensor.message(2, (shape) => {
          for (const d of v.dims!) shape.message(1, (dim) => (typeof d === 'number' ? dim.int(1, d) : dim.string(2, d)));
        });
      }
    }),
  );
}

function writeAttr(w: ProtoWriter, name: string, a: Attr): void {
  w.string(1, name);
  switch (a.kind) {
    case 'int':
      w.int(3, a.value).int(20, 2);
      break;
    case 'ints':
      w.packedInts(8, a.value).int(20, 7);
      break;
    case 'float':
      w.float(2, a.value).int(20, 1);
      break;
    case 'tensor':
      w.message(5, (t) => writeTensor(t, '', a.value)).int(20, 4);
      break;
    case 'graph':
      w.message(6, (g) => writeGraph(g, a.value)).int(20, 5);
      break;
  }
}

function writeGraph(w: ProtoWriter, g: Graph): void {
  for (const n of g.nodes) {
    w.message(1, (node) => {
      for (const i of n.inputs) node.string(1, i);
      for (const o of n.outputs) node.string(2, o);
      node.string(3, n.name).string(4, n.op);
      for (const [key, value] of Object.entries(n.attrs)) node.message(5, (at) => writeAttr(at, key, value));
    });
  }
  w.string(2, g.name);
  for (const [name, t] of g.initializers) w.message(5, (init) => writeTensor(init, name, t));
  for (const i of g.inputs) w.message(11, (v) => writeValueInfo(v, i));
  for (const o of g.outputs) w.message(12, (v) => writeValueInfo(v, o));
}

export function serializeModel(graph: Graph, opset = 17): Uint8Array {
  const w = new ProtoWriter();
  w.int(1, 8) // ir_version
    .string(2, 'captionhub-tiny-whisper')
    .string(3, '1')
    .message(7, (g) => writeGraph(g, graph))
    .message(8, (op) => op.string(1, '').int(2, opset));
  return w.finish();
}
