/**
 * Transmit a consolidation device's mesa result (and optionally the scanned acta image):
 * verify the package copy against the ONPE root key and the mesa result against the package
 * (a device that fails is handed back, nothing is sent), seal the unit once into the durable
 * outbox, then run the outbox with its backoff until every unit of this device is
 * acknowledged or refused, or `waitMs` passes (the units stay queued for the next run).
 */
import fs from 'node:fs';
import path from 'node:path';
import { describeKeySetError, loadPublicKeyFile, loadSigner, ONPE_ROOT_ROLE, TRANSMISSION_ROLE } from '../shared/crypto/keyset.ts';
import { describePackageError, loadVerifiedPackage } from '../shared/election/package.ts';
import { describeDatabaseOpenError } from '../shared/storage/database.ts';
import { describeMesaResultProblem, MESA_RESULT_FILE_NAME, PACKAGE_COPY_FILE_NAME, verifyMesaResult } from '../shared/results/mesa-result.ts';
import { sendUnit } from '../shared/transmission/client.ts';
import { openOutbox, runOutboxOnce, type OutboxItem } from '../shared/transmission/queue.ts';
import { sealTransmission } from '../shared/transmission/transmission-package.ts';
import { err, ok, type Result } from '../shared/result.ts';

export interface SendDeviceOptions {
  readonly deviceDir: string;
  /** Key folder with public/onpe-root.json and secret/transmission.json. */
  readonly keysDir: string;
  readonly outboxFile: string;
  readonly centreUrl: string;
  /** PEM of the centre certificate (required for https). */
  readonly pinnedCert?: string;
  readonly actaImageFile?: string;
  readonly waitMs: number;
  readonly now?: () => number;
  readonly sleep?: (ms: number) => Promise<void>;
}

export async function sendDevice(options: SendDeviceOptions): Promise<Result<OutboxItem[], string>> {
  const root = loadPublicKeyFile(options.keysDir, ONPE_ROOT_ROLE);
  if (!root.ok) return err(describeKeySetError(root.error));
  const signer = loadSigner(options.keysDir, TRANSMISSION_ROLE);
  if (!signer.ok) return err(describeKeySetError(signer.error));
  const pkg = loadVerifiedPackage(path.join(options.deviceDir, PACKAGE_COPY_FILE_NAME), root.value.publicKey);
  if (!pkg.ok) return err(`device refused: ${describePackageError(pkg.error)}`);
  let mesaBytes: Uint8Array;
  try {
    mesaBytes = new Uint8Array(fs.readFileSync(path.join(options.deviceDir, MESA_RESULT_FILE_NAME)));
  } catch {
    return err(`device refused: it holds no ${MESA_RESULT_FILE_NAME} (no results to transmit)`);
  }
  const verified = verifyMesaResult(mesaBytes, { pkg: pkg.value });
  if (!verified.ok) return err(`device refused: ${verified.error.map(describeMesaResultProblem).join('; ')}`);

  const outbox = openOutbox(options.outboxFile);
  if (!outbox.ok) return err(describeDatabaseOpenError(outbox.error));
  const now = options.now ?? (() => Date.now());
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  try {
    const ids: string[] = [];
    const enqueue = (kind: 'mesa-result' | 'acta-image', plaintext: Uint8Array): Result<void, string> => {
      const item = outbox.value.enqueue(sealTransmission({ pkg: pkg.value, kind, plaintext, signer: signer.value }), now());
      if (!item.ok) return err(item.error);
      ids.push(item.value.id);
      return ok(undefined);
    };
    const r = enqueue('mesa-result', mesaBytes);
    if (!r.ok) return r;
    if (options.actaImageFile !== undefined) {
      let image: Uint8Array;
      try {
        image = new Uint8Array(fs.readFileSync(options.actaImageFile));
      } catch {
        return err(`cannot read the acta image ${options.actaImageFile}`);
      }
      const i = enqueue('acta-image', image);
      if (!i.ok) return i;
    }
    const deadline = now() + options.waitMs;
    const settled = () => ids.every((id) => ['acknowledged', 'refused'].includes(outbox.value.get(id)?.status ?? ''));
    for (;;) {
      await runOutboxOnce({
        outbox: outbox.value,
        send: (unit) => sendUnit(unit, { url: options.centreUrl, ...(options.pinnedCert === undefined ? {} : { pinnedCert: options.pinnedCert }) }),
        packageFor: (hash) => (hash === pkg.value.packageHash ? pkg.value : undefined),
        now,
      });
      if (settled()) break;
      const wake = outbox.value.nextWakeAt();
      if (wake === undefined || wake > deadline) break;
      await sleep(Math.max(0, wake - now()));
    }
    return ok(ids.map((id) => outbox.value.get(id)).filter((item): item is OutboxItem => item !== undefined));
  } finally {
    outbox.value.close();
  }
}
