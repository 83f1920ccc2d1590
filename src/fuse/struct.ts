/**
 * C structs declared as data. A struct is a list of [name, type] pairs; from it
 * we derive the size, each field's offset, and a reader and writer compiled
 * once (so the hot path is plain buffer reads, not a loop over fields).
 * 64-bit integers travel as JS numbers: exact up to 2^53, which covers node
 * ids, sizes and offsets in practice; larger values are clamped on read.
 */

export type FieldType = 'u8' | 'u16' | 'u32' | 'i32' | 'u64' | 'i64';
export type Field = readonly [name: string, type: FieldType | `pad${number}`];

const SIZES: Record<FieldType, number> = { u8: 1, u16: 2, u32: 4, i32: 4, u64: 8, i64: 8 };

export type Values<F extends readonly Field[]> = { [K in F[number] as K[0] extends `_${string}` ? never : K[0]]: number };

export interface Struct<F extends readonly Field[]> {
  readonly name: string;
  readonly size: number;
  readonly offsets: Readonly<Record<string, number>>;
  /** Decodes the struct at `off`; fields past the buffer's end read as 0 (older protocol minors send shorter structs). */
  read(buf: Buffer, off: number): Values<F>;
  /** Encodes `v` at `off`; missing fields and padding are written as 0. */
  write(buf: Buffer, off: number, v: Partial<Values<F>>): void;
}

export function struct<const F extends readonly Field[]>(name: string, fields: F): Struct<F> {
  const offsets: Record<string, number> = {};
  let off = 0;
  const readLines: string[] = [];
  const writeLines: string[] = [];
  for (const [field, type] of fields) {
    const pad = /^pad(\d+)$/.exec(type);
    if (pad) {
      writeLines.push(...zeroes(off, Number(pad[1])));
      off += Number(pad[1]);
      continue;
    }
    const t = type as FieldType;
    const size = SIZES[t];
    if (off % size !== 0) throw new Error(`${name}.${field} is misaligned`);
    offsets[field] = off;
    const at = `o + ${off}`;
    const skip = field.startsWith('_');
    if (!skip) {
      const guard = `(b.length >= ${at} + ${size} ? `;
      switch (t) {
        case 'u8': readLines.push(`${field}: ${guard}b[${at}] : 0)`); break;
        case 'u16': readLines.push(`${field}: ${guard}b.readUInt16LE(${at}) : 0)`); break;
        case 'u32': readLines.push(`${field}: ${guard}b.readUInt32LE(${at}) : 0)`); break;
        case 'i32': readLines.push(`${field}: ${guard}b.readInt32LE(${at}) : 0)`); break;
        case 'u64': readLines.push(`${field}: ${guard}u64(b, ${at}) : 0)`); break;
        case 'i64': readLines.push(`${field}: ${guard}i64(b, ${at}) : 0)`); break;
      }
      const val = `(v.${field} ?? 0)`;
      switch (t) {
        case 'u8': writeLines.push(`b[${at}] = ${val}`); break;
        case 'u16': writeLines.push(`b.writeUInt16LE(${val} & 0xffff, ${at})`); break;
        case 'u32': writeLines.push(`w32(b, ${at}, ${val})`); break;
        case 'i32': writeLines.push(`w32(b, ${at}, ${val})`); break;
        case 'u64': writeLines.push(`w64(b, ${at}, ${val})`); break;
        case 'i64': writeLines.push(`w64(b, ${at}, ${val})`); break;
      }
    } else {
      writeLines.push(...zeroes(off, size)); // a reserved field (_name)
    }
    off += size;
  }
  if (off % 8 !== 0 && off > 8) throw new Error(`${name} is not padded to 8 bytes (${off})`);
  const read = new Function('u64', 'i64', `return function read_${name}(b, o) { return { ${readLines.join(', ')} }; }`)(u64, i64) as Struct<F>['read'];
  const write = new Function('w32', 'w64', `return function write_${name}(b, o, v) { ${writeLines.join('; ')} }`)(w32, w64) as Struct<F>['write'];
  return { name, size: off, offsets, read, write };
}

/** Statements that zero bytes [off, off + n) of the struct (padding, reserved fields): no call to fill for a few bytes. */
function zeroes(off: number, n: number): string[] {
  const lines: string[] = [];
  for (let end = off + n; off < end;) {
    const step = off % 4 === 0 && end - off >= 4 ? 4 : 1;
    lines.push(step === 4 ? `w32(b, o + ${off}, 0)` : `b[o + ${off}] = 0`);
    off += step;
  }
  return lines;
}

const TWO32 = 4294967296;

export function u64(b: Buffer, o: number): number {
  const hi = b.readUInt32LE(o + 4);
  const lo = b.readUInt32LE(o);
  return hi >= 0x200000 ? Number.MAX_SAFE_INTEGER : hi * TWO32 + lo;
}

export function i64(b: Buffer, o: number): number {
  const hi = b.readInt32LE(o + 4);
  const lo = b.readUInt32LE(o);
  return hi * TWO32 + lo;
}

/**
 * Writes the low 32 bits of a number, little-endian (signed and unsigned alike).
 * Byte stores, not writeUInt32LE: every reply writes dozens of fields, and the
 * stores skip the range checks (offsets come from the struct layout, and the
 * reply buffer is sized for the largest reply).
 */
export function w32(b: Buffer, o: number, v: number): void {
  b[o] = v;
  b[o + 1] = v >>> 8;
  b[o + 2] = v >>> 16;
  b[o + 3] = v >>> 24;
}

/** Writes a number as a 64-bit two's complement little-endian integer. */
export function w64(b: Buffer, o: number, v: number): void {
  if (v >= 0 && v < TWO32) {
    w32(b, o, v);
    w32(b, o + 4, 0);
  } else if (v >= 0) {
    w32(b, o, v % TWO32);
    w32(b, o + 4, Math.floor(v / TWO32));
  } else {
    const hi = Math.floor(v / TWO32);
    w32(b, o, v - hi * TWO32);
    w32(b, o + 4, hi);
  }
}
