import type { Document, User } from '#app/generated/prisma/client.ts'
import { finalTitle } from '#app/domain/adoption.ts'
import { getDocumentAccess, type DocumentAccess } from '#app/domain/permissions.ts'
import { getDb, getSql } from '#app/utils/db.server.ts'

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

/** A document's title as readers see it: an adopted text drops its working label ("(draft)"). */
export async function getShownTitle({ id, title }: Pick<Document, 'id' | 'title'>): Promise<string> {
	const document = await getDb().document.findUnique({ where: { id }, select: { adoptedRevisionId: true } })
	return document?.adoptedRevisionId ? finalTitle(title) : title
}

/**
 * A document and its meeting, by slug, for the sync server's check of a connection (the
 * participants come apart, per meeting: see getMeetingParticipants). Null when no document has
 * this slug. Plain SQL in one trip into the database, like the update log's (getSql): it is
 * part of every cold join, and through Prisma this read and the next were a sizeable share of a
 * join from the database (docs/sync-performance-notebook.md, item 49).
 */
export async function getDocumentForSync({ slug }: Pick<Document, 'slug'>): Promise<Pick<DocumentAccessContext, 'document' | 'meeting'> | null> {
	const { rows } = await getSql()(
		`SELECT d."id", d."slug", d."title", d."kind", d."preambleStyle",
			m."id" AS "meetingId", m."slug" AS "meetingSlug", m."title" AS "meetingTitle", m."shortTitle",
			m."framework", m."chairStateCode", m."timeZone"
		FROM "Document" d JOIN "Meeting" m ON m."id" = d."meetingId"
		WHERE d."slug" = $1`,
		[slug],
	)
	const row = rows[0] as Record<string, string> | undefined
	if (!row) return null
	return {
		document: { id: row.id!, slug: row.slug!, title: row.title!, kind: row.kind as Document['kind'], preambleStyle: row.preambleStyle as Document['preambleStyle'] },
		meeting: {
			id: row.meetingId!,
			slug: row.meetingSlug!,
			title: row.meetingTitle!,
			shortTitle: row.shortTitle!,
			framework: row.framework as DocumentAccessContext['meeting']['framework'],
			chairStateCode: row.chairStateCode!,
			timeZone: row.timeZone!,
		},
	}
}

/**
 * Everyone in a meeting's delegations, by user id, with the delegation they act for: what the
 * sync server needs to decide any connection to any of the meeting's documents. One read serves
 * all of them (a conference has dozens of documents open, each joined by the same people).
 * Plain SQL, as getDocumentForSync.
 */
export async function getMeetingParticipants({ meetingId }: { meetingId: string }) {
	const { rows } = await getSql()(
		`SELECT u."id" AS "userId", u."name" AS "userName", dm."role",
			d."id" AS "delegationId", d."code", d."name", d."kind", d."stateCode"
		FROM "Delegation" d
		JOIN "DelegationMember" dm ON dm."delegationId" = d."id"
		JOIN "User" u ON u."id" = dm."userId"
		WHERE d."meetingId" = $1
		ORDER BY dm."createdAt", dm."id"`,
		[meetingId],
	)
	type Participation = NonNullable<DocumentAccessContext['participation']>
	const participants = new Map<string, { name: string; participation: Participation }>()
	for (const row of rows as Record<string, string | null>[]) {
		// One delegation per person and meeting is the rule; should data break it, the earliest
		// membership wins (rows come oldest first), as in getDocumentAccessContext.
		if (participants.has(row.userId!)) continue
		participants.set(row.userId!, {
			name: row.userName!,
			participation: {
				delegationId: row.delegationId!,
				delegationCode: row.code!,
				delegationName: row.name!,
				delegationKind: row.kind as Participation['delegationKind'],
				stateCode: row.stateCode ?? null,
				role: row.role as Participation['role'],
			},
		})
	}
	return participants
}
