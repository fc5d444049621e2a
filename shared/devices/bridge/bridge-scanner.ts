/** The simulator's scanner seen from a station process: a bridge that is gone is an offline scanner. */
import { err, ok, type Result } from '../../result.ts';
import type { ScanImage, Scanner, ScannerError } from '../scanner/scanner.ts';
import { BridgeRpc } from './connection.ts';
import { fromBase64, ScanReplySchema } from './protocol.ts';

export class BridgedScanner implements Scanner {
  private readonly rpc: BridgeRpc;

  constructor(socketPath: string, name: string) {
    this.rpc = new BridgeRpc(socketPath, { t: 'open-scanner', name });
  }

  async scan(): Promise<Result<ScanImage, ScannerError>> {
    let reply: unknown;
    try {
      reply = await this.rpc.call({ op: 'scan' });
    } catch (e) {
      return err({ kind: 'offline', detail: e instanceof Error ? e.message : String(e) });
    }
    const parsed = ScanReplySchema.safeParse(reply);
    if (!parsed.success) return err({ kind: 'offline', detail: 'the device bridge answered the scan with a malformed image' });
    if (!parsed.data.ok) return err(parsed.data.error);
    const image = parsed.data.value;
    return ok({ png: fromBase64(image.png), widthPx: image.widthPx, heightPx: image.heightPx, dpi: image.dpi });
  }

  close(): void {
    this.rpc.close();
  }
}
