/** The check pass: everything wrong with an image, as fsck.fat would list it (read-only, never repairs). */
import { scanFat } from './reader.js';
import type { ImageSource } from './source.js';

/** Problems found in the image; an empty list means clean. A non-FAT image gives one problem saying why. */
export function checkFat(image: Uint8Array | ImageSource): string[] {
  try {
    return scanFat(image).problems;
  } catch (e) {
    return [e instanceof Error ? e.message : String(e)];
  }
}
