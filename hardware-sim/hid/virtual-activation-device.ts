/**
 * A simulated activation device: nothing but its memory. Deliberately no serial number, no
 * counters, no log and no timestamps, because the real device must keep nothing that could
 * reveal who used it or when (ballot secrecy); the simulator must not be kinder than the rule.
 */
import { MAX_BLOB_BYTES, IMAGE_OVERHEAD } from '../../shared/devices/activation/device-image.ts';

export const DEFAULT_DEVICE_CAPACITY = MAX_BLOB_BYTES + IMAGE_OVERHEAD;

export class VirtualActivationDevice {
  private memory: Uint8Array;

  constructor(readonly capacity: number = DEFAULT_DEVICE_CAPACITY) {
    if (!Number.isInteger(capacity) || capacity < 1 || capacity > 2040) throw new Error(`bad device capacity ${capacity}`);
    this.memory = new Uint8Array(capacity);
  }

  readMemory(): Uint8Array {
    return this.memory.slice();
  }

  /**
   * Stores `image` followed by zeros up to the capacity. `tornAt` simulates the device leaving
   * the field during the memory write: only that many bytes of the new content land.
   */
  writeMemory(image: Uint8Array, tornAt?: number): void {
    if (image.length > this.capacity) throw new Error('image larger than the device');
    const next = new Uint8Array(this.capacity);
    next.set(image, 0);
    const limit = tornAt === undefined ? this.capacity : Math.max(0, Math.min(this.capacity, tornAt));
    this.memory.set(next.subarray(0, limit), 0);
  }

  /** Test hook: damage the stored bytes (a failing device). */
  flipByte(offset: number): void {
    const index = ((offset % this.capacity) + this.capacity) % this.capacity;
    this.memory[index] = (this.memory[index] ?? 0) ^ 0xff;
  }
}
