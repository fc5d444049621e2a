/**
 * deploy/config/*.example.json against the real host-config schemas (so they cannot drift from
 * the code), and against the rest of deploy/: the data dir each unit owns, the printer and
 * reader names udev creates, the consolidation mount point that udev, tmpfiles and polkit share.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import test from 'ava';
import type { z } from 'zod';
import { BoothHostConfigSchema } from '../booth/host-config.ts';
import { IdentityHostConfigSchema } from '../identity-station/host-config.ts';
import { ResultsHostConfigSchema } from '../results-station/host-config.ts';
import { TransmissionHostConfigSchema } from '../transmission-station/host-config.ts';
import type { DevicesConfigSchema } from '../shared/devices/factory.ts';
import { DEPLOY_DIR, expandSpecifiers, readUnitFile, unitValue } from './helpers/deploy-unit-file.ts';

type Devices = z.output<typeof DevicesConfigSchema>;
interface ParsedExample {
  readonly packagePath: string;
  readonly rootPublicKeyFile: string;
  readonly dataDir: string;
  readonly keysDir: string;
  readonly devices: Devices;
}

const EXAMPLES = [
  { file: 'booth.example.json', unit: 'vep-booth@.service', instance: '1', parse: (raw: unknown) => BoothHostConfigSchema.safeParse(raw) },
  { file: 'identity.example.json', unit: 'vep-identity.service', instance: '', parse: (raw: unknown) => IdentityHostConfigSchema.safeParse(raw) },
  { file: 'results.example.json', unit: 'vep-results.service', instance: '', parse: (raw: unknown) => ResultsHostConfigSchema.safeParse(raw) },
] as const;

const readDeploy = (relative: string): string => fs.readFileSync(path.join(DEPLOY_DIR, relative), 'utf8');
const udevRules = readDeploy('udev/99-vep.rules');
const activeUdevLines = udevRules.split('\n').filter((l) => l.trim() !== '' && !l.trim().startsWith('#'));

function parseExample(file: string, parse: (raw: unknown) => z.ZodSafeParseResult<ParsedExample>): ParsedExample {
  const parsed = parse(JSON.parse(readDeploy(`config/${file}`)));
  if (!parsed.success) throw new Error(`${file}: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  return parsed.data;
}

test('deploy/config holds exactly the examples this test parses', (t) => {
  t.deepEqual(fs.readdirSync(path.join(DEPLOY_DIR, 'config')).sort(), [...EXAMPLES.map((e) => e.file), 'transmission.example.json', 'transmission-module.example.json'].sort());
});

for (const example of EXAMPLES) {
  test(`${example.file} parses with the station's own schema, uses real devices only and the paths its unit sets up`, (t) => {
    const config = parseExample(example.file, example.parse);
    const unit = readUnitFile(path.join(DEPLOY_DIR, 'systemd', example.unit));
    const stateDirectory = expandSpecifiers(unitValue(unit, 'Service', 'StateDirectory') ?? '', example.instance);
    t.is(config.dataDir, `/var/lib/${stateDirectory}`, 'the directory systemd creates for the station, owned by vep');
    t.is(config.rootPublicKeyFile, path.posix.join(config.keysDir, 'public', 'onpe-root.json'));
    t.is(config.packagePath, '/etc/vep/paquete-electoral.vep');
    t.is(config.keysDir, '/etc/vep/keys');
    const { activationReader, printer, consolidation } = config.devices;
    // What every station host requires (devices-missing otherwise), all real hardware: a
    // deployed station never loads hardware-sim/.
    t.is(activationReader?.kind, 'real');
    t.is(printer?.kind, 'escpos-serial');
    t.is(consolidation?.kind, 'real');
    t.not(config.devices.keypad?.kind, 'simulated');
    t.is(config.devices.scanner, undefined);
    if (printer?.kind === 'escpos-serial') t.is(printer.path, '/dev/vep-printer');
    if (activationReader?.kind === 'real') t.deepEqual(activationReader.device, { path: '/dev/vep-activation-reader' });
    if (consolidation?.kind === 'real') {
      t.is(consolidation.mountPath, '/media/vep/consolidacion');
      t.true(consolidation.requireMountPoint, 'an unmounted stick must read as absent, not as an empty folder');
      t.deepEqual(consolidation.ejectCommand, ['/usr/bin/systemd-umount', consolidation.mountPath]);
    }
  });
}

test('transmission.example.json parses with the transmission schema: real devices (printer, SANE scanner, consolidation port), write-once backup media in the same port, pinned https centre, the paths vep-transmission sets up', (t) => {
  const config = TransmissionHostConfigSchema.parse(JSON.parse(readDeploy('config/transmission.example.json')));
  const unit = readUnitFile(path.join(DEPLOY_DIR, 'systemd', 'vep-transmission.service'));
  t.is(config.dataDir, `/var/lib/${unitValue(unit, 'Service', 'StateDirectory') ?? ''}`);
  t.is(config.rootPublicKeyFile, path.posix.join(config.keysDir, 'public', 'onpe-root.json'));
  t.is(config.packagePath, '/etc/vep/paquete-electoral.vep');
  t.is(config.keysDir, '/etc/vep/keys');
  t.is(config.devices.printer?.kind, 'escpos-serial');
  t.is(config.devices.scanner?.kind, 'real');
  t.is(config.devices.consolidation?.kind, 'real');
  t.true(config.centre.url.startsWith('https://'));
  t.truthy(config.centre.certFile, 'the centre certificate is pinned');
  for (const medium of [config.devices.consolidation, ...config.backupMedia]) {
    if (medium?.kind !== 'real') return t.fail('every medium is real hardware');
    t.is(medium.mountPath, '/media/vep/consolidacion', 'the one mount point udev, tmpfiles and polkit share');
    t.true(medium.requireMountPoint);
  }
  t.true(config.backupMedia.every((m) => m.writeOnce));
});

test('booth.example.json is cabin 1 with the accessibility keypad, matching vep-booth@1', (t) => {
  const config = BoothHostConfigSchema.parse(JSON.parse(readDeploy('config/booth.example.json')));
  t.is(config.cabinId, 'cabin-1');
  t.is(config.devices.keypad?.kind, 'real');
  if (config.devices.keypad?.kind === 'real') t.deepEqual(config.devices.keypad.device, { path: '/dev/vep-keypad' });
});

test('udev rules: every active rule is well-formed; they give group vep the printers and hidraw, name the printer, and mount the consolidation device where the configs look', (t) => {
  for (const line of activeUdevLines) {
    const tokens = splitUdevRule(line);
    t.true(tokens !== undefined, `balanced quotes in: ${line}`);
    const parsed = (tokens ?? []).map(parseUdevToken);
    for (const [i, tok] of parsed.entries()) t.truthy(tok, `udev token "${tokens?.[i] ?? ''}" in: ${line}`);
    t.true(parsed.some((tok) => tok?.operator === '==' || tok?.operator === '!='), `rule has a match: ${line}`);
    t.true(parsed.some((tok) => tok !== undefined && tok.operator !== '==' && tok.operator !== '!='), `rule has an assignment: ${line}`);
  }
  const printerRule = activeUdevLines.find((l) => l.includes('SUBSYSTEM=="tty"'));
  t.truthy(printerRule);
  for (const part of ['ttyUSB[0-9]*', 'ttyACM[0-9]*', 'GROUP="vep"', 'MODE="0660"', 'SYMLINK+="vep-printer"', 'ENV{ID_MM_DEVICE_IGNORE}="1"']) {
    t.true(printerRule?.includes(part), part);
  }
  const hidrawRule = activeUdevLines.find((l) => l.includes('SUBSYSTEM=="hidraw"'));
  t.true(hidrawRule?.includes('GROUP="vep"') && hidrawRule.includes('MODE="0660"'));
  // The pinned rules that create the reader and keypad names the configs use are documented.
  t.true(udevRules.includes('SYMLINK+="vep-activation-reader"'));
  t.true(udevRules.includes('SYMLINK+="vep-keypad"'));
  const mountRule = activeUdevLines.find((l) => l.includes('SUBSYSTEM=="block"'));
  t.truthy(mountRule);
  t.true(mountRule?.includes('RUN+="/usr/bin/systemd-mount --no-block --automount=no --collect --owner=vep'));
  t.true(mountRule?.includes('$devnode /media/vep/consolidacion"'));
  t.true(mountRule?.includes('ENV{UDISKS_IGNORE}="1"'));
  t.true(mountRule?.includes('noexec'));
});

test('tmpfiles creates the consolidation mount point for vep; polkit lets vep stop exactly its mount unit; sysusers keeps the kiosk user out of group vep', (t) => {
  const tmpfiles = readDeploy('tmpfiles.d/vep.conf')
    .split('\n')
    .filter((l) => l.trim() !== '' && !l.startsWith('#'))
    .map((l) => l.trim().split(/\s+/u));
  for (const fields of tmpfiles) t.is(fields.length, 6, fields.join(' '));
  t.true(tmpfiles.some((f) => f[0] === 'd' && f[1] === '/media/vep/consolidacion' && f[3] === 'vep'));
  // systemd-escape -p --suffix=mount /media/vep/consolidacion (a path of plain characters).
  const mountUnit = `${'/media/vep/consolidacion'.slice(1).replaceAll('/', '-')}.mount`;
  const polkit = readDeploy('polkit/50-vep.rules');
  t.true(polkit.includes(`action.lookup("unit") === "${mountUnit}"`));
  t.true(polkit.includes('action.lookup("verb") === "stop"'));
  t.true(polkit.includes('subject.user === "vep"'));
  const sysusers = readDeploy('sysusers.d/vep.conf')
    .split('\n')
    .filter((l) => l.trim() !== '' && !l.startsWith('#'))
    .map((l) => l.trim().split(/\s+/u));
  t.true(sysusers.some((f) => f[0] === 'u' && f[1] === 'vep'));
  t.true(sysusers.some((f) => f[0] === 'u' && f[1] === 'vep-kiosk'));
  t.false(sysusers.some((f) => f[0] === 'm' && f[1] === 'vep-kiosk' && f[2] === 'vep'));
  const modules = readDeploy('modules-load.d/vep.conf').split('\n').filter((l) => l.trim() !== '' && !l.startsWith('#'));
  t.deepEqual(modules, ['usbserial', 'cdc_acm', 'hid']);
});

/** Splits a udev rule on the commas outside quoted values; undefined if a quote is left open. */
function splitUdevRule(line: string): string[] | undefined {
  const tokens: string[] = [];
  let current = '';
  let quoted = false;
  for (const ch of line) {
    if (ch === '"') quoted = !quoted;
    if (ch === ',' && !quoted) {
      tokens.push(current.trim());
      current = '';
    } else {
      current += ch;
    }
  }
  tokens.push(current.trim());
  return quoted ? undefined : tokens;
}

const UDEV_OPERATORS = ['==', '!=', '+=', '-=', ':=', '='] as const;

/** KEY or KEY{attr}, an operator, a double-quoted value: udev(7) syntax. */
function parseUdevToken(token: string): { key: string; operator: string; value: string } | undefined {
  const at = token.search(/[=!+:-]/u);
  if (at <= 0) return undefined;
  const key = token.slice(0, at).trim();
  const rest = token.slice(at);
  const operator = UDEV_OPERATORS.find((op) => rest.startsWith(op));
  const [name = '', attribute] = key.split('{', 2);
  const attributeOk = attribute === undefined || /^[A-Za-z0-9_]+\}$/u.test(attribute);
  if (operator === undefined || !/^[A-Z_]+$/u.test(name) || !attributeOk) return undefined;
  const value = rest.slice(operator.length).trim();
  if (value.length < 2 || !value.startsWith('"') || !value.endsWith('"') || value.slice(1, -1).includes('"')) return undefined;
  return { key, operator, value: value.slice(1, -1) };
}

const sysusersAvailable = spawnSync('systemd-sysusers', ['--version']).status === 0;
if (sysusersAvailable) {
  test('systemd-sysusers --dry-run accepts deploy/sysusers.d/vep.conf', (t) => {
    const run = spawnSync('systemd-sysusers', ['--dry-run', path.join(DEPLOY_DIR, 'sysusers.d', 'vep.conf')], { encoding: 'utf8' });
    t.is(run.status, 0, run.stderr);
    t.false(/fail|invalid|error/iu.test(run.stderr), run.stderr);
  });
} else {
  test('systemd-sysusers is not installed here, so sysusers.d/vep.conf was only read, not dry-run', (t) => {
    t.not(spawnSync('systemd-sysusers', ['--version']).status, 0);
  });
}
