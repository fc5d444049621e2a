/**
 * The keypad wired through the real cabin host: the signed eg2026 package, the vote store, the
 * simulated activation reader, printer and USB, and a simulated HID navigation keypad configured
 * as the cabin's `keypad` device. A voter votes blank in every contest with the keypad alone; the
 * host forwards the keys, the cabin stores the ballot and prints the constancia.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import test from 'ava';
import type { ExecutionContext } from 'ava';
import { issueToken } from '../shared/activation/token.ts';
import { generateKeySet, loadSigner, publicKeyFile } from '../shared/crypto/keyset.ts';
import { encodeImage } from '../shared/devices/activation/device-image.ts';
import type { KeyName, KeypadProfile } from '../shared/devices/keypad/keypad.ts';
import { buildPackage, verifyPackageBytes } from '../shared/election/package.ts';
import { fromBase64Strict } from '../shared/crypto/base64.ts';
import { SimulatedHardware } from '../hardware-sim/control/simulated-hardware.ts';
import { presidentSignerRole, writeMemberCredential } from '../shared/credentials/member-credential.ts';
import { startBoothHost, type BoothHost } from '../booth/host.ts';
import type { BoothHostConfig } from '../booth/host-config.ts';
import { screenOf } from '../booth/machine.ts';
import type { BoothScreen } from '../booth/machine-types.ts';
import { EG2026_OPEN_AT, loadEg2026 } from './helpers/booth-harness.ts';

const EG = loadEg2026();

function rootKey(keysDir: string): Uint8Array {
  const parsed = JSON.parse(fs.readFileSync(publicKeyFile(keysDir, 'onpe-root'), 'utf8')) as { publicKey: string };
  const key = fromBase64Strict(parsed.publicKey, 32);
  if (!key.ok) throw new Error('root key');
  return key.value;
}

async function until(host: BoothHost, wanted: BoothScreen): Promise<void> {
  for (let i = 0; i < 1500; i++) {
    await host.idle();
    if (screenOf(host.actor.getSnapshot()) === wanted) return;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error(`expected screen ${wanted}, still on ${screenOf(host.actor.getSnapshot())}`);
}

async function startCabin(t: ExecutionContext, profile: KeypadProfile = 'navigation') {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vep-'));
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  const keysDir = path.join(dir, 'keys');
  const generated = generateKeySet(keysDir, { cabins: EG.mesa.cabins, members: EG.members.length });
  if (!generated.ok) throw new Error(`keys: ${JSON.stringify(generated.error)}`);
  const built = buildPackage(EG, keysDir);
  if (!built.ok) throw new Error(`package: ${JSON.stringify(built.error)}`);
  const packagePath = path.join(dir, 'package.vep');
  fs.writeFileSync(packagePath, built.value);
  const hardware = new SimulatedHardware();
  t.teardown(() => hardware.dispose());
  const config: BoothHostConfig = {
    packagePath,
    rootPublicKeyFile: publicKeyFile(keysDir, 'onpe-root'),
    cabinId: 'cabin-1',
    dataDir: path.join(dir, 'data'),
    keysDir,
    devices: {
      activationReader: { kind: 'simulated', name: 'reader', timeoutMs: 3000 },
      consolidation: { kind: 'simulated', name: 'usb', writeOnce: false, inserted: true },
      printer: { kind: 'simulated-pty' },
      keypad: { kind: 'simulated', name: 'keypad', profile },
    },
  };
  const started = await startBoothHost(config, { hardware, clock: () => new Date(EG2026_OPEN_AT) });
  if (!started.ok) throw new Error(`host did not start: ${JSON.stringify(started.error)}`);
  const host = started.value;
  t.teardown(() => host.close());

  const pkg = verifyPackageBytes(fs.readFileSync(packagePath), rootKey(keysDir));
  const role = pkg.ok ? presidentSignerRole(pkg.value) : undefined;
  const president = role === undefined ? undefined : loadSigner(keysDir, role);
  const identity = loadSigner(keysDir, 'identity');
  if (role === undefined || president === undefined || !president.ok || !identity.ok) throw new Error('fixture keys');
  const reader = hardware.activationReader('reader');
  await until(host, 'awaiting-puesta-a-cero');
  const credential = hardware.activationDevice('credential');
  credential.writeMemory(encodeImage(writeMemberCredential(president.value.seed, role)));
  reader.insert(credential);
  await until(host, 'ready');
  reader.pull();
  await host.idle();

  const issued = issueToken({
    electionId: EG.election.id,
    mesa: EG.mesa.number,
    simulacro: EG.election.simulacro,
    now: new Date(EG2026_OPEN_AT),
    validityMinutes: 60,
    signer: identity.value,
  });
  const voter = hardware.activationDevice('voter');
  voter.writeMemory(encodeImage(issued.bytes));
  return { host, hardware, reader, voter };
}

test('a vote with the HID keypad alone through the real cabin host', async (t) => {
  const { host, hardware, reader, voter } = await startCabin(t);
  const session = host.accessibility;
  if (session === undefined) return t.fail('the host started no accessibility session');
  const keypad = hardware.keypad('keypad', 'navigation');
  const press = async (key: KeyName) => {
    keypad.press(key);
    for (let i = 0; i < 20; i++) await new Promise<void>((resolve) => setImmediate(resolve));
  };
  const spoken: string[] = [];
  session.controller.onSpeak((utterance) => spoken.push(...utterance.prompts.map((prompt) => prompt.id)));

  reader.insert(voter);
  await until(host, 'contest');
  for (const contest of EG.contests) {
    // From the first organization, "up" wraps to the end of the list: privacy, (back), next, null, blank.
    for (let i = 0; i < 8 && session.controller.view().focus !== 'blank'; i++) await press('up');
    t.is(session.controller.view().focus, 'blank', contest.id);
    await press('select');
    t.deepEqual(host.actor.getSnapshot().context.draft[contest.id], { kind: 'blank' });
    for (let i = 0; i < 3 && session.controller.view().focus !== 'next'; i++) await press('down');
    await press('select');
  }
  await until(host, 'review');
  for (let i = 0; i < 8 && session.controller.view().focus !== 'next'; i++) await press('down');
  await press('select');
  await until(host, 'confirm');
  await press('select');
  await until(host, 'remove-device');
  t.true(spoken.includes('contest.parlamento-andino.intro') && spoken.includes('screen.confirm'));
  const tickets = host.devices.printer?.simulator?.emulator.completeTickets() ?? [];
  t.is(tickets.length, 2, 'puesta a cero report and the constancia');
  t.regex(tickets[1]?.text ?? '', /CONSTANCIA/u);
});

test('a cabin configured with a two-switch device speaks the switch instructions, and the move switch moves the focus', async (t) => {
  const { host, hardware, reader, voter } = await startCabin(t, 'two-switch');
  const session = host.accessibility;
  if (session === undefined) return t.fail('the host started no accessibility session');
  const spoken: { id: string; text: string }[] = [];
  session.controller.onSpeak((utterance) => spoken.push(...utterance.prompts));
  reader.insert(voter);
  await until(host, 'contest');
  const intro = spoken.find((prompt) => prompt.id.startsWith('contest.presidencial.intro'));
  t.is(intro?.id, 'contest.presidencial.intro-two-switch');
  t.regex(intro?.text ?? '', /El interruptor Mover recorre las opciones; el interruptor Seleccionar elige\.$/u);
  hardware.keypad('keypad', 'two-switch').press('move');
  for (let i = 0; i < 20 && session.controller.view().focus !== 'org-2'; i++) await new Promise<void>((resolve) => setImmediate(resolve));
  t.is(session.controller.view().focus, 'org-2');
  t.is(spoken.at(-1)?.id, 'org.presidencial.2');
});
