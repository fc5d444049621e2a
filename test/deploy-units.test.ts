/**
 * The systemd units in deploy/: each parses, runs a `vep` sub-command that exists with the
 * options it passes, keeps the sandbox the README promises, agrees with the kiosk launcher on its
 * port, and passes `systemd-analyze verify` where systemd-analyze is installed.
 */
import { execFile, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import test from 'ava';
import { REPO_ROOT, runCli, type CliRun } from './helpers/cli.ts';
import {
  DEPLOY_DIR,
  execStartArgv,
  expandSpecifiers,
  readUnitFile,
  unitEnvironment,
  unitValue,
  unitValues,
  type UnitFile,
} from './helpers/deploy-unit-file.ts';

const INSTALL_ROOT = '/opt/vep';
const NODE = '/usr/bin/node';
const LAUNCHER = path.join(DEPLOY_DIR, 'kiosk', 'launch-kiosk.sh');

interface StationUnit {
  readonly file: string;
  /** Instance used to expand %i ('' for plain units). */
  readonly instance: string;
  /** Name of the station on the kiosk side (vep-kiosk@STATION) and of its files. */
  readonly station: string;
  readonly subcommand: readonly string[];
  /** Stations that only ever talk to their own kiosk on loopback. */
  readonly loopbackOnly: boolean;
}

const STATION_UNITS: readonly StationUnit[] = [
  { file: 'vep-booth@.service', instance: '1', station: 'booth-1', subcommand: ['booth', 'run'], loopbackOnly: true },
  { file: 'vep-identity.service', instance: '', station: 'identity', subcommand: ['identity', 'run'], loopbackOnly: true },
  { file: 'vep-results.service', instance: '', station: 'results', subcommand: ['results', 'run'], loopbackOnly: true },
  { file: 'vep-transmission.service', instance: '', station: 'transmission', subcommand: ['transmission', 'run'], loopbackOnly: false },
];
const KIOSK_UNIT = { file: 'vep-kiosk@.service', instance: 'booth-1' };

const stationUnitPath = (file: string): string => path.join(DEPLOY_DIR, 'systemd', file);
const kioskUnitPath = path.join(DEPLOY_DIR, 'kiosk', KIOSK_UNIT.file);
const instanceName = (file: string, instance: string): string => file.replace('@.', `@${instance}.`);

// Looked up once before the tests are declared, so each title can say what was really checked.
const helpRuns = new Map<string, CliRun>();
for (const unit of STATION_UNITS) helpRuns.set(unit.file, await runCli([...unit.subcommand, '--help']));
const commandExists = (unit: StationUnit): boolean => {
  const run = helpRuns.get(unit.file);
  return run !== undefined && run.code === 0 && run.stdout.includes(`Usage: vep ${unit.subcommand.join(' ')} `);
};
const systemdAnalyze = spawnSync('systemd-analyze', ['--version'], { encoding: 'utf8' }).status === 0;

function stationArgv(unit: StationUnit, parsed: UnitFile): string[] {
  return execStartArgv(parsed, unit.instance, unitEnvironment(parsed));
}

test('deploy/ holds exactly the units these tests check, and every one parses as a unit file', (t) => {
  const onDisk = [
    ...fs.readdirSync(path.join(DEPLOY_DIR, 'systemd')).map((f) => `systemd/${f}`),
    ...fs.readdirSync(path.join(DEPLOY_DIR, 'kiosk')).filter((f) => f.endsWith('.service')).map((f) => `kiosk/${f}`),
  ].sort();
  const checked = [...STATION_UNITS.map((u) => `systemd/${u.file}`), `kiosk/${KIOSK_UNIT.file}`].sort();
  t.deepEqual(onDisk, checked, 'a unit added to deploy/ must be added to this test');
  for (const file of [...STATION_UNITS.map((u) => stationUnitPath(u.file)), kioskUnitPath]) {
    const unit = readUnitFile(file);
    t.truthy(unitValue(unit, 'Unit', 'Description'), `${unit.name}: Description`);
    t.truthy(unitValue(unit, 'Service', 'ExecStart'), `${unit.name}: ExecStart`);
    t.truthy(unitValue(unit, 'Install', 'WantedBy'), `${unit.name}: WantedBy`);
    t.false(/["']/u.test(unitValue(unit, 'Service', 'ExecStart') ?? ''), `${unit.name}: ExecStart uses no quoting (so word splitting here is exact)`);
  }
});

for (const unit of STATION_UNITS) {
  const parsed = readUnitFile(stationUnitPath(unit.file));
  const pending = unitValue(parsed, 'Unit', 'X-VepPending');
  const command = `vep ${unit.subcommand.join(' ')}`;

  if (commandExists(unit)) {
    test(`${unit.file}: ExecStart runs \`${command}\` of this checkout, which accepts every option the unit passes`, (t) => {
      const argv = stationArgv(unit, parsed);
      t.is(argv[0], NODE);
      t.is(argv[1], `${INSTALL_ROOT}/bin/vep.js`);
      t.true(fs.existsSync(path.join(REPO_ROOT, 'bin', 'vep.js')));
      const firstOption = argv.findIndex((w, i) => i >= 2 && w.startsWith('-'));
      t.deepEqual(argv.slice(2, firstOption), [...unit.subcommand]);
      const help = helpRuns.get(unit.file)?.stdout ?? '';
      const options = argv.filter((w) => w.startsWith('--'));
      t.deepEqual(options, ['--config', '--port']);
      for (const option of options) t.true(help.includes(`${option} <`), `${command} --help lists ${option}`);
    });
  } else {
    test(`${unit.file}: \`${command}\` is not in the CLI yet, and the unit says so (X-VepPending) so nobody enables it`, (t) => {
      const run = helpRuns.get(unit.file);
      t.false(run?.stdout.includes(`Usage: ${command} `) ?? false);
      t.truthy(pending, `${unit.file} runs a command that does not exist and carries no X-VepPending= note`);
    });
  }

  test(`${unit.file}: runs as user vep in the sandbox the README describes`, (t) => {
    const service = (key: string): string | undefined => unitValue(parsed, 'Service', key);
    const argv = stationArgv(unit, parsed);
    t.is(service('User'), 'vep');
    t.is(service('Group'), 'vep');
    t.is(service('ProtectSystem'), 'strict');
    t.is(service('ProtectHome'), 'yes');
    t.is(service('PrivateTmp'), 'yes');
    t.is(service('NoNewPrivileges'), 'yes');
    t.is(service('CapabilityBoundingSet'), '');
    t.is(service('RestrictAddressFamilies'), 'AF_UNIX AF_INET AF_INET6');
    t.is(expandSpecifiers(service('StateDirectory') ?? '', unit.instance), `vep/${unit.station}`);
    const writable = expandSpecifiers(service('ReadWritePaths') ?? '', unit.instance).split(/\s+/u);
    t.deepEqual(writable, [`/var/lib/vep/${unit.station}`, '-/media/vep'], 'its data dir and the consolidation mount, nothing else');
    t.is(service('DevicePolicy'), 'closed');
    for (const device of ['char-ttyUSB rw', 'char-ttyACM rw', 'char-hidraw rw']) t.true(unitValues(parsed, 'Service', 'DeviceAllow').includes(device), device);
    t.is(service('Restart'), 'on-failure');
    t.truthy(unitValue(parsed, 'Unit', 'StartLimitIntervalSec'));
    t.truthy(unitValue(parsed, 'Unit', 'StartLimitBurst'));
    t.is(argv[argv.indexOf('--config') + 1], `/etc/vep/${unit.station}.json`);
    if (unit.loopbackOnly) {
      t.is(service('IPAddressDeny'), 'any');
      t.is(service('IPAddressAllow'), 'localhost');
    } else {
      t.is(service('IPAddressDeny'), undefined, 'the transmission station reaches the computing centre');
    }
  });

  test(`${unit.file}: the kiosk launcher opens the port this unit serves (vep-kiosk@${unit.station})`, async (t) => {
    const env = unitEnvironment(parsed);
    const argv = stationArgv(unit, parsed);
    const port = argv[argv.indexOf('--port') + 1];
    t.regex(port ?? '', /^[0-9]+$/u);
    t.is(port, env.get('VEP_PORT'));
    const kiosk = readUnitFile(kioskUnitPath);
    // Both units read the same override file, so an override moves both sides together.
    t.is(
      expandSpecifiers(unitValue(kiosk, 'Service', 'EnvironmentFile') ?? '', unit.station),
      expandSpecifiers(unitValue(parsed, 'Service', 'EnvironmentFile') ?? '', unit.instance),
    );
    const printed = await run(LAUNCHER, ['--print-url', unit.station], { ...process.env, VEP_PORT: '' });
    t.is(printed.code, 0, printed.stderr);
    t.is(printed.stdout.trim(), `http://127.0.0.1:${port}/`);
  });
}

test('vep-kiosk@.service: runs the launcher in this checkout as vep-kiosk, outside group vep, loopback only', (t) => {
  const kiosk = readUnitFile(kioskUnitPath);
  const argv = execStartArgv(kiosk, KIOSK_UNIT.instance, unitEnvironment(kiosk));
  t.deepEqual(argv, [`${INSTALL_ROOT}/deploy/kiosk/launch-kiosk.sh`, KIOSK_UNIT.instance]);
  fs.accessSync(LAUNCHER, fs.constants.X_OK);
  t.is(unitValue(kiosk, 'Service', 'User'), 'vep-kiosk');
  t.false((unitValue(kiosk, 'Service', 'SupplementaryGroups') ?? '').split(/\s+/u).includes('vep'));
  t.is(unitValue(kiosk, 'Service', 'IPAddressDeny'), 'any');
  t.is(unitValue(kiosk, 'Service', 'IPAddressAllow'), 'localhost');
  t.is(unitValue(kiosk, 'Service', 'NoNewPrivileges'), 'yes');
  t.is(unitValue(kiosk, 'Service', 'PAMName'), 'vep-kiosk');
  t.true(fs.existsSync(path.join(DEPLOY_DIR, 'kiosk', 'pam-vep-kiosk')), 'the PAM file the unit names ships with it');
});

/**
 * systemd-analyze checks the units as installed: copies with /opt/vep pointing at this checkout
 * and /usr/bin/node at the running node, so every ExecStart binary resolves. A warning (unknown
 * key, bad value) fails the test too, not only a non-zero exit.
 */
const allUnits = [
  ...STATION_UNITS.map((u) => ({ source: stationUnitPath(u.file), file: u.file, instance: u.instance })),
  { source: kioskUnitPath, file: KIOSK_UNIT.file, instance: KIOSK_UNIT.instance },
];
for (const unit of allUnits) {
  const verified = unit.instance === '' ? unit.file : instanceName(unit.file, unit.instance);
  if (systemdAnalyze) {
    test(`${verified}: systemd-analyze verify passes with no warning`, async (t) => {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vep-'));
      t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
      const text = fs.readFileSync(unit.source, 'utf8').replaceAll(INSTALL_ROOT, REPO_ROOT).replaceAll(`${NODE} `, `${process.execPath} `);
      fs.writeFileSync(path.join(dir, unit.file), text);
      const result = await run('systemd-analyze', ['verify', '--man=no', path.join(dir, verified)], process.env);
      t.is(result.code, 0, result.stderr);
      t.is(result.stderr.trim(), '', 'no warnings');
    });
  } else {
    test(`${verified}: systemd-analyze is not installed here, so only the parse, command and sandbox checks above ran`, (t) => {
      t.not(spawnSync('systemd-analyze', ['--version']).status, 0);
    });
  }
}

function run(file: string, args: readonly string[], env: NodeJS.ProcessEnv): Promise<CliRun> {
  return new Promise((resolve) => {
    execFile(file, [...args], { env, encoding: 'utf8', timeout: 60_000 }, (error, stdout, stderr) => {
      resolve({ code: error === null ? 0 : typeof error.code === 'number' ? error.code : -1, stdout, stderr });
    });
  });
}
