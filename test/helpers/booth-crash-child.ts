/**
 * Child process for test/booth-crash.test.ts: one life of the cabin process, killed with SIGKILL
 * by the parent at random moments. It starts the real cabin host on the data dir given in argv
 * (JSON, see CrashChildArgs) with its own in-process simulated activation reader, the real
 * ESC/POS serial driver on the parent's printer pty (so tickets outlive this process) and a plain
 * directory as the USB stick. The parent drives it over the IPC channel (CrashChildCommand) and
 * sees every screen change (CrashChildReport).
 *
 * The voter device lives in this process, so a crash loses it: the parent re-inserts the SAME
 * token bytes after a restart, which is what a voter handing the same device back amounts to when
 * no consumed mark was written yet.
 */
import fs from 'node:fs';
import type { ContestChoice } from '../../shared/ballot/ballot.ts';
import { loadSigner } from '../../shared/crypto/keyset.ts';
import { encodeImage } from '../../shared/devices/activation/device-image.ts';
import { verifyPackageBytes } from '../../shared/election/package.ts';
import { SimulatedHardware } from '../../hardware-sim/control/simulated-hardware.ts';
import { presidentSignerRole, writeMemberCredential } from '../../shared/credentials/member-credential.ts';
import { startBoothHost, type BoothHost } from '../../booth/host.ts';
import type { BoothHostConfig } from '../../booth/host-config.ts';
import { screenOf } from '../../booth/machine.ts';
import type { BoothScreen } from '../../booth/machine-types.ts';

export interface CrashChildArgs {
  readonly config: BoothHostConfig;
  readonly nowMs: number;
}

export type CrashChildCommand =
  | { readonly op: 'insert'; readonly tokenBase64: string }
  | { readonly op: 'pull' }
  | { readonly op: 'vote'; readonly choices: readonly ContestChoice[] }
  | { readonly op: 'close' };

export type CrashChildReport =
  | { readonly type: 'screen'; readonly screen: BoothScreen; readonly refusal: string | null; readonly detail: string }
  /** Startup (and the puesta a cero of the first life) done: the screen the parent starts from. */
  | { readonly type: 'started'; readonly screen: BoothScreen }
  | { readonly type: 'closed'; readonly screen: BoothScreen }
  | { readonly type: 'fatal'; readonly detail: string };

const args = JSON.parse(process.argv[2] ?? '{}') as CrashChildArgs;
const hardware = new SimulatedHardware();
const reader = hardware.activationReader('reader');
let deviceCounter = 0;

function report(message: CrashChildReport): void {
  process.send?.(message);
}

function fatal(detail: string): never {
  report({ type: 'fatal', detail });
  process.exit(2);
}

function insertBlob(blob: Uint8Array): void {
  reader.pull();
  deviceCounter += 1;
  const device = hardware.activationDevice(`device-${deviceCounter}`);
  device.writeMemory(encodeImage(blob));
  reader.insert(device);
}

function presidentCredential(): Uint8Array {
  const root = JSON.parse(fs.readFileSync(args.config.rootPublicKeyFile, 'utf8')) as { publicKey: string };
  const pkg = verifyPackageBytes(fs.readFileSync(args.config.packagePath), new Uint8Array(Buffer.from(root.publicKey, 'base64')));
  const role = pkg.ok ? presidentSignerRole(pkg.value) : undefined;
  if (role === undefined) fatal('no president in the package');
  const signer = loadSigner(args.config.keysDir, role);
  if (!signer.ok) fatal('president key missing');
  return writeMemberCredential(signer.value.seed, role);
}

async function until(host: BoothHost, wanted: (screen: BoothScreen) => boolean, what: string): Promise<BoothScreen> {
  for (let i = 0; i < 3000; i++) {
    await host.idle();
    const screen = screenOf(host.actor.getSnapshot());
    if (wanted(screen)) return screen;
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  fatal(`expected ${what}, still on ${screenOf(host.actor.getSnapshot())}`);
}

const started = await startBoothHost(args.config, { hardware, clock: () => new Date(args.nowMs) });
if (!started.ok) fatal(`host did not start: ${JSON.stringify(started.error)}`);
const host = started.value;

let lastScreen: BoothScreen | undefined;
const onSnapshot = (snapshot: ReturnType<typeof host.actor.getSnapshot>): void => {
  const screen = screenOf(snapshot);
  if (screen === lastScreen) return;
  lastScreen = screen;
  const { tokenRefusal, outOfServiceReason, printerFault } = snapshot.context;
  report({ type: 'screen', screen, refusal: tokenRefusal?.kind ?? null, detail: JSON.stringify({ outOfServiceReason, printerFault }) });
};
// The self-check may already be over when startBoothHost returns.
onSnapshot(host.actor.getSnapshot());
host.actor.subscribe(onSnapshot);

// The first life of the cabin performs the puesta a cero; later lives recover from the store.
const first = await until(host, (s) => s !== 'self-check', 'the end of the self-check');
if (first === 'awaiting-puesta-a-cero') {
  insertBlob(presidentCredential());
  await until(host, (s) => s === 'ready', 'ready after the puesta a cero');
  reader.pull();
  await host.idle();
}
report({ type: 'started', screen: screenOf(host.actor.getSnapshot()) });

async function closeCabin(): Promise<void> {
  insertBlob(presidentCredential());
  for (let i = 0; i < 3000 && !host.credentialPresent(); i++) await new Promise((resolve) => setTimeout(resolve, 5));
  host.requestClose(true);
  const screen = await until(host, (s) => s === 'closed' || s === 'consolidation-fault' || s === 'printer-fault', 'closed');
  reader.pull();
  await host.idle();
  await host.close();
  hardware.dispose();
  report({ type: 'closed', screen });
  process.disconnect();
}

process.on('message', (command: CrashChildCommand) => {
  switch (command.op) {
    case 'insert':
      insertBlob(new Uint8Array(Buffer.from(command.tokenBase64, 'base64')));
      return;
    case 'pull':
      reader.pull();
      return;
    case 'vote':
      // The same sequence as a voter on the keypad: every contest, review, confirm.
      for (const choice of command.choices) {
        if (choice.kind === 'blank') host.send({ type: 'CHOOSE_BLANK' });
        else if (choice.kind === 'null') host.send({ type: 'CHOOSE_NULL' });
        else {
          host.send({ type: 'CHOOSE_ORGANIZATION', organization: choice.organization });
          host.send({ type: 'SET_PREFERENTIAL', candidates: choice.preferential });
        }
        host.send({ type: 'NEXT' });
      }
      void until(host, (s) => s === 'review', 'review').then(async () => {
        host.send({ type: 'NEXT' });
        await until(host, (s) => s === 'confirm', 'confirm');
        host.send({ type: 'CONFIRM' });
      });
      return;
    case 'close':
      void closeCabin();
      return;
  }
});
