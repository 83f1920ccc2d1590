/** An image read in parts: bytes in memory, or a file or device through positioned reads (files.ts). */
export interface ImageSource {
  readonly length: number;
  /** `length` bytes from `position` (a view where the image is in memory: callers must not write to it). */
  read(position: number, length: number): Uint8Array;
  /** Fills `target` with the bytes from `position`. */
  readInto(position: number, target: Uint8Array): void;
}

/** The image as a source: an array is read through views of it. */
export function sourceOf(image: Uint8Array | ImageSource): ImageSource {
  if (!(image instanceof Uint8Array)) return image;
  return {
    length: image.length,
    read: (position, length) => image.subarray(position, position + length),
    readInto: (position, target) => target.set(image.subarray(position, position + target.length)),
  };
}

/** Up to `length` bytes from `position`, fewer where the image ends (none past its end). */
export function readClamped(source: ImageSource, position: number, length: number): Uint8Array {
  const start = Math.min(position, source.length);
  return source.read(start, Math.max(0, Math.min(length, source.length - start)));
}
