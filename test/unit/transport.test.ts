// The plugin engines' transport: JSON plus out-of-band patches for typed arrays and the
// numbers JSON cannot spell. The guest prelude speaks the same format (the parity and
// hostile-plugin suites run it through both engines); here, the host side's own contract.
import { describe, expect, it } from 'vitest';
import { CodecError } from '../../src-shared/codec.ts';
import { packValue, unpackValue } from '../../src-main/plugins/transport.ts';

describe('plugin transport', () => {
  it('moves typed arrays out of band: the whole view by reference, a part as just its bytes, NaNs canonical on the way back', () => {
    const whole = new Float64Array([1, NaN, -0]);
    new BigUint64Array(whole.buffer)[1] = 0xfff8_0000_0000_0001n;
    const part = new Float64Array([9, 8, 7, 6]).subarray(1, 3);
    const buffers: ArrayBuffer[] = [];
    const packed = packValue({ whole, part, bytes: new Uint8Array([1, 2]) }, buffers);
    expect(packed).toBe('{"whole":null,"part":null,"bytes":null}\n[[["whole"],"f64",0],[["part"],"f64",1],[["bytes"],"u8",2]]');
    expect(buffers[0]).toBe(whole.buffer); // the caller's buffer, untouched
    expect(buffers[1]!.byteLength).toBe(16); // just the view's bytes
    const back = unpackValue(packed, buffers.map((b) => b.slice(0))) as { whole: Float64Array; part: Float64Array; bytes: Uint8Array };
    expect(new BigUint64Array(back.whole.buffer)[1]).toBe(0x7ff8_0000_0000_0000n);
    expect(Object.is(back.whole[2], -0)).toBe(true);
    expect(Array.from(back.part)).toEqual([8, 7]);
    expect(back.bytes).toEqual(new Uint8Array([1, 2]));
  });

  it('keeps NaN, ±Infinity and -0 in plain numbers, $-keys and "__proto__" as data, and needs no patches for plain JSON', () => {
    const value = { a: [NaN, Infinity, -Infinity, -0, 0], $f64: 1, $obj: { $num: 'x' }, nested: [[{ deep: -Infinity }]] };
    const packed = packValue(value, []);
    const back = unpackValue(packed, []) as typeof value;
    expect(back.a[0]).toBeNaN();
    expect(back.a.slice(1)).toEqual([Infinity, -Infinity, -0, 0]);
    expect(Object.is(back.a[3], -0)).toBe(true);
    expect(back.nested[0]![0]!.deep).toBe(-Infinity);
    expect(back.$f64).toBe(1);
    expect(back.$obj).toEqual({ $num: 'x' });
    expect(packValue({ plain: [1, 'two', true, null] }, [])).toBe('{"plain":[1,"two",true,null]}');
    expect(unpackValue(packValue(NaN, []), [])).toBeNaN(); // a patch of the value itself
    const proto = unpackValue('{"__proto__":{"polluted":true},"a":1}', []) as Record<string, unknown>;
    expect(Object.getPrototypeOf(proto)).toBe(Object.prototype);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('refuses what it cannot carry, naming where', () => {
    expect(() => packValue({ a: [0, { f: () => 1 }] }, [])).toThrow('a[1].f: cannot encode a function');
    expect(() => packValue({ big: new BigInt64Array(1) }, [])).toThrow('big: unsupported typed array BigInt64Array');
  });

  it('a malformed patch is an error, never a write outside the value', () => {
    const bad = (text: string, buffers: ArrayBuffer[] = []) => () => unpackValue(text, buffers);
    expect(bad('{"x":null}\n[[["__proto__","polluted"],"NaN"]]')).toThrow(CodecError);
    expect(bad('{"x":null}\n[[["constructor","prototype","polluted"],"NaN"]]')).toThrow('patch path leads nowhere');
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(bad('{"x":1}\n[[["x"],"NaN"]]')).toThrow('x: patch names no placeholder');
    expect(bad('{"x":null}\n[[["y"],"NaN"]]')).toThrow('y: patch names no placeholder');
    expect(bad('{"x":null}\n[[["x"],"f64",5]]')).toThrow('x: f64 names buffer 5, which does not exist');
    expect(bad('{"x":null}\n[[["x"],"f64",0]]', [new ArrayBuffer(12)])).toThrow('x: f64 buffer of 12 bytes is not a multiple of 8');
    expect(bad('{"x":null}\n[[["x"],"date"]]')).toThrow('x: unknown patch kind "date"');
    expect(bad('{"x":null}\n{"not":"a list"}')).toThrow('patches must be a list');
  });
});
