// Cuts a few functions out of a WebAssembly module into a small module of their own:
// the functions, everything they call, the module's globals and its active data
// segments (lookup tables live there), and a memory large enough for them.
//
// Race uses it to run QuickJS's own libm — the exact machine code QuickJS's Math uses,
// as compiled into quickjs-emscripten's .wasm — inside V8, so both engines compute
// Math.sin & co. with the same instructions: bit-identical by construction.

const SECTION = { type: 1, import: 2, function: 3, table: 4, memory: 5, global: 6, export: 7, start: 8, element: 9, code: 10, data: 11, dataCount: 12 } as const;

export class WasmExtractError extends Error {
  override name = 'WasmExtractError';
}

class Reader {
  pos: number;
  readonly bytes: Uint8Array;
  constructor(bytes: Uint8Array, pos = 0) {
    this.bytes = bytes;
    this.pos = pos;
  }
  u8(): number {
    if (this.pos >= this.bytes.length) throw new WasmExtractError('unexpected end of module');
    return this.bytes[this.pos++]!;
  }
  u32(): number {
    let result = 0;
    let shift = 0;
    for (;;) {
      const byte = this.u8();
      result += (byte & 0x7f) * 2 ** shift;
      if ((byte & 0x80) === 0) return result;
      shift += 7;
      if (shift > 35) throw new WasmExtractError(`LEB128 too long at ${this.pos}`);
    }
  }
  /** Signed LEB of any width: only skipped or copied, never interpreted beyond 2^53. */
  sleb(): number {
    let result = 0;
    let shift = 0;
    let byte: number;
    do {
      byte = this.u8();
      if (shift < 49) result += (byte & 0x7f) * 2 ** shift;
      shift += 7;
    } while (byte & 0x80);
    if (shift < 53 && byte & 0x40) result -= 2 ** shift;
    return result;
  }
  skip(n: number): void {
    this.pos += n;
  }
  name(): string {
    const n = this.u32();
    const s = new TextDecoder().decode(this.bytes.subarray(this.pos, this.pos + n));
    this.pos += n;
    return s;
  }
}

function uleb(value: number): number[] {
  const out: number[] = [];
  do {
    let byte = value % 128;
    value = Math.floor(value / 128);
    if (value > 0) byte |= 0x80;
    out.push(byte);
  } while (value > 0);
  return out;
}

function section(id: number, body: ArrayLike<number>): number[] {
  return [id, ...uleb(body.length), ...Array.from(body)];
}

interface Section {
  id: number;
  start: number;
  end: number;
}

interface ParsedModule {
  bytes: Uint8Array;
  sections: Section[];
  importedFunctions: number;
  functionTypes: number[]; // of defined functions
  bodies: { start: number; end: number }[]; // of defined functions
}

function parse(bytes: Uint8Array): ParsedModule {
  if (bytes[0] !== 0 || bytes[1] !== 0x61 || bytes[2] !== 0x73 || bytes[3] !== 0x6d) throw new WasmExtractError('not a WebAssembly module');
  const r = new Reader(bytes, 8);
  const sections: Section[] = [];
  while (r.pos < bytes.length) {
    const id = r.u8();
    const size = r.u32();
    sections.push({ id, start: r.pos, end: r.pos + size });
    r.skip(size);
  }
  const find = (id: number) => sections.find((s) => s.id === id);

  let importedFunctions = 0;
  const imports = find(SECTION.import);
  if (imports) {
    const ir = new Reader(bytes, imports.start);
    for (let n = ir.u32(), i = 0; i < n; i++) {
      ir.name();
      ir.name();
      const kind = ir.u8();
      if (kind === 0) {
        ir.u32();
        importedFunctions++;
      } else if (kind === 1) {
        ir.u8();
        const flags = ir.u8();
        ir.u32();
        if (flags & 1) ir.u32();
      } else if (kind === 2) {
        const flags = ir.u8();
        ir.u32();
        if (flags & 1) ir.u32();
      } else if (kind === 3) {
        ir.u8();
        ir.u8();
      } else throw new WasmExtractError(`unknown import kind ${kind}`);
    }
  }
  const functionTypes: number[] = [];
  const fs = find(SECTION.function);
  if (fs) {
    const fr = new Reader(bytes, fs.start);
    for (let n = fr.u32(), i = 0; i < n; i++) functionTypes.push(fr.u32());
  }
  const bodies: { start: number; end: number }[] = [];
  const code = find(SECTION.code);
  if (code) {
    const cr = new Reader(bytes, code.start);
    for (let n = cr.u32(), i = 0; i < n; i++) {
      const size = cr.u32();
      bodies.push({ start: cr.pos, end: cr.pos + size });
      cr.skip(size);
    }
  }
  return { bytes, sections, importedFunctions, functionTypes, bodies };
}

type CallVisitor = (target: number) => number;

/**
 * Walks one function body instruction by instruction (the MVP, sign-extension,
 * saturating-conversion and bulk-memory opcodes), copying it and passing every direct
 * call target through `visit`. Anything else — SIMD, call_indirect — is refused: the
 * extracted code must not depend on a table or on features we did not check.
 */
function rewriteBody(m: ParsedModule, funcIndex: number, visit: CallVisitor): number[] {
  const body = m.bodies[funcIndex - m.importedFunctions];
  if (!body) throw new WasmExtractError(`function ${funcIndex} has no body (an import?)`);
  const r = new Reader(m.bytes, body.start);
  const out: number[] = [];
  const copyFrom = (from: number) => {
    for (let i = from; i < r.pos; i++) out.push(m.bytes[i]!);
  };
  // locals
  let start = r.pos;
  for (let n = r.u32(), i = 0; i < n; i++) {
    r.u32();
    r.u8();
  }
  copyFrom(start);
  while (r.pos < body.end) {
    start = r.pos;
    const op = r.u8();
    switch (true) {
      case op === 0x10 || op === 0x12 || op === 0xd2: {
        // call, return_call, ref.func: remap the function index
        const target = r.u32();
        out.push(op, ...uleb(visit(target)));
        continue;
      }
      case op === 0x11 || op === 0x13:
        throw new WasmExtractError(`function ${funcIndex} makes an indirect call: not extractable`);
      case op === 0x02 || op === 0x03 || op === 0x04:
        r.sleb(); // block type
        break;
      case op === 0x0c || op === 0x0d:
        r.u32();
        break;
      case op === 0x0e: {
        for (let n = r.u32(), i = 0; i <= n; i++) r.u32();
        break;
      }
      case op === 0x1c: {
        for (let n = r.u32(), i = 0; i < n; i++) r.u8();
        break;
      }
      case op >= 0x20 && op <= 0x26:
        r.u32();
        break;
      case op >= 0x28 && op <= 0x3e:
        r.u32();
        r.u32();
        break;
      case op === 0x3f || op === 0x40:
        r.u8();
        break;
      case op === 0x41 || op === 0x42:
        r.sleb();
        break;
      case op === 0x43:
        r.skip(4);
        break;
      case op === 0x44:
        r.skip(8);
        break;
      case op === 0xd0:
        r.u8();
        break;
      case op === 0xfc: {
        const sub = r.u32();
        if (sub <= 7) break;
        if (sub === 8) {
          r.u32();
          r.u8();
        } else if (sub === 9) r.u32();
        else if (sub === 10) {
          r.u8();
          r.u8();
        } else if (sub === 11) r.u8();
        else throw new WasmExtractError(`function ${funcIndex} uses table operation 0xfc ${sub}`);
        break;
      }
      case op <= 0x01 || op === 0x05 || op === 0x0b || op === 0x0f || op === 0x1a || op === 0x1b || op === 0xd1 || (op >= 0x45 && op <= 0xc4):
        break;
      default:
        throw new WasmExtractError(`function ${funcIndex}: unsupported opcode 0x${op.toString(16)} at byte ${start}`);
    }
    copyFrom(start);
  }
  return out;
}

export interface ExtractResult {
  module: Uint8Array;
  /** How many functions the extracted module holds (the roots and what they call). */
  functionCount: number;
}

/** `roots` maps export names to function indices of the source module. */
export function extractFunctions(source: Uint8Array, roots: Record<string, number>): ExtractResult {
  const m = parse(source);
  const sectionBytes = (id: number) => {
    const s = m.sections.find((x) => x.id === id);
    return s ? m.bytes.subarray(s.start, s.end) : null;
  };

  // Closure over direct calls, discovering new indices in a stable order.
  const newIndex = new Map<number, number>();
  const order: number[] = [];
  const visit = (target: number): number => {
    if (target < m.importedFunctions) throw new WasmExtractError(`the extracted code calls imported function ${target}`);
    let idx = newIndex.get(target);
    if (idx === undefined) {
      idx = order.length;
      newIndex.set(target, idx);
      order.push(target);
    }
    return idx;
  };
  for (const index of Object.values(roots)) visit(index);
  const bodies: number[][] = [];
  for (let i = 0; i < order.length; i++) bodies.push(rewriteBody(m, order[i]!, visit));

  // Memory: enough for the data segments and the stack the globals point into.
  const globals = sectionBytes(SECTION.global);
  let highest = 0;
  if (globals) {
    const gr = new Reader(globals);
    for (let n = gr.u32(), i = 0; i < n; i++) {
      gr.u8();
      gr.u8();
      const op = gr.u8();
      if (op === 0x41) highest = Math.max(highest, gr.sleb());
      else if (op === 0x42) gr.sleb();
      else if (op === 0x44) gr.skip(8);
      else if (op === 0x43) gr.skip(4);
      else throw new WasmExtractError(`global ${i} has a non-constant initialiser`);
      if (gr.u8() !== 0x0b) throw new WasmExtractError(`global ${i}: unexpected initialiser`);
    }
  }
  const data = sectionBytes(SECTION.data);
  if (data) {
    const dr = new Reader(data);
    for (let n = dr.u32(), i = 0; i < n; i++) {
      const flags = dr.u32();
      if (flags !== 0) throw new WasmExtractError(`data segment ${i} is not an active segment of memory 0`);
      if (dr.u8() !== 0x41) throw new WasmExtractError(`data segment ${i} has a non-constant offset`);
      const offset = dr.sleb();
      dr.u8();
      const len = dr.u32();
      highest = Math.max(highest, offset + len);
      dr.skip(len);
    }
  }
  const pages = Math.max(1, Math.ceil(highest / 65536));

  const exportBody: number[] = [...uleb(Object.keys(roots).length)];
  for (const [name, index] of Object.entries(roots)) {
    const encoded = new TextEncoder().encode(name);
    exportBody.push(...uleb(encoded.length), ...encoded, 0x00, ...uleb(newIndex.get(index)!));
  }
  const functionBody = [...uleb(order.length), ...order.map((i) => uleb(m.functionTypes[i - m.importedFunctions]!)).flat()];
  const codeBody = [...uleb(bodies.length)];
  for (const b of bodies) codeBody.push(...uleb(b.length), ...b);

  const out = [
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
    ...section(SECTION.type, sectionBytes(SECTION.type) ?? [0]),
    ...section(SECTION.function, functionBody),
    ...section(SECTION.memory, [1, 0x00, ...uleb(pages)]),
    ...(globals ? section(SECTION.global, globals) : []),
    ...section(SECTION.export, exportBody),
    ...section(SECTION.code, codeBody),
    ...(data ? section(SECTION.data, data) : []),
  ];
  return { module: Uint8Array.from(out), functionCount: order.length };
}
