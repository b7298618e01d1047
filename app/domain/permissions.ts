/**
 * The one access policy for documents, used by the web routes (loaders) and by the sync
 * server's upgrade authentication. Pure: no I/O.
 */

export type DelegationKind = 'MEMBER' | 'PARTNER' | 'OBSERVER' | 'SECRETARIAT'
export type DelegationRole = 'HEAD' | 'DELEGATE' | 'ADVISER'
export type Framework = 'ACCSM' | 'ACCSM_PLUS_3'
/** `suggest`: the person's changes must be suggestions (app/domain/suggestions.ts). */
export type DocumentAccess = 'edit' | 'suggest' | 'read' | 'none'

export type Participation = {
	delegationKind: DelegationKind
	role: DelegationRole
}

/**
 * What a person may do with a document of a meeting, given their participation in that
 * meeting (null when they are not in any delegation of it).
 * - member states and the Secretariat edit (the Secretariat edits on the Chair's behalf);
 * - dialogue partners edit only texts of the ACCSM+3 framework, and read the others;
 * - an adviser of a delegation that may edit only suggests (the Chair accepts or rejects);
 * - observers read;
 * - anyone else has no access.
 */
export function getDocumentAccess(
	participation: Participation | null,
	meeting: { framework: Framework },
): DocumentAccess {
	if (!participation) return 'none'
	const writes = participation.role === 'ADVISER' ? 'suggest' : 'edit'
	switch (participation.delegationKind) {
		case 'MEMBER':
		case 'SECRETARIAT':
			return writes
		case 'PARTNER':
			return meeting.framework === 'ACCSM_PLUS_3' ? writes : 'read'
		case 'OBSERVER':
			return 'read'
	}
}

export function canReadDocument(access: DocumentAccess): boolean {
	return access !== 'none'
}

export function canEditDocument(access: DocumentAccess): boolean {
	return access === 'edit'
}

/** Whether the person changes the text at all, directly or as suggestions. */
export function canWriteDocument(access: DocumentAccess): boolean {
	return access === 'edit' || access === 'suggest'
}

/**
 * Who reads the member states' positions and their compilation (ADR 014): those who negotiate
 * this text — its member states (advisers included), the Secretariat, and dialogue partners on
 * texts of the ACCSM+3 framework. Observers, and partners on texts of ASEAN alone, read the text
 * and its comments, not who objects to what. Checked by requireDocumentAccess(…, 'positions')
 * (app/utils/permissions.server.ts) for every page and download that shows positions.
 */
export function canReadPositions(access: DocumentAccess): boolean {
	return canWriteDocument(access)
}
