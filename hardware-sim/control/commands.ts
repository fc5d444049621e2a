/**
 * The commands the control surface accepts (from tests in-process, or as JSON over HTTP from a
 * tester panel), parsed with zod at the boundary.
 */
import { z } from 'zod';
import { NAVIGATION_KEYS, TWO_SWITCH_KEYS } from '../../shared/devices/keypad/keypad.ts';
import { PRINTER_FAULTS } from './printers.ts';

const name = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/);
const key = z.enum([...NAVIGATION_KEYS, ...TWO_SWITCH_KEYS]);
/** What a keyboard-wedge reader can type (virtual-dni-reader.ts): digits, letters, space, '-' and '.'. */
const scanText = z.string().max(64).regex(/^[0-9A-Za-z .-]*$/);
const count = z.number().int().min(0).max(100_000);

export const ReaderFaultSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('garbage-report') }),
  z.object({ type: z.literal('wrong-checksum') }),
  z.object({ type: z.literal('truncated-report') }),
  z.object({ type: z.literal('drop-last-report') }),
  z.object({ type: z.literal('no-response') }),
  z.object({ type: z.literal('slow'), delayMs: z.number().int().min(0).max(10_000) }),
  z.object({ type: z.literal('pull-after-reports'), reports: count }),
  z.object({ type: z.literal('torn-write'), bytes: count }),
]);

export const USB_STEPS = ['create', 'write', 'sync', 'close', 'rename', 'sync-dir', 'unlink'] as const;
const usbStep = z.enum(USB_STEPS);
export const UsbFaultSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('remove-before-op'), index: count }),
  z.object({ type: z.literal('remove-before'), step: usbStep }),
  z.object({ type: z.literal('remove-after'), step: usbStep }),
  z.object({ type: z.literal('remove-at-byte'), byte: z.number().int().min(0) }),
  z.object({ type: z.literal('corrupt-next-read'), offset: z.number().int().min(0) }),
]);

export const ScannerFaultSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('jam') }),
  z.object({ type: z.literal('offline') }),
  z.object({ type: z.literal('online') }),
]);

export const PrinterFaultSchema = z.enum(PRINTER_FAULTS);
/** Paper lengths in mm: a standard roll is 80 m; a few km is more than any roll. */
const paperMm = z.number().min(0).max(10_000_000);

const base64 = z.string().max(16 * 1024 * 1024).regex(/^[A-Za-z0-9+/]*={0,2}$/);

export const SimCommandSchema = z.discriminatedUnion('action', [
  z.object({ action: z.literal('activation.insert'), reader: name, device: name, capacity: z.number().int().min(16).max(2040).optional() }),
  z.object({ action: z.literal('activation.pull'), reader: name }),
  /** Takes the device out of whatever reader holds it and puts it in `reader`. */
  z.object({ action: z.literal('activation.move'), device: name, reader: name }),
  z.object({ action: z.literal('activation.fault'), reader: name, fault: ReaderFaultSchema }),
  z.object({ action: z.literal('activation.clear-faults'), reader: name }),
  z.object({ action: z.literal('activation.disconnect'), reader: name }),
  z.object({ action: z.literal('activation.reconnect'), reader: name }),
  z.object({ action: z.literal('keypad.press'), keypad: name, key }),
  z.object({ action: z.literal('keypad.hold'), keypad: name, key, reports: z.number().int().min(1).max(1000).optional() }),
  z.object({ action: z.literal('keypad.release'), keypad: name, key }),
  z.object({ action: z.literal('keypad.raw'), keypad: name, reportBase64: base64 }),
  z.object({ action: z.literal('keypad.unplug'), keypad: name }),
  z.object({ action: z.literal('keypad.replug'), keypad: name }),
  /** A document passed in front of a DNI reader: what its barcode holds (digits, or letters to try a bad read). */
  z.object({ action: z.literal('dni.scan'), reader: name, text: scanText }),
  /** The same scan with one report corrupted on the way: the station must refuse it as unreadable. */
  z.object({ action: z.literal('dni.scan-garbled'), reader: name, text: scanText }),
  z.object({ action: z.literal('dni.unplug'), reader: name }),
  z.object({ action: z.literal('dni.replug'), reader: name }),
  z.object({ action: z.literal('usb.insert'), stick: name }),
  z.object({ action: z.literal('usb.remove'), stick: name }),
  /** The medium in port `stick` is pulled and plugged into the empty port `to`. */
  z.object({ action: z.literal('usb.move'), stick: name, to: name }),
  z.object({ action: z.literal('usb.fault'), stick: name, fault: UsbFaultSchema }),
  z.object({ action: z.literal('usb.clear-faults'), stick: name }),
  z.object({ action: z.literal('usb.read-only'), stick: name, readOnly: z.boolean() }),
  z.object({ action: z.literal('usb.corrupt-file'), stick: name, file: name, offset: z.number().int().min(0) }),
  z.object({ action: z.literal('scanner.place-png'), scanner: name, pngBase64: base64, dpi: z.number().int().min(50).max(1200).optional() }),
  z.object({ action: z.literal('scanner.place-text'), scanner: name, text: z.string().max(100_000) }),
  z.object({ action: z.literal('scanner.remove-paper'), scanner: name }),
  z.object({ action: z.literal('scanner.fault'), scanner: name, fault: ScannerFaultSchema }),
  /** With `afterItems`, the fault arises after that many more printed lines or images. */
  z.object({ action: z.literal('printer.fault'), printer: name, fault: PrinterFaultSchema, afterItems: count.optional() }),
  /** Without `fault`, clears every active fault; clearing paper-out loads a new roll. */
  z.object({ action: z.literal('printer.clear'), printer: name, fault: PrinterFaultSchema.optional() }),
  z.object({ action: z.literal('printer.refill'), printer: name, lengthMm: paperMm.positive().optional() }),
  z.object({ action: z.literal('printer.paper-low'), printer: name, thresholdMm: paperMm }),
  z.object({ action: z.literal('printer.slow'), printer: name, delayMs: z.number().int().min(0).max(60_000) }),
  /** The simulated wall clock (`vep start`): forward only, at most a day per step. */
  z.object({ action: z.literal('clock.advance'), minutes: z.number().int().min(1).max(24 * 60) }),
  z.object({ action: z.literal('clock.set'), at: z.iso.datetime({ offset: true }) }),
]);

export type SimCommand = z.infer<typeof SimCommandSchema>;
