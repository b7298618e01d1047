import type { Document, User } from '#app/generated/prisma/client.ts'
import { getDocumentAccess, type DocumentAccess } from '#app/domain/permissions.ts'
import { getDb } from '#app/utils/db.server.ts'

export type DocumentAccessContext = {
	document: { id: string; slug: string; title: string; kind: Document['kind']; preambleStyle: Document['preambleStyle'] }
	meeting: { id: string; slug: string; title: string; shortTitle: string; framework: 'ACCSM' | 'ACCSM_PLUS_3'; chairStateCode: string; timeZone: string }
	participation: {
		delegationId: string
		delegationCode: string
		delegationName: string
		delegationKind: 'MEMBER' | 'PARTNER' | 'OBSERVER' | 'SECRETARIAT'
		stateCode: string | null
		role: 'HEAD' | 'DELEGATE' | 'ADVISER'
		mayAnswer?: boolean
	} | null
	access: DocumentAccess
}

const documentSelect = {
	id: true, slug: true, title: true, kind: true, preambleStyle: true,
	meeting: { select: { id: true, slug: true, title: true, shortTitle: true, framework: true, chairStateCode: true, timeZone: true } },
} as const

/**
 * A document with what this user may do with it, decided by the one access policy
 * (app/domain/permissions.ts). Null when no document has this slug.
 */
export async function getDocumentAccessContext(
	where: Pick<Document, 'slug'> | Pick<Document, 'id'>,
	{ userId }: { userId: User['id'] },
): Promise<DocumentAccessContext | null> {
	const document = await getDb().document.findUnique({ where: where as { slug: string }, select: documentSelect })
	if (!document) return null
	const member = await getDb().delegationMember.findFirst({
		where: { userId, delegation: { meetingId: document.meeting.id } },
		// One delegation per person and meeting is the rule; should data break it, the choice is stable.
		orderBy: { createdAt: 'asc' },
		select: { role: true, mayAnswer: true, delegation: { select: { id: true, code: true, name: true, kind: true, stateCode: true } } },
	})
	const participation = member
		? {
				delegationId: member.delegation.id,
				delegationCode: member.delegation.code,
				delegationName: member.delegation.name,
				delegationKind: member.delegation.kind,
				stateCode: member.delegation.stateCode,
				role: member.role,
				mayAnswer: member.mayAnswer,
			}
		: null
	const { meeting, ...doc } = document
	return {
		document: doc,
		meeting,
		participation,
		access: getDocumentAccess(participation && { delegationKind: participation.delegationKind, role: participation.role }, meeting),
	}
}

/**
 * A document and its meeting, by slug, for the sync server's check of a connection (the
 * participants come apart, per meeting: see getMeetingParticipants). Null when no document has
 * this slug.
 */
export async function getDocumentForSync({ slug }: Pick<Document, 'slug'>) {
	const document = await getDb().document.findUnique({ where: { slug }, select: documentSelect })
	if (!document) return null
	const { meeting, ...rest } = document
	return { document: rest, meeting }
}

/**
 * Everyone in a meeting's delegations, by user id, with the delegation they act for: what the
 * sync server needs to decide any connection to any of the meeting's documents. One read serves
 * all of them (a conference has dozens of documents open, each joined by the same people).
 */
export async function getMeetingParticipants({ meetingId }: { meetingId: string }) {
	const delegations = await getDb().delegation.findMany({
		where: { meetingId },
		select: {
			id: true, code: true, name: true, kind: true, stateCode: true,
			members: { select: { role: true, createdAt: true, user: { select: { id: true, name: true } } } },
		},
	})
	const participants = new Map<string, { name: string; participation: NonNullable<DocumentAccessContext['participation']>; joinedAt: Date }>()
	for (const delegation of delegations) {
		for (const member of delegation.members) {
			const existing = participants.get(member.user.id)
			// One delegation per person and meeting is the rule; should data break it, the earliest wins (as above).
			if (existing && existing.joinedAt <= member.createdAt) continue
			participants.set(member.user.id, {
				name: member.user.name,
				joinedAt: member.createdAt,
				participation: { delegationId: delegation.id, delegationCode: delegation.code, delegationName: delegation.name, delegationKind: delegation.kind, stateCode: delegation.stateCode, role: member.role },
			})
		}
	}
	return participants
}
