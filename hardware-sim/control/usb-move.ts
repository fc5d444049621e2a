/**
 * Moving a USB medium from one simulated port to another (the consolidation stick carried from a
 * cabin to the results station). The registry names ports, each backed by its own directory, so
 * a move copies what survived the pull into the target's empty directory and empties the source.
 */
import { readdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { err, ok, type Result } from '../../shared/result.ts';
import { FINALIZED_MARKER, TEMP_PREFIX } from '../../shared/devices/consolidation/fs-consolidation-device.ts';
import type { SimulatedUsbStick } from '../usb/simulated-usb-stick.ts';

type Port = { readonly name: string; readonly stick: SimulatedUsbStick };

export async function moveUsbMedium(from: Port, to: Port): Promise<Result<void, string>> {
  if (from.stick === to.stick) return err(`USB stick ${from.name} is already in that port`);
  const target = to.stick.state;
  if (target.inserted) return err(`USB port ${to.name} is occupied: remove its stick first`);
  if (target.writeOnce !== from.stick.writeOnce) return err(`USB ports ${from.name} and ${to.name} expect different media (write-once)`);
  // Faults queued for the station's writes would fire on the copy below instead.
  if (target.pendingFaults.length > 0) return err(`USB port ${to.name} has pending faults: clear them first`);
  if ((await readdir(to.stick.mountPath)).length > 0) return err(`USB port ${to.name} still holds another medium's files`);

  // Pulling first loses what was not durable, exactly as a real pull would.
  await from.stick.remove();
  const files = await from.stick.rawFiles();
  const readOnly = from.stick.state.readOnly;
  for (const [name, bytes] of files) {
    if (name !== FINALIZED_MARKER) await writeFile(path.join(to.stick.mountPath, name), bytes);
  }
  to.stick.setReadOnly(false);
  to.stick.insert();
  const marker = files.get(FINALIZED_MARKER);
  if (marker !== undefined) {
    // Written through the stick's own file system so it also enforces the finalization.
    const fs = to.stick.fileSystem();
    const temp = path.join(to.stick.mountPath, `${TEMP_PREFIX}move`);
    const file = await fs.createExclusive(temp);
    await file.write(marker);
    await file.sync();
    await file.close();
    await fs.rename(temp, path.join(to.stick.mountPath, FINALIZED_MARKER));
    await fs.syncDirectory(to.stick.mountPath);
  }
  to.stick.setReadOnly(readOnly);
  for (const name of files.keys()) await rm(path.join(from.stick.mountPath, name), { force: true, recursive: true });
  from.stick.setReadOnly(false);
  return ok(undefined);
}
