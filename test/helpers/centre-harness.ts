/**
 * Test world for the computing centre and the transmission queue: a key set, one or more mesa
 * devices built with the real builders (test/helpers/mesa-device.ts), a centre store in a temp
 * dir, the package directory and the receiver, all wired as `vep center serve` wires them.
 */
import type { ExecutionContext } from 'ava';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Signer } from '../../shared/crypto/envelope.ts';
import { loadBoxSecret, loadSigner } from '../../shared/crypto/keyset.ts';
import type { ElectionDefinition } from '../../shared/election/definition.ts';
import type { VerifiedPackage } from '../../shared/election/package.ts';
import { MESA_RESULT_FILE_NAME } from '../../shared/results/mesa-result.ts';
import { sealTransmission } from '../../shared/transmission/transmission-package.ts';
import { packageDirectory, type PackageDirectory } from '../../centre/packages.ts';
import { createReceiver, type ReceiverAnswer, type ReceiverEvent } from '../../centre/receiver.ts';
import { openCentreStore, type CentreStore } from '../../centre/store.ts';
import { buildMesaDevice, type MesaDevice, type MesaDeviceOptions } from './mesa-device.ts';

export function tempDir(t: ExecutionContext): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vep-'));
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

export function must<T, E>(r: { ok: true; value: T } | { ok: false; error: E }): T {
  if (!r.ok) throw new Error(typeof r.error === 'string' ? r.error : JSON.stringify(r.error));
  return r.value;
}

export interface Mesa {
  readonly device: MesaDevice;
  readonly pkg: VerifiedPackage;
  readonly mesaBytes: Uint8Array;
  readonly transmission: Signer;
}

let deviceCounter = 0;

/** A mesa device under `tmp` with the key set in `keysDir` (made on first use). */
export function buildMesa(tmp: string, keysDir: string, options: MesaDeviceOptions = {}): Mesa {
  const device = buildMesaDevice(path.join(tmp, `device-${++deviceCounter}`), { keysDir, ...options });
  return {
    device,
    pkg: device.pkg,
    mesaBytes: new Uint8Array(fs.readFileSync(path.join(device.dir, MESA_RESULT_FILE_NAME))),
    transmission: must(loadSigner(keysDir, 'transmission')),
  };
}

export function sealResultUnit(mesa: Mesa, bytes: Uint8Array = mesa.mesaBytes): Uint8Array {
  return sealTransmission({ pkg: mesa.pkg, kind: 'mesa-result', plaintext: bytes, signer: mesa.transmission });
}

export interface CentreWorld {
  readonly tmp: string;
  readonly keysDir: string;
  readonly mesa: Mesa;
  readonly store: CentreStore;
  readonly dbFile: string;
  readonly packages: PackageDirectory;
  readonly receive: (unit: Uint8Array) => ReceiverAnswer;
  readonly events: ReceiverEvent[];
  readonly centreSigner: Signer;
  /** Advances the receiver's clock. */
  tick(ms: number): void;
}

export interface CentreWorldOptions {
  readonly real?: boolean;
  readonly definition?: ElectionDefinition;
  readonly tmp?: string;
  readonly keysDir?: string;
}

export function realDefinition(definition: ElectionDefinition): ElectionDefinition {
  return { ...definition, election: { ...definition.election, simulacro: false } };
}

/**
 * Key generation and device building dominate test time, so worlds without their own tmp share
 * one key set and one device per (definition, mode) within a test file; every world still gets
 * its own centre store. The shared folder is removed when the worker exits.
 */
let shared: { tmp: string; keysDir: string; mesas: Map<string, Mesa> } | undefined;
function sharedMesa(definition: ElectionDefinition | undefined, real: boolean): { tmp: string; keysDir: string; mesa: Mesa } {
  if (shared === undefined) {
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'vep-'));
    process.on('exit', () => fs.rmSync(tmp, { recursive: true, force: true }));
    shared = { tmp, keysDir: path.join(tmp, 'keys'), mesas: new Map() };
  }
  const key = `${definition?.election.id ?? 'default'}|${definition?.mesa.number ?? ''}|${String(real)}`;
  let mesa = shared.mesas.get(key);
  if (mesa === undefined) {
    mesa = buildMesa(shared.tmp, shared.keysDir, definition === undefined ? {} : { definition });
    shared.mesas.set(key, mesa);
  }
  return { tmp: shared.tmp, keysDir: shared.keysDir, mesa };
}

export function makeCentreWorld(t: ExecutionContext, options: CentreWorldOptions = {}): CentreWorld {
  const real = options.real ?? false;
  let tmp: string;
  let keysDir: string;
  let mesa: Mesa;
  if (options.tmp === undefined && options.keysDir === undefined) {
    ({ keysDir, mesa } = sharedMesa(options.definition, real));
    tmp = tempDir(t);
  } else {
    tmp = options.tmp ?? tempDir(t);
    keysDir = options.keysDir ?? path.join(tmp, 'keys');
    mesa = buildMesa(tmp, keysDir, options.definition === undefined ? {} : { definition: options.definition });
  }
  const centreSigner = must(loadSigner(keysDir, 'centre'));
  const box = must(loadBoxSecret(keysDir));
  const packages = must(
    packageDirectory([mesa.pkg], { real, centreSigningPublicKey: centreSigner.publicKey, centreBoxPublicKey: box.publicKey }),
  );
  const dbFile = path.join(tmp, 'centre.db');
  const store = must(openCentreStore(dbFile));
  t.teardown(() => store.close());
  let now = Date.parse('2026-04-12T23:30:00Z');
  const events: ReceiverEvent[] = [];
  const receive = createReceiver({
    store,
    packages,
    signer: centreSigner,
    boxSecret: box.secretKey,
    clock: () => new Date(now),
    onEvent: (e) => events.push(e),
  });
  return { tmp, keysDir, mesa, store, dbFile, packages, receive, events, centreSigner, tick: (ms) => (now += ms) };
}
