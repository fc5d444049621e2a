/**
 * Simulated DNI reader: a barcode reader in keyboard-wedge mode (hid/PROTOCOL.md section 6). A
 * scan "types" the text as one press and one release report per character, then Enter, exactly
 * as a real reader does; fault injection sends any bytes, or a scan garbled mid-way.
 *
 * Secrecy: the simulator keeps no record of what it sent (its state has no text).
 */
import { err, ok, type Result } from '../../shared/result.ts';
import type { HidTransport } from '../../shared/devices/hid/transport.ts';
import { KEYBOARD_REPORT_SIZE } from '../../shared/devices/keypad/keyboard-report.ts';
import { usageForChar } from '../../shared/devices/dni-reader/wedge-decoder.ts';
import { VirtualHidHost, type VirtualHidDeviceSide } from './virtual-hid-link.ts';

const ENTER = 0x28;
const LEFT_SHIFT = 0x02;

export class VirtualDniReader implements VirtualHidDeviceSide {
  private host: VirtualHidHost | undefined;
  private connected = true;

  get state(): { connected: boolean; open: boolean } {
    return { connected: this.connected, open: this.host !== undefined && !this.host.closed };
  }

  openHost(): Result<HidTransport, string> {
    if (!this.connected) return err('DNI reader not connected');
    if (this.host !== undefined && !this.host.closed) return err('DNI reader already open');
    this.host = new VirtualHidHost(this);
    return ok(this.host);
  }

  /**
   * A document passed in front of the reader: `text` (the DNI's 8 digits, or anything a tester
   * wants to try) followed by Enter. Throws on a character no keyboard wedge can type (a test bug).
   */
  scan(text: string): void {
    for (const char of text) {
      const key = usageForChar(char);
      if (key === undefined) throw new Error(`a keyboard-wedge reader cannot type ${JSON.stringify(char)}`);
      this.key(key.usage, key.shift);
    }
    this.key(ENTER, false);
  }

  /** A scan whose link corrupted one report half-way: the reading must arrive as garbled. */
  scanGarbled(text: string): void {
    const half = Math.floor(text.length / 2);
    for (const [i, char] of [...text].entries()) {
      if (i === half) this.sendRaw(new Uint8Array([0, 0, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01]));
      const key = usageForChar(char);
      if (key !== undefined) this.key(key.usage, key.shift);
    }
    this.key(ENTER, false);
  }

  /** Fault injection: any bytes as an input report. */
  sendRaw(report: Uint8Array): void {
    this.host?.deliver(report);
  }

  unplug(): void {
    this.connected = false;
    this.host?.fail('DNI reader unplugged');
    this.host = undefined;
  }

  replug(): void {
    this.connected = true;
  }

  receive(): void {
    // Output reports (keyboard LEDs) mean nothing to a reader.
  }

  hostClosed(host: VirtualHidHost): void {
    if (this.host === host) this.host = undefined;
  }

  private key(usage: number, shift: boolean): void {
    const down = new Uint8Array(KEYBOARD_REPORT_SIZE);
    down[0] = shift ? LEFT_SHIFT : 0;
    down[2] = usage;
    this.sendRaw(down);
    this.sendRaw(new Uint8Array(KEYBOARD_REPORT_SIZE));
  }
}
