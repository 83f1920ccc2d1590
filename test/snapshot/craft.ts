/** Hand-made tar archives for the hostile-input tests, and loading from memory. */
import { Volume, type VolumeOptions } from '../../src/core/index.js';
import { readArchive, type ReadResult } from '../../src/formats/snapshot/index.js';
import { encodeRecord } from '../../src/formats/snapshot/pax-records.js';
import { BLOCK, TYPE, encodeHeader, type HeaderFields } from '../../src/formats/snapshot/ustar.js';

export { TYPE };

export class Craft {
  private parts: Buffer[] = [];

  header(fields: Omit<Partial<HeaderFields>, 'name'> & { name: string | Uint8Array }, body: Uint8Array = new Uint8Array(0)): this {
    const name = typeof fields.name === 'string' ? Buffer.from(fields.name) : fields.name;
    const linkname = fields.linkname ?? new Uint8Array(0);
    const h = encodeHeader({
      mode: 0o644, uid: 0, gid: 0, size: body.length, mtime: 1_000_000, typeflag: TYPE.file, devmajor: 0, devminor: 0,
      prefix: new Uint8Array(0), ...fields, name, linkname,
    });
    this.parts.push(Buffer.from(h), Buffer.from(body), Buffer.alloc((BLOCK - (body.length % BLOCK)) % BLOCK));
    return this;
  }

  file(name: string | Uint8Array, content: string | Uint8Array = '', extra: Omit<Partial<HeaderFields>, 'name'> = {}): this {
    return this.header({ name, ...extra }, typeof content === 'string' ? Buffer.from(content) : content);
  }

  dir(name: string): this {
    return this.header({ name, typeflag: TYPE.dir, mode: 0o755 });
  }

  pax(records: [string, string | Uint8Array][]): this {
    const body = Buffer.concat(records.map(([k, v]) => Buffer.from(encodeRecord(k, v))));
    return this.header({ name: 'PaxHeaders/x', typeflag: TYPE.paxLocal }, body);
  }

  /** Raw bytes as they are (no padding). */
  raw(bytes: Uint8Array): this {
    this.parts.push(Buffer.from(bytes));
    return this;
  }

  end(): Buffer {
    return Buffer.concat([...this.parts, Buffer.alloc(2 * BLOCK)]);
  }
}

export function loadBytes(bytes: Uint8Array, options: VolumeOptions = {}): Promise<ReadResult> {
  return readArchive({
    size: bytes.length,
    read: async (buffer, position) => {
      const n = Math.max(0, Math.min(buffer.length, bytes.length - position));
      buffer.set(bytes.subarray(position, position + n));
      return n;
    },
  }, options);
}

/** Every path in a volume, for checking what a hostile archive managed to create. */
export function paths(volume: Volume): string[] {
  const out: string[] = [];
  const visit = (dir: typeof volume.root, prefix: string) => {
    for (const e of dir.dir!.entriesAfter(0)) {
      out.push(prefix + e.name);
      if (e.inode.dir) visit(e.inode, `${prefix}${e.name}/`);
    }
  };
  visit(volume.root, '');
  return out;
}
