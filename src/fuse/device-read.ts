/**
 * read(2) of the FUSE device that returns the errno instead of throwing it.
 *
 * Why: `fs.readSync` turns every errno (EAGAIN on a non-blocking device,
 * ENOENT for a request interrupted before it was read) into a thrown Error,
 * which costs ~5.6 us on this machine kind even without a stack trace;
 * node:wasi's fd_read reports it as a number for ~0.7 us (measured on an empty
 * fifo, 200,000 reads each), and reads into one fixed memory without
 * allocating. It was written for a polling daemon; the daemon now blocks (see
 * session.ts), and the reader serves both.
 *
 * How: a WASI instance whose standard input is the device's descriptor, and a
 * WebAssembly memory (of a module that only exports it) for its fd_read to read
 * into; the session reads requests through a Buffer over that memory (no copy).
 * fd_read is called from JavaScript, never from WebAssembly: Node's fast path
 * for calls from WebAssembly can start a garbage collection in the middle of
 * the call and corrupt the heap (nodejs/node#46777; reproduced here with Node
 * 20.20 and Buffer allocations between reads). No directory is pre-opened.
 */
import { createRequire } from 'node:module';
import type { WASI as WasiClass } from 'node:wasi';

/** Where the request bytes start in the memory; the iovec (8 bytes) and the byte count (4) sit below. */
const DATA_OFFSET = 64;
const IOVEC = 0;
const NREAD = 8;
const PAGE = 65536;
const DEVICE_FD = 0; // the WASI instance's standard input
const FDFLAGS_NONBLOCK = 1 << 2;

/** Linux errno names of the WASI errno numbers a device read can report (WASI preview1 numbering). */
const WASI_ERRNO: Record<number, string> = {
  6: 'EAGAIN', 8: 'EBADF', 13: 'ECONNABORTED', 27: 'EINTR', 28: 'EINVAL', 43: 'ENODEV', 44: 'ENOENT',
};

export interface DeviceReader {
  /** The request of the last successful read is at buf[0, n). */
  readonly buf: Buffer;
  /** One read(2) of up to buf.length bytes: the byte count, or the errno's name (EAGAIN, ENOENT...). */
  read(): number | string;
  /** Switches the descriptor between blocking and non-blocking reads (O_NONBLOCK); false if refused. */
  setBlocking(blocking: boolean): boolean;
}

/** The little of the WebAssembly API used here (TypeScript declares it only with the DOM library). */
interface Wasm {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: { memory: { buffer: ArrayBuffer } } };
}
const { WebAssembly: wasm } = globalThis as unknown as { WebAssembly: Wasm };

export function deviceReader(fd: number, size: number): DeviceReader {
  const wasi = new (loadWasi())({ version: 'preview1', stdin: fd, returnOnExit: true });
  const instance = new wasm.Instance(new wasm.Module(memoryModule(Math.ceil((DATA_OFFSET + size) / PAGE))), {});
  wasi.initialize(instance);
  const memory = new DataView(instance.exports.memory.buffer);
  memory.setUint32(IOVEC, DATA_OFFSET, true);
  memory.setUint32(IOVEC + 4, size, true);
  // The native WASI binding: the reader keeps it (and through it the memory) alive.
  const imports = wasi.wasiImport as {
    fd_read(fd: number, iovs: number, iovsLen: number, nread: number): number;
    fd_fdstat_set_flags(fd: number, flags: number): number;
  };
  return {
    buf: Buffer.from(instance.exports.memory.buffer, DATA_OFFSET, size),
    read(): number | string {
      const errno = imports.fd_read(DEVICE_FD, IOVEC, 1, NREAD);
      return errno === 0 ? memory.getUint32(NREAD, true) : WASI_ERRNO[errno] ?? `WASI errno ${errno}`;
    },
    setBlocking(blocking: boolean): boolean {
      return imports.fd_fdstat_set_flags(DEVICE_FD, blocking ? 0 : FDFLAGS_NONBLOCK) === 0;
    },
  };
}

/**
 * node:wasi, loaded on first use and without its "experimental" warning: that
 * warning is about WASI as a whole, and users would read it as being about
 * memefs.
 */
let wasiClass: typeof WasiClass | undefined;
function loadWasi(): typeof WasiClass {
  if (wasiClass === undefined) {
    const emitWarning = process.emitWarning;
    process.emitWarning = () => {};
    try {
      // A built-in module resolves the same from any path (and import.meta is absent from the CommonJS build).
      wasiClass = (createRequire(process.execPath)('node:wasi') as typeof import('node:wasi')).WASI;
    } finally {
      process.emitWarning = emitWarning;
    }
  }
  return wasiClass;
}

/** A WebAssembly module (binary format) that only exports a memory of `pages` 64 KiB pages, named "memory". */
function memoryModule(pages: number): Uint8Array {
  const leb = (n: number): number[] => (n < 0x80 ? [n] : [(n & 0x7f) | 0x80, ...leb(n >>> 7)]);
  const section = (id: number, content: number[]): number[] => [id, ...leb(content.length), ...content];
  const name = [...Buffer.from('memory')];
  return new Uint8Array([
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, // "\0asm", version 1
    ...section(5, [1, 0x00, ...leb(pages)]), // memory section: one memory, a minimum and no maximum
    ...section(7, [1, ...leb(name.length), ...name, 0x02, 0]), // export section: memory 0 as "memory"
  ]);
}
