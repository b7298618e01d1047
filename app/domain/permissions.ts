/**
 * The one access policy for documents, used by the web routes (loaders) and by the sync
 * server's upgrade authentication. Pure: no I/O.
 */

export type DelegationKind = 'MEMBER' | 'PARTNER' | 'OBSERVER' | 'SECRETARIAT'
export type DelegationRole = 'HEAD' | 'DELEGATE'
export type Framework = 'ACCSM' | 'ACCSM_PLUS_3'
export type DocumentAccess = 'edit' | 'read' | 'none'

export type Participation = {
	delegationKind: DelegationKind
	role: DelegationRole
}

/**
 * What a person may do with a document of a meeting, given their participation in that
 * meeting (null when they are not in any delegation of it).
 * - member states and the Secretariat edit (the Secretariat edits on the Chair's behalf);
 * - dialogue partners edit only texts of the ACCSM+3 framework, and read the others;
 * - observers read;
 * - anyone else has no access.
 */
export function getDocumentAccess(
	participation: Participation | null,
	meeting: { framework: Framework },
): DocumentAccess {
	if (!participation) return 'none'
	switch (participation.delegationKind) {
		case 'MEMBER':
		case 'SECRETARIAT':
			return 'edit'
		case 'PARTNER':
			return meeting.framework === 'ACCSM_PLUS_3' ? 'edit' : 'read'
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
