/**
 * The transmission module's configuration (`"mode": "module"`): the deploy example parses with
 * the module schema and real hardware only; `vep transmission run` picks the module from it; a
 * set of packages that is not one polling place is refused at start with the reason.
 */
import fs from 'node:fs';
import path from 'node:path';
import test from 'ava';
import { parseAnyTransmissionConfig, TransmissionModuleConfigSchema } from '../transmission-station/host-config.ts';
import { startTransmissionModuleHost } from '../transmission-station/module-host.ts';
import { REPO_ROOT, runCliInProcess } from './helpers/cli.ts';
import { tempDir } from './helpers/centre-harness.ts';
import { makeModuleWorld, OTHER_PLACE_MESA } from './helpers/transmission-module-world.ts';

const example = (): unknown => JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'deploy', 'config', 'transmission-module.example.json'), 'utf8'));

test('transmission-module.example.json is a module configuration with real devices, write-once backups and a pinned https centre', (t) => {
  const parsed = parseAnyTransmissionConfig(example());
  if (!parsed.ok || parsed.value.mode !== 'module') return t.fail(JSON.stringify(parsed));
  const config = parsed.value.config;
  t.true(config.packagePaths.length > 1, 'the packages of several mesas');
  t.is(config.rootPublicKeyFile, path.posix.join(config.keysDir, 'public', 'onpe-root.json'));
  t.is(config.devices.printer?.kind, 'escpos-serial');
  t.is(config.devices.scanner?.kind, 'real');
  t.is(config.devices.consolidation?.kind, 'real');
  t.true(config.centre.url.startsWith('https://'));
  t.truthy(config.centre.certFile);
  t.true(config.backupMedia.every((m) => m.writeOnce && m.kind === 'real'));
  // Without "mode" the same file is not an Art. 30 configuration (packagePaths is unknown there).
  const { mode: _mode, ...withoutMode } = example() as Record<string, unknown>;
  t.false(parseAnyTransmissionConfig(withoutMode).ok);
});

test('a module whose packages are not one polling place does not start, and says why', async (t) => {
  t.timeout(120_000);
  const world = await makeModuleWorld(t);
  const config = TransmissionModuleConfigSchema.parse({
    ...world.config,
    packagePaths: [...world.config.packagePaths, path.join(world.otherPlace.dir, 'paquete-electoral.vep')],
  });
  const started = await startTransmissionModuleHost(config, world.hostOptions());
  t.false(started.ok);
  if (!started.ok) {
    t.is(started.error.kind, 'package');
    const detail = started.error.kind === 'package' ? started.error.detail : '';
    t.true(detail.endsWith(`mesa ${OTHER_PLACE_MESA} votes at I.E. N.° 55 Otro Local, not I.E. Sintética N.° 901 Colibrí: a module serves one polling place`), detail);
  }
  const real = TransmissionModuleConfigSchema.parse({ ...world.config, centre: { ...world.config.centre, real: true } });
  const refused = await startTransmissionModuleHost(real, world.hostOptions());
  t.false(refused.ok);
  if (!refused.ok) t.regex(refused.error.kind === 'package' ? refused.error.detail : '', /a simulacro package cannot be transmitted to the real election centre$/);
});

test('`vep transmission run` reads the mode: a module configuration is refused in console mode with the reason, a broken one names its field', async (t) => {
  const tmp = tempDir(t);
  const file = path.join(tmp, 'modulo.json');
  fs.writeFileSync(file, JSON.stringify(example()));
  const run = await runCliInProcess(['transmission', 'run', '--config', file, '--console']);
  t.is(run.code, 1);
  t.regex(run.stderr, /the transmission module \(mode "module"\) has no console mode/);
  const broken = path.join(tmp, 'roto.json');
  fs.writeFileSync(broken, JSON.stringify({ ...(example() as object), packagePaths: [] }));
  const invalid = await runCliInProcess(['transmission', 'run', '--config', broken]);
  t.is(invalid.code, 1);
  t.regex(invalid.stderr, /invalid configuration .*roto\.json:\npackagePaths: /);
});
