/**
 * The tester panel's page: panel.html with the command catalog (fault kinds and their parameters,
 * keys per keypad profile) taken from the zod schemas, so the page never drifts from what the
 * server accepts.
 */
import type { z } from 'zod';
import { NAVIGATION_KEYS, TWO_SWITCH_KEYS } from '../../shared/devices/keypad/keypad.ts';
import { ReaderFaultSchema, ScannerFaultSchema, USB_STEPS, UsbFaultSchema } from './commands.ts';
import { PRINTER_FAULTS } from './printers.ts';

export const CATALOG_PLACEHOLDER = '"__VEP_CATALOG__"';

type FaultKind = { type: string; params: string[] };

function faultKinds(schema: z.ZodDiscriminatedUnion<z.ZodObject<{ type: z.ZodLiteral<string> }>[]>): FaultKind[] {
  return schema.options.map((option) => ({
    type: option.shape.type.value,
    params: Object.keys(option.shape).filter((key) => key !== 'type'),
  }));
}

export function panelCatalog() {
  return {
    readerFaults: faultKinds(ReaderFaultSchema),
    usbFaults: faultKinds(UsbFaultSchema),
    usbSteps: [...USB_STEPS],
    scannerFaults: faultKinds(ScannerFaultSchema).map((f) => f.type),
    printerFaults: [...PRINTER_FAULTS],
    keys: { navigation: [...NAVIGATION_KEYS], 'two-switch': [...TWO_SWITCH_KEYS] },
  };
}

/** Embeds the catalog in the page's JSON data block; `<` is escaped so no text can close it. */
export function panelHtml(template: string): string {
  if (!template.includes(CATALOG_PLACEHOLDER)) throw new Error('panel.html lacks the catalog placeholder');
  return template.replace(CATALOG_PLACEHOLDER, () => JSON.stringify(panelCatalog()).replace(/</g, '\\u003c'));
}
