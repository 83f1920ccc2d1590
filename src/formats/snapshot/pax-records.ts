/**
 * pax extended header records: "LEN KEYWORD=VALUE\n", where LEN counts the
 * whole record including its own digits. Values are bytes (xattr values are
 * binary), so records are built and parsed as bytes, never as strings.
 */
import { decodeName, encodeName } from '../../core/names.js';

const encoder = new TextEncoder();

export interface PaxRecord {
  key: string;
  /** The value, or its length when the bytes come from elsewhere (streamed). */
  value: Uint8Array;
}

/** Length of a record with a key of `keyBytes` bytes and a value of `valueBytes` bytes. */
export function recordLength(keyBytes: number, valueBytes: number): number {
  const body = 1 + keyBytes + 1 + valueBytes + 1; // " " key "=" value "\n"
  let len = body + 1;
  // The length counts its own digits: settle on a fixpoint.
  while (String(len).length + body !== len) len = String(len).length + body;
  return len;
}

/**
 * The bytes of a record up to and including "=" (the value and "\n" follow).
 * Keys are written with encodeName: xattr names may hold raw non-UTF-8 bytes.
 */
export function recordPrefix(key: string, valueBytes: number): Uint8Array {
  const keyBytes = encodeName(key);
  const len = recordLength(keyBytes.length, valueBytes);
  const digits = String(len);
  const out = new Uint8Array(digits.length + 1 + keyBytes.length + 1);
  for (let i = 0; i < digits.length; i++) out[i] = digits.charCodeAt(i);
  out[digits.length] = 0x20;
  out.set(keyBytes, digits.length + 1);
  out[out.length - 1] = 0x3d;
  return out;
}

export function encodeRecord(key: string, value: Uint8Array | string): Uint8Array {
  const v = typeof value === 'string' ? encoder.encode(value) : value;
  const prefix = recordPrefix(key, v.length);
  const out = new Uint8Array(prefix.length + v.length + 1);
  out.set(prefix);
  out.set(v, prefix.length);
  out[out.length - 1] = 0x0a;
  return out;
}

/** Limits the parser enforces so a hostile header cannot exhaust memory. */
export const MAX_KEY_BYTES = 1024;
export const MAX_VALUE_BYTES = 1 << 20;

/** What the parser does with one record's value: keep it in memory, or stream it elsewhere. */
export interface RecordSink {
  /** Called when the key is known; return a spool to stream a big value into instead of memory. */
  spoolFor?(key: string, valueBytes: number): ValueSpool | null;
  record(key: string, value: Uint8Array | ValueSpool): void;
}

export interface ValueSpool {
  write(pos: number, bytes: Uint8Array): void;
  /** Called when the record turns out malformed, to release what was written. */
  discard(): void;
}

/**
 * An incremental parser over the bytes of one extended header, fed in pieces
 * of any size. Memory held is bounded by MAX_KEY_BYTES + MAX_VALUE_BYTES,
 * whatever the header declares; spooled values go to their spool.
 */
export class PaxParser {
  private state: 'len' | 'key' | 'value' | 'newline' = 'len';
  private len = 0;
  private lenDigits = 0;
  private keyBuf: number[] = [];
  private key = '';
  private valueLen = 0;
  private valueDone = 0;
  private value: Uint8Array | null = null;
  private spool: ValueSpool | null = null;
  /** Once NUL padding is seen, only NULs may follow. */
  private padding = false;

  constructor(private readonly sink: RecordSink) {}

  /** Feeds bytes; throws Error with a reason when the header is malformed. */
  feed(bytes: Uint8Array): void {
    if (this.padding) {
      this.rejectRestUnlessNul(bytes, 0);
      return;
    }
    let i = 0;
    while (i < bytes.length) {
      switch (this.state) {
        case 'len': {
          const c = bytes[i++]!;
          if (c === 0x20 && this.lenDigits > 0) {
            this.state = 'key';
            this.keyBuf = [];
          } else if (c >= 0x30 && c <= 0x39 && this.lenDigits < 16) {
            this.len = this.len * 10 + (c - 0x30);
            this.lenDigits++;
          } else if (c === 0 && this.lenDigits === 0) {
            // NUL padding after the last record: some writers leave it.
            this.rejectRestUnlessNul(bytes, i);
            return;
          } else {
            throw new Error('malformed pax record length');
          }
          break;
        }
        case 'key': {
          const c = bytes[i++]!;
          if (c === 0x3d) {
            this.key = decodeName(Uint8Array.from(this.keyBuf));
            this.valueLen = this.len - this.lenDigits - 1 - this.keyBuf.length - 1 - 1;
            if (this.valueLen < 0 || this.keyBuf.length === 0) throw new Error('malformed pax record');
            this.valueDone = 0;
            this.spool = this.sink.spoolFor?.(this.key, this.valueLen) ?? null;
            if (this.spool === null) {
              if (this.valueLen > MAX_VALUE_BYTES) throw new Error(`pax record ${this.key} too large (${this.valueLen} bytes)`);
              this.value = new Uint8Array(this.valueLen);
            }
            this.state = this.valueLen === 0 ? 'newline' : 'value';
          } else {
            if (c === 0x0a || c === 0 || this.keyBuf.length >= MAX_KEY_BYTES) throw new Error('malformed pax record keyword');
            this.keyBuf.push(c);
          }
          break;
        }
        case 'value': {
          const n = Math.min(bytes.length - i, this.valueLen - this.valueDone);
          const piece = bytes.subarray(i, i + n);
          if (this.spool) this.spool.write(this.valueDone, piece);
          else this.value!.set(piece, this.valueDone);
          this.valueDone += n;
          i += n;
          if (this.valueDone === this.valueLen) this.state = 'newline';
          break;
        }
        case 'newline': {
          if (bytes[i++] !== 0x0a) {
            this.spool?.discard();
            throw new Error('pax record does not end with a newline');
          }
          this.sink.record(this.key, this.spool ?? this.value!);
          this.reset();
          break;
        }
      }
    }
  }

  /** Throws when the header ended inside a record. */
  finish(): void {
    if (this.state !== 'len' || this.lenDigits !== 0) {
      this.spool?.discard();
      throw new Error('pax header ends inside a record');
    }
  }

  private reset(): void {
    this.state = 'len';
    this.len = 0;
    this.lenDigits = 0;
    this.value = null;
    this.spool = null;
  }

  private rejectRestUnlessNul(bytes: Uint8Array, from: number): void {
    for (let j = from; j < bytes.length; j++) if (bytes[j] !== 0) throw new Error('data after NUL padding in pax header');
    this.padding = true;
  }

}
