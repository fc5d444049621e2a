/**
 * `vep center serve` as a function: loads the centre's keys (its `centre` signing key, its
 * `centre-box` secret, the ONPE root public key), verifies every package it is given, opens its
 * store, makes (once) its TLS certificate and listens on 127.0.0.1 by default.
 */
import { describeKeySetError, loadBoxSecret, loadPublicKeyFile, loadSigner, ONPE_ROOT_ROLE, CENTRE_SIGNING_ROLE } from '../shared/crypto/keyset.ts';
import { err, ok, type Result } from '../shared/result.ts';
import { loadPackageDirectory } from './packages.ts';
import { createReceiver, type ReceiverEvent } from './receiver.ts';
import { startCentreServer } from './server.ts';
import { describeCentreStoreError, openCentreStore } from './store.ts';
import { ensureCentreTls } from './tls.ts';

export interface CentreServiceOptions {
  /** Package files or folders of package files. */
  readonly packagePaths: readonly string[];
  readonly keysDir: string;
  readonly dbFile: string;
  readonly real: boolean;
  readonly host?: string;
  readonly port?: number;
  /** Default true: HTTPS with the centre's pinned self-signed certificate. */
  readonly tls?: boolean;
  readonly clock?: () => Date;
  readonly onEvent?: (event: ReceiverEvent) => void;
}

export interface RunningCentre {
  readonly url: string;
  readonly electionId: string;
  readonly packages: number;
  /** The certificate stations pin (absent without TLS). */
  readonly certFile: string | undefined;
  readonly fingerprint256: string | undefined;
  close(): Promise<void>;
}

export async function startCentre(options: CentreServiceOptions): Promise<Result<RunningCentre, string>> {
  const root = loadPublicKeyFile(options.keysDir, ONPE_ROOT_ROLE);
  if (!root.ok) return err(describeKeySetError(root.error));
  const signer = loadSigner(options.keysDir, CENTRE_SIGNING_ROLE);
  if (!signer.ok) return err(describeKeySetError(signer.error));
  const box = loadBoxSecret(options.keysDir);
  if (!box.ok) return err(describeKeySetError(box.error));
  const packages = loadPackageDirectory(options.packagePaths, root.value.publicKey, {
    real: options.real,
    centreSigningPublicKey: signer.value.publicKey,
    centreBoxPublicKey: box.value.publicKey,
  });
  if (!packages.ok) return err(packages.error);
  const tls = options.tls === false ? undefined : ensureCentreTls(options.keysDir);
  if (tls !== undefined && !tls.ok) return err(tls.error);
  const store = openCentreStore(options.dbFile);
  if (!store.ok) return err(describeCentreStoreError(store.error));
  const receive = createReceiver({
    store: store.value,
    packages: packages.value,
    signer: signer.value,
    boxSecret: box.value.secretKey,
    clock: options.clock ?? (() => new Date()),
    ...(options.onEvent === undefined ? {} : { onEvent: options.onEvent }),
  });
  let server;
  try {
    server = await startCentreServer({
      receive,
      onError: (e) => process.stderr.write(`centre: receiving failed: ${e instanceof Error ? e.message : String(e)}\n`),
      host: options.host ?? '127.0.0.1',
      port: options.port ?? 0,
      ...(tls === undefined ? {} : { tls: { key: tls.value.key, cert: tls.value.cert } }),
    });
  } catch (e) {
    store.value.close();
    return err(`cannot listen: ${e instanceof Error ? e.message : String(e)}`);
  }
  const running = server;
  return ok({
    url: running.url,
    electionId: packages.value.electionId,
    packages: packages.value.size,
    certFile: tls?.value.certFile,
    fingerprint256: tls?.value.fingerprint256,
    close: async () => {
      await running.close();
      store.value.close();
    },
  });
}
