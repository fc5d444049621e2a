/**
 * The activation devices `vep start` puts in the tester panel: a credential for every member of
 * the mesa (the president opens and closes the stations; the president and two more members sign
 * the acta at the results station), blank devices for the identity station to issue tokens on,
 * and a few devices with tokens already issued as a shortcut to the cabins.
 */
import { issueToken } from '../shared/activation/token.ts';
import { describeKeySetError, IDENTITY_ROLE, loadSigner, memberRole } from '../shared/crypto/keyset.ts';
import { presidentSignerRole, writeMemberCredential } from '../shared/credentials/member-credential.ts';
import { encodeImage } from '../shared/devices/activation/device-image.ts';
import type { ElectionDefinition } from '../shared/election/definition.ts';
import type { VerifiedPackage } from '../shared/election/package.ts';
import { err, ok, type Result } from '../shared/result.ts';
import type { SimulatedHardware } from '../hardware-sim/control/simulated-hardware.ts';

/** Voter devices with a token already issued (a shortcut past the identity station). */
export const PREPARED_VOTER_DEVICES = 10;
/** Blank activation devices for the identity station to write tokens on. */
export const BLANK_DEVICES = 5;
/** A prepared token lives a whole simulacro day; the identity station issues short-lived ones. */
const PREPARED_TOKEN_VALIDITY_MINUTES = 24 * 60;

export const PRESIDENT_DEVICE = 'credencial-presidente';
/** Device name of member N's credential (the president's is PRESIDENT_DEVICE). */
export const memberDevice = (n: number): string => `credencial-miembro-${n}`;
export const voterDevice = (n: number): string => `votante-${String(n).padStart(2, '0')}`;
export const blankDevice = (n: number): string => `dispositivo-${String(n).padStart(2, '0')}`;

export interface PreparedDevices {
  /** Panel device names of the members' credentials, president first. */
  readonly credentials: readonly string[];
}

export function prepareDevices(
  hardware: SimulatedHardware,
  run: { readonly def: ElectionDefinition; readonly pkg: VerifiedPackage; readonly keysDir: string; readonly now: Date },
): Result<PreparedDevices, string> {
  const identity = loadSigner(run.keysDir, IDENTITY_ROLE);
  if (!identity.ok) return err(describeKeySetError(identity.error));
  const presidentRole = presidentSignerRole(run.pkg);
  if (presidentRole === undefined) return err('the package names no president among the members');
  const credentials: string[] = [];
  for (let n = 1; n <= run.pkg.payload.keys.members.length; n++) {
    const role = memberRole(n);
    const signer = loadSigner(run.keysDir, role);
    if (!signer.ok) return err(`${role}: ${describeKeySetError(signer.error)}`);
    const name = role === presidentRole ? PRESIDENT_DEVICE : memberDevice(n);
    hardware.activationDevice(name).writeMemory(encodeImage(writeMemberCredential(signer.value.seed, role)));
    if (role === presidentRole) credentials.unshift(name);
    else credentials.push(name);
  }
  for (let i = 1; i <= PREPARED_VOTER_DEVICES; i++) {
    const token = issueToken({
      electionId: run.def.election.id,
      mesa: run.def.mesa.number,
      simulacro: run.def.election.simulacro,
      now: run.now,
      validityMinutes: PREPARED_TOKEN_VALIDITY_MINUTES,
      signer: identity.value,
    });
    hardware.activationDevice(voterDevice(i)).writeMemory(encodeImage(token.bytes));
  }
  for (let i = 1; i <= BLANK_DEVICES; i++) hardware.activationDevice(blankDevice(i));
  return ok({ credentials });
}
