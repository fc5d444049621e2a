/**
 * Every file a consolidation device may hold, and the signature that vouches for each. Shared by
 * the results station (which refuses a device holding any file that fails) and the observer tool
 * (`vep verify`), so both agree on what "every file on the device is checked" means.
 *
 * | file                                | written by        | vouched for by                                        |
 * |-------------------------------------|-------------------|-------------------------------------------------------|
 * | paquete-electoral.vep               | results station   | the ONPE root signature; must BE the loaded package   |
 * | resultados-cabin-N.vep              | cabin N           | cabin N's key (verifyCabinResults, with recount)      |
 * | resumen-identidad.vep               | identity station  | the identity key (verifyIdentitySummary)              |
 * | electores-no-asistieron.csv         | identity station  | its sha256, signed in resumen-identidad.vep           |
 * | resultado-mesa.vep                  | results station   | the results key and member signatures                 |
 * | registro-ROLE.vep (audit log export)| station ROLE      | the log head signed in that station's file above      |
 *
 * DECISIONS
 * - A file of any other (valid) name is refused: no station writes it, so nothing vouches for it,
 *   and a device that carries it was changed after the stations wrote it.
 * - A file is checked against the signed file on the SAME device that binds it. An export or a
 *   non-voters list without its binding file is refused ("unbound"), as is one whose binding file
 *   itself failed: nothing can vouch for it.
 * - Files are optional here (a cabin's stick holds only that cabin's files; the non-voters list is
 *   exported on request): what must be present is decided by the reader (the machine reads the
 *   cabins and the summary it needs; the observer requires what the acta lists).
 * - Names the device driver never lists (dot files, the driver's temporaries, names with spaces
 *   such as a desktop system's metadata) are not classified here: no station can read them.
 */
import { verifyAuditExport, auditExportRoleOfFileName, describeAuditExportProblem } from '../audit/export.ts';
import type { AuditLogHead } from '../audit/entry.ts';
import { sha256Hex } from '../crypto/hash.ts';
import type { VerifiedPackage } from '../election/package.ts';
import { CABIN_RESULTS_FILE_NAME, describeCabinResultsProblem, verifyCabinResults, zeroReportLogged } from './cabin-results.ts';
import { describeIdentitySummaryProblem, IDENTITY_SUMMARY_FILE_NAME, NON_VOTERS_FILE_NAME, verifyIdentitySummary } from './identity-summary.ts';
import { describeMesaResultProblem, MESA_RESULT_FILE_NAME, PACKAGE_COPY_FILE_NAME, verifyMesaResult } from './mesa-result.ts';

const CABIN_FILE = /^resultados-(cabin-[1-9][0-9]*)\.vep$/;
const CABIN_ROLE = /^cabin-[1-9][0-9]*$/;

export type DeviceFileKind =
  | { readonly kind: 'package-copy' }
  | { readonly kind: 'cabin-results'; readonly cabinId: string }
  | { readonly kind: 'identity-summary' }
  | { readonly kind: 'non-voters' }
  | { readonly kind: 'mesa-result' }
  | { readonly kind: 'audit-export'; readonly role: string }
  | { readonly kind: 'unknown' };

export function classifyDeviceFile(name: string): DeviceFileKind {
  if (name === PACKAGE_COPY_FILE_NAME) return { kind: 'package-copy' };
  if (name === IDENTITY_SUMMARY_FILE_NAME) return { kind: 'identity-summary' };
  if (name === NON_VOTERS_FILE_NAME) return { kind: 'non-voters' };
  if (name === MESA_RESULT_FILE_NAME) return { kind: 'mesa-result' };
  const cabinId = CABIN_FILE.exec(name)?.[1];
  if (cabinId !== undefined) return { kind: 'cabin-results', cabinId };
  const role = auditExportRoleOfFileName(name);
  if (role !== undefined) return { kind: 'audit-export', role };
  return { kind: 'unknown' };
}

/** The signed file whose audit head vouches for the export of `role`, or undefined for a role no station has. */
export function auditExportBinder(role: string): string | undefined {
  if (role === 'identity') return IDENTITY_SUMMARY_FILE_NAME;
  if (role === 'results') return MESA_RESULT_FILE_NAME;
  if (CABIN_ROLE.test(role)) return CABIN_RESULTS_FILE_NAME(role);
  return undefined;
}

/** One file of the device that must not be accepted. */
export interface DeviceFileProblem {
  readonly file: string;
  /** English, for logs and developers. */
  readonly detail: string;
  /** Spanish, for the members' screen (names the file). */
  readonly screen: string;
}

type Binder = { ok: true; head: AuditLogHead; nonVotersSha256?: string; zeroReportHash?: string } | { ok: false };

/**
 * Checks each file of `files` (name → bytes, as read from the device) on its own and against the
 * signed file on the device that binds it. Returns one problem per failing file (empty: every
 * file is vouched for). Cross-file agreement (an acta's cabin list, recount) is the reader's.
 */
export function checkDeviceFiles(files: ReadonlyMap<string, Uint8Array>, pkg: VerifiedPackage): DeviceFileProblem[] {
  const problems: DeviceFileProblem[] = [];
  const refuse = (file: string, detail: string, reason: string): void => {
    problems.push({ file, detail, screen: `El archivo ${file} del dispositivo ${reason}. No se acepta el dispositivo.` });
  };
  const NOT_VERIFIED = 'no pasa la verificación de su firma y contenido';
  const UNBOUND = 'no está respaldado por ningún archivo firmado del dispositivo';
  /** Signed files by name: their audit head (and the non-voters hash), or failed. */
  const binders = new Map<string, Binder>();
  const names = [...files.keys()].sort();

  // Signed files first: they vouch for the others.
  for (const name of names) {
    const bytes = files.get(name);
    if (bytes === undefined) continue;
    const kind = classifyDeviceFile(name);
    switch (kind.kind) {
      case 'package-copy':
        // The signature is checked where the package was loaded; equal hash means the very same bytes.
        if (sha256Hex(bytes) !== pkg.packageHash) refuse(name, `${name} is not the election package of this station (sha256 ${sha256Hex(bytes)}, expected ${pkg.packageHash})`, 'no es el paquete electoral de esta mesa');
        break;
      case 'cabin-results': {
        const verified = verifyCabinResults(bytes, { pkg, expectedCabinId: kind.cabinId });
        binders.set(name, verified.ok ? { ok: true, head: verified.value.auditLogHead, zeroReportHash: verified.value.zeroReportHash } : { ok: false });
        if (!verified.ok) refuse(name, verified.error.map(describeCabinResultsProblem).join('; '), NOT_VERIFIED);
        break;
      }
      case 'identity-summary': {
        const verified = verifyIdentitySummary(bytes, { pkg });
        binders.set(name, verified.ok ? { ok: true, head: verified.value.auditLogHead, nonVotersSha256: verified.value.nonVotersSha256 } : { ok: false });
        if (!verified.ok) refuse(name, verified.error.map(describeIdentitySummaryProblem).join('; '), NOT_VERIFIED);
        break;
      }
      case 'mesa-result': {
        const verified = verifyMesaResult(bytes, { pkg });
        binders.set(name, verified.ok ? { ok: true, head: verified.value.auditLogHead } : { ok: false });
        if (!verified.ok) refuse(name, verified.error.map(describeMesaResultProblem).join('; '), NOT_VERIFIED);
        break;
      }
      default:
        break;
    }
  }

  // Then the files they vouch for, and anything no station writes.
  for (const name of names) {
    const bytes = files.get(name);
    if (bytes === undefined) continue;
    const kind = classifyDeviceFile(name);
    switch (kind.kind) {
      case 'audit-export': {
        const binderName = auditExportBinder(kind.role);
        const binder = binderName === undefined ? undefined : binders.get(binderName);
        if (binderName === undefined) refuse(name, `${name} is the audit log export of ${kind.role}, which is no station of a mesa`, 'no corresponde a ninguna estación de la mesa');
        else if (binder === undefined) refuse(name, `${name} is not bound by any signed file on the device (${binderName} is absent)`, UNBOUND);
        else if (!binder.ok) refuse(name, `${name} cannot be checked: ${binderName}, which binds its head, failed verification`, UNBOUND);
        else {
          const verified = verifyAuditExport(bytes, binder.head, { role: kind.role });
          if (!verified.ok) refuse(name, `audit log of ${kind.role}: ${verified.error.map(describeAuditExportProblem).join('; ')}`, 'no coincide con el registro de auditoría firmado por su estación');
          else if (binder.zeroReportHash !== undefined && !zeroReportLogged(verified.value.entries, binder.zeroReportHash)) {
            refuse(name, `audit log of ${kind.role} does not record the puesta a cero (sha256 ${binder.zeroReportHash}) its signed results name`, 'no registra la puesta a cero que declaran los resultados de la cabina');
          }
        }
        break;
      }
      case 'non-voters': {
        const binder = binders.get(IDENTITY_SUMMARY_FILE_NAME);
        if (binder === undefined) refuse(name, `${name} is not bound by any signed file on the device (${IDENTITY_SUMMARY_FILE_NAME} is absent)`, UNBOUND);
        else if (!binder.ok) refuse(name, `${name} cannot be checked: ${IDENTITY_SUMMARY_FILE_NAME}, which signs its hash, failed verification`, UNBOUND);
        else if (sha256Hex(bytes) !== binder.nonVotersSha256) {
          refuse(name, `${name} has sha256 ${sha256Hex(bytes)}, the identity summary signs ${binder.nonVotersSha256 ?? 'none'}`, 'no coincide con la lista firmada por la estación de comprobación de identidad');
        }
        break;
      }
      case 'unknown':
        refuse(name, `${name} is a file no station of the mesa writes`, 'no corresponde a ninguna estación de la mesa');
        break;
      default:
        break;
    }
  }
  return problems;
}
