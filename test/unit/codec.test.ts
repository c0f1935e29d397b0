import { describe, expect, it } from 'vitest';
import { base64ToBytes, bytesToBase64, CodecError, decodeJson, decodeValue, encodeJson, encodeValue } from '../../src-shared/codec.ts';

const bits = (a: Float64Array) => [...new BigUint64Array(a.buffer, a.byteOffset, a.length)];

describe('binary-safe codec', () => {
  it('keeps every bit of a Float64Array, NaN payloads made canonical', () => {
    const raw = new Float64Array([0, -0, 1.5, -Infinity, Infinity, Number.MIN_VALUE, -Number.MAX_VALUE, 2.2250738585072014e-308, NaN, 5e-324]);
    new BigUint64Array(raw.buffer)[8] = 0xfff8_0000_0000_0001n; // a NaN with payload and sign
    const back = decodeJson(encodeJson({ speed: raw })) as { speed: Float64Array };
    expect(back.speed).toBeInstanceOf(Float64Array);
    const expected = raw.slice();
    expected[8] = NaN;
    expect(bits(back.speed)).toEqual(bits(expected));
    expect(new BigUint64Array(back.speed.buffer)[8]).toBe(0x7ff8_0000_0000_0000n);
    // the caller's array is not modified
    expect(new BigUint64Array(raw.buffer)[8]).toBe(0xfff8_0000_0000_0001n);
  });

  it('keeps NaN, ±Infinity and -0 as plain numbers', () => {
    const back = decodeJson(encodeJson({ a: [NaN, Infinity, -Infinity, -0, 0, 1e308] })) as { a: number[] };
    expect(back.a[0]).toBeNaN();
    expect(back.a.slice(1)).toEqual([Infinity, -Infinity, -0, 0, 1e308]);
    expect(Object.is(back.a[3], -0)).toBe(true);
    expect(Object.is(back.a[4], 0)).toBe(true);
  });

  it('round-trips other typed arrays, strings, nesting and $-keys of user data', () => {
    const value = {
      f32: new Float32Array([1.25, -0, NaN]),
      i32: new Int32Array([-2147483648, 7]),
      u8: new Uint8Array([0, 255, 128]),
      text: 'Spa — Eau Rouge "quoted"',
      nested: { $num: 'not a tag', $f64: 'nor this', list: [null, true, { x: -0 }] },
    };
    const back = decodeJson(encodeJson(value)) as typeof value;
    expect(back.i32).toEqual(value.i32);
    expect(back.u8).toEqual(value.u8);
    expect(Object.is(back.f32[1], -0)).toBe(true);
    expect(back.f32[2]).toBeNaN();
    expect(back.text).toBe(value.text);
    expect(back.nested).toEqual(value.nested);
  });

  it('decodes a "__proto__" key as data, never as a prototype', () => {
    const back = decodeJson('{"__proto__": {"polluted": true}, "a": 1}') as Record<string, unknown>;
    expect(Object.getPrototypeOf(back)).toBe(Object.prototype);
    expect(Object.keys(back)).toEqual(['__proto__', 'a']);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('encodes a "__proto__" key as data too, so it comes back', () => {
    const value = JSON.parse('{"__proto__": {"polluted": true}, "n": 1}') as Record<string, unknown>;
    const text = encodeJson(value);
    expect(text).toBe('{"__proto__":{"polluted":true},"n":1}');
    const back = decodeJson(text) as Record<string, unknown>;
    expect(Object.keys(back)).toEqual(['__proto__', 'n']);
    expect(Object.getPrototypeOf(back)).toBe(Object.prototype);
  });

  it('matches Node base64 for every length', () => {
    for (let n = 0; n < 70; n++) {
      const bytes = Uint8Array.from({ length: n }, (_, i) => (i * 37 + n) & 255);
      const b64 = bytesToBase64(bytes);
      expect(b64).toBe(Buffer.from(bytes).toString('base64'));
      expect(base64ToBytes(b64)).toEqual(bytes);
    }
  });

  it.each([
    ['bad JSON', '{', /not valid JSON/],
    ['bad base64 char', '{"x":{"$f64":"AAAA*AAAAAAA"}}', /x: invalid base64 character/],
    ['wrong byte count', '{"x":{"$f64":"AAAA"}}', /x: \$f64 holds 3 bytes, not a multiple of 8/],
    ['bad $num', '{"a":[{"$num":"1"}]}', /a\[0\]: \$num must be/],
    ['unknown tag', '{"y":{"$zz":1,"b":2}}', /y: unexpected tag "\$zz"/],
  ])('rejects %s with the path of the bad value', (_label, text, message) => {
    expect(() => decodeJson(text)).toThrow(CodecError);
    expect(() => decodeJson(text)).toThrow(message);
  });
});
