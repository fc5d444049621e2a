/**
 * The one catalogue of audit events for the whole suite (cabin, identity, results and
 * transmission stations, and the `vep` tools). Ids are stable strings: auditors grep for them
 * across years of logs, so an id is never renamed or reused; add new ones instead.
 *
 * Secrecy is designed into the catalogue: there is no event that carries a voter, a ballot or
 * a link between them. `voter.checked` records that a check happened, never whose DNI;
 * `ballot.committed` records that a ballot was stored, never which one or what it holds.
 *
 * `disposition` is the default outcome written when the caller gives none; `severity` says how
 * loudly an operator or auditor should hear about it.
 */

export type AuditDisposition = 'success' | 'failure' | 'info' | 'warning';
export type AuditSeverity = 'routine' | 'notable' | 'alarm';

export interface AuditEventSpec {
  readonly disposition: AuditDisposition;
  readonly severity: AuditSeverity;
  readonly description: string;
}

export const AUDIT_EVENTS = {
  // --- Station lifecycle -------------------------------------------------------------------
  'station.boot': { disposition: 'info', severity: 'routine', description: 'The station software started.' },
  'station.shutdown': { disposition: 'info', severity: 'routine', description: 'The station software stopped in an orderly way.' },
  'station.recovered': { disposition: 'warning', severity: 'notable', description: 'The station restarted after an unclean stop and recovered its committed state.' },
  'station.configured': { disposition: 'success', severity: 'routine', description: 'The station was assigned its role and mesa.' },
  'station.self-test-passed': { disposition: 'success', severity: 'routine', description: 'Hardware and storage self-test passed.' },
  'station.self-test-failed': { disposition: 'failure', severity: 'alarm', description: 'Hardware or storage self-test failed; the station must not be used.' },
  'clock.checked': { disposition: 'info', severity: 'routine', description: 'The station clock was compared with the reference time.' },
  'storage.fault': { disposition: 'failure', severity: 'alarm', description: 'The station store could not be read or written (damaged or full medium).' },
  'power.lost': { disposition: 'warning', severity: 'notable', description: 'Mains power was lost; running on battery.' },
  'power.restored': { disposition: 'info', severity: 'routine', description: 'Mains power returned.' },

  // --- Software and election package --------------------------------------------------------
  'software.verified': { disposition: 'success', severity: 'routine', description: 'The running software matches an authorized version code.' },
  'software.unauthorized': { disposition: 'failure', severity: 'alarm', description: 'The running software does not match any authorized version code.' },
  'package.verified': { disposition: 'success', severity: 'routine', description: 'The signed election package was verified and loaded.' },
  'package.refused': { disposition: 'failure', severity: 'alarm', description: 'An election package was refused (bad signature, wrong election or malformed).' },
  'keys.loaded': { disposition: 'success', severity: 'routine', description: 'The station signing key and trusted public keys were loaded.' },
  'keys.refused': { disposition: 'failure', severity: 'alarm', description: 'A key file was refused (malformed, wrong role or not trusted).' },

  // --- Installation of the mesa --------------------------------------------------------------
  'installation.started': { disposition: 'info', severity: 'routine', description: 'Installation of the mesa began.' },
  'installation.member-registered': { disposition: 'success', severity: 'routine', description: 'A mesa member was registered for the installation.' },
  'installation.personero-registered': { disposition: 'success', severity: 'routine', description: 'A party representative (personero) was registered.' },
  'installation.completed': { disposition: 'success', severity: 'routine', description: 'The mesa was installed.' },
  'installation.failed': { disposition: 'failure', severity: 'notable', description: 'The mesa could not be installed (e.g. not enough members by the deadline).' },
  'puesta-a-cero.printed': { disposition: 'success', severity: 'routine', description: 'The zero report (puesta a cero) was printed, showing an empty vote store.' },
  'puesta-a-cero.refused': { disposition: 'failure', severity: 'alarm', description: 'The zero report could not be issued because the vote store is not empty.' },
  'acta.printed': { disposition: 'success', severity: 'routine', description: 'An acta (instalación, sufragio or escrutinio) was printed; the message names which.' },
  'acta.observation-recorded': { disposition: 'success', severity: 'routine', description: 'An observation for an acta was recorded; the message names which acta, never the text (it may name people).' },
  'acta.reprinted': { disposition: 'info', severity: 'notable', description: 'An acta copy was printed again; the message names which and why.' },

  // --- Voting window -------------------------------------------------------------------------
  'voting.opened': { disposition: 'info', severity: 'routine', description: 'Voting opened at the mesa.' },
  'voting.suspended': { disposition: 'warning', severity: 'notable', description: 'Voting was suspended (incident); the message gives the reason, never a voter.' },
  'voting.resumed': { disposition: 'info', severity: 'notable', description: 'Voting resumed after a suspension.' },
  'voting.closed': { disposition: 'info', severity: 'routine', description: 'Voting closed at the mesa.' },

  // --- Identity station (no DNI, no name, no token in any entry) ----------------------------
  'voter.checked': { disposition: 'success', severity: 'routine', description: 'An elector was found in the padrón and may vote (the DNI is not logged).' },
  'voter.not-found': { disposition: 'warning', severity: 'routine', description: 'A DNI was not found in this mesa\'s padrón (the DNI is not logged).' },
  'voter.already-voted': { disposition: 'warning', severity: 'notable', description: 'An elector already marked as having voted tried again (the DNI is not logged).' },
  'voter.assistance-authorized': { disposition: 'info', severity: 'routine', description: 'The president authorized an assistant for an elector with a disability (no identities logged).' },
  'token.issued': { disposition: 'success', severity: 'routine', description: 'An activation token was issued (its nonce is not logged).' },
  'token.rejected': { disposition: 'failure', severity: 'notable', description: 'A cabin refused an activation token (bad signature, reused or expired).' },
  'token.expired': { disposition: 'warning', severity: 'routine', description: 'An issued activation token expired unused.' },
  'token.voided': { disposition: 'info', severity: 'notable', description: 'An issued activation token was voided by the president.' },

  // --- Cabin (no ballot id, no selection in any entry) --------------------------------------
  'session.started': { disposition: 'info', severity: 'routine', description: 'A voting session began in the cabin.' },
  'session.cancelled': { disposition: 'warning', severity: 'notable', description: 'A voting session was cancelled before a ballot was committed.' },
  'token.claim-released': { disposition: 'info', severity: 'notable', description: 'A cabin gave back its claim on an activation device after a session ended without a vote (the nonce is not logged).' },
  'token.claim-kept': { disposition: 'warning', severity: 'notable', description: 'A cabin could not give back its claim on an activation device; only that cabin accepts the device again.' },
  'session.timed-out': { disposition: 'warning', severity: 'notable', description: 'A voting session was handed back to a poll worker after inactivity.' },
  'ballot.committed': { disposition: 'success', severity: 'routine', description: 'A ballot was durably stored (its id and content are not logged).' },
  'ballot.commit-failed': { disposition: 'failure', severity: 'alarm', description: 'A ballot could not be stored; the voter was not told it was recorded.' },
  'constancia.printed': { disposition: 'success', severity: 'routine', description: 'The voter\'s paper record (constancia) was printed.' },
  'constancia.failed': { disposition: 'failure', severity: 'alarm', description: 'The voter\'s paper record could not be printed.' },

  // --- Devices -------------------------------------------------------------------------------
  'device.inserted': { disposition: 'info', severity: 'routine', description: 'A removable device (USB memory, activation device) was inserted.' },
  'device.removed': { disposition: 'info', severity: 'routine', description: 'A removable device was removed.' },
  'device.refused': { disposition: 'failure', severity: 'notable', description: 'A device was refused (unknown kind, wrong label or unreadable).' },
  'printer.fault': { disposition: 'failure', severity: 'notable', description: 'The printer reported a fault (paper out, cover open, jam, disconnected).' },
  'printer.recovered': { disposition: 'info', severity: 'routine', description: 'The printer is ready again after a fault.' },
  'scanner.fault': { disposition: 'failure', severity: 'notable', description: 'The document scanner or reader reported a fault.' },

  // --- Results -------------------------------------------------------------------------------
  'results.written': { disposition: 'success', severity: 'routine', description: 'Signed results were written to the consolidation device.' },
  'results.read': { disposition: 'success', severity: 'routine', description: 'Signed results were read and verified from a device.' },
  'results.refused': { disposition: 'failure', severity: 'alarm', description: 'A results file was refused (bad signature, wrong mesa, duplicate or malformed).' },
  'results.consolidated': { disposition: 'success', severity: 'routine', description: 'The cabins\' results were consolidated into the mesa result.' },
  'manual-count.entered': { disposition: 'info', severity: 'notable', description: 'Hand-counted results were typed in (manual scrutiny support).' },
  'cotejo.recorded': { disposition: 'success', severity: 'routine', description: 'The comparison of paper records with electronic results (cotejo) was recorded.' },
  'cotejo.mismatch': { disposition: 'warning', severity: 'alarm', description: 'The cotejo found a difference between paper records and electronic results.' },
  'member.signed': { disposition: 'success', severity: 'routine', description: 'A mesa member signed a document digitally.' },
  'credential.refused': { disposition: 'failure', severity: 'notable', description: 'A member or personero credential was refused (unreadable, unknown, not the president); no identity is logged.' },

  // --- Transmission and backup ---------------------------------------------------------------
  'transmission.sent': { disposition: 'info', severity: 'routine', description: 'Results were sent to the computing centre.' },
  'transmission.acknowledged': { disposition: 'success', severity: 'routine', description: 'The computing centre returned a valid signed receipt.' },
  'transmission.failed': { disposition: 'failure', severity: 'notable', description: 'Sending results failed (network or server error); it will be retried.' },
  'transmission.refused': { disposition: 'failure', severity: 'alarm', description: 'The receipt was invalid or reported a different result.' },
  'transmission.link-up': { disposition: 'success', severity: 'routine', description: 'The communication device reached the computing centre over the pinned TLS.' },
  'transmission.link-down': { disposition: 'failure', severity: 'notable', description: 'The communication device could not reach the computing centre (or it was not the pinned centre).' },
  'cargo.printed': { disposition: 'success', severity: 'routine', description: 'A cargo de recepción of a mesa\'s consolidation device was printed (transmission module, Art. 31).' },
  'device.returned': { disposition: 'warning', severity: 'notable', description: 'A consolidation device without results was handed back to the mesa president, with no cargo (Art. 31.5).' },
  'backup.written': { disposition: 'success', severity: 'routine', description: 'A backup copy was written to a removable device.' },
  'backup.failed': { disposition: 'failure', severity: 'notable', description: 'A backup copy could not be written.' },

  // --- The audit log itself ------------------------------------------------------------------
  'log.verified': { disposition: 'success', severity: 'routine', description: 'The audit log hash chain was verified intact.' },
  'log.verification-failed': { disposition: 'failure', severity: 'alarm', description: 'The audit log failed verification (edited, deleted, inserted or reordered entries).' },
  'log.head-signed': { disposition: 'success', severity: 'routine', description: 'The audit log head was signed for inclusion in the closing results.' },
} as const satisfies Record<string, AuditEventSpec>;

export type AuditEventId = keyof typeof AUDIT_EVENTS;

export function isAuditEventId(value: string): value is AuditEventId {
  return Object.hasOwn(AUDIT_EVENTS, value);
}
