import { decodeAnchor, resolveAnchor } from '#app/domain/anchors.ts'
import {
	canComment,
	canRecordPosition,
	canResolveThread,
	MAX_COMMENT_LENGTH,
	parseMentions,
	POSITION_LABELS,
	type PositionKind,
} from '#app/domain/comments.ts'
import type { DocumentAccess } from '#app/domain/permissions.ts'
import { numberBlocks, paragraphNames, readBlocks } from '#app/domain/statement.ts'
import type { Document, User } from '#app/generated/prisma/client.ts'
import { getDb } from '#app/utils/db.server.ts'
import { getLiveDocuments } from '#app/utils/live-documents.server.ts'
import { refused, type Result } from '#app/domain/result.ts'

/**
 * Comment threads, positions and read markers of a document (issue 5). Bodies are plain text,
 * stored as written and shown as text. Every change ends with a notice to the pages that have
 * the document open, which refetch.
 */
export type CommentActor = {
	userId: User['id']
	name: string
	delegationId: string
	delegationCode: string
	delegationKind: 'MEMBER' | 'PARTNER' | 'OBSERVER' | 'SECRETARIAT'
	role: 'HEAD' | 'DELEGATE' | 'ADVISER'
	access: DocumentAccess
	/** The Chair or the Secretariat. */
	moderator: boolean
}

export type { Result }

function checkBody(body: string): string | null {
	if (body.trim() === '') return 'Write the comment first.'
	if (body.length > MAX_COMMENT_LENGTH) return `A comment holds at most ${MAX_COMMENT_LENGTH.toLocaleString('en')} characters (this one has ${body.length.toLocaleString('en')}).`
	return null
}

async function mentionIds(meetingId: string, body: string) {
	const delegations = await getDb().delegation.findMany({ where: { meetingId }, select: { id: true, code: true } })
	const codes = parseMentions(body, delegations.map((d) => d.code))
	return delegations.filter((d) => codes.includes(d.code)).map((d) => d.id)
}

/**
 * Once a text is adopted its comments and positions are closed: they were part of reaching it,
 * and stay as they were at adoption (read, not written). Read markers still move.
 */
async function closedByAdoption(documentId: string) {
	const document = await getDb().document.findUnique({ where: { id: documentId }, select: { adoptedRevisionId: true } })
	return document?.adoptedRevisionId ? refused(409, 'This text is adopted: its comments and positions are closed and stay as they were.') : null
}

function notify(documentId: string, summary: string) {
	getLiveDocuments().notify(documentId, { type: 'negotiation', summary })
}

export async function createThread(input: {
	document: Pick<Document, 'id' | 'meetingId'>
	actor: CommentActor
	paragraphId: string
	quote: string
	anchor: { start: string; end: string }
	body: string
}): Promise<Result<{ threadId: string }>> {
	if (!canComment(input.actor.access)) return refused(403, 'Your delegation does not take part in this meeting.')
	const bad = checkBody(input.body)
	if (bad) return refused(400, bad)
	const closed = await closedByAdoption(input.document.id)
	if (closed) return closed
	const anchor = decodeAnchor(input.anchor)
	if (!anchor) return refused(400, 'That selection could not be read; select the words again.')
	// The anchor must point at the quoted words of the paragraph in the live text.
	const place = await getLiveDocuments().read(input.document.id, (doc) => resolveAnchor(doc, anchor))
	if (!place || place.paragraphId !== input.paragraphId || place.text !== input.quote) {
		return refused(409, 'The text changed while you were selecting it. Select the words again.')
	}
	const mentions = await mentionIds(input.document.meetingId, input.body)
	const thread = await getDb().commentThread.create({
		data: {
			documentId: input.document.id,
			paragraphId: input.paragraphId,
			anchorStart: anchor.start as Uint8Array<ArrayBuffer>,
			anchorEnd: anchor.end as Uint8Array<ArrayBuffer>,
			quote: input.quote,
			authorId: input.actor.userId,
			delegationId: input.actor.delegationId,
			comments: {
				create: {
					authorId: input.actor.userId,
					delegationId: input.actor.delegationId,
					body: input.body,
					mentions: { create: mentions.map((delegationId) => ({ delegationId })) },
				},
			},
		},
	})
	notify(input.document.id, `${input.actor.delegationCode} commented`)
	return { ok: true, threadId: thread.id }
}

async function findThread(documentId: string, threadId: string) {
	return getDb().commentThread.findFirst({ where: { id: threadId, documentId }, select: { id: true, delegationId: true, status: true } })
}

export async function reply(input: { document: Pick<Document, 'id' | 'meetingId'>; actor: CommentActor; threadId: string; body: string }): Promise<Result> {
	if (!canComment(input.actor.access)) return refused(403, 'Your delegation does not take part in this meeting.')
	const bad = checkBody(input.body)
	if (bad) return refused(400, bad)
	const thread = await findThread(input.document.id, input.threadId)
	if (!thread) return refused(404, 'No such thread in this document.')
	const closed = await closedByAdoption(input.document.id)
	if (closed) return closed
	const mentions = await mentionIds(input.document.meetingId, input.body)
	await getDb().comment.create({
		data: {
			threadId: thread.id,
			authorId: input.actor.userId,
			delegationId: input.actor.delegationId,
			body: input.body,
			mentions: { create: mentions.map((delegationId) => ({ delegationId })) },
		},
	})
	await getDb().commentThread.update({ where: { id: thread.id }, data: { updatedAt: new Date() } })
	notify(input.document.id, `${input.actor.delegationCode} replied`)
	return { ok: true }
}

export async function setThreadStatus(input: { documentId: string; actor: CommentActor; threadId: string; status: 'OPEN' | 'RESOLVED' }): Promise<Result> {
	const thread = await findThread(input.documentId, input.threadId)
	if (!thread) return refused(404, 'No such thread in this document.')
	if (!canResolveThread({ delegationId: input.actor.delegationId, moderator: input.actor.moderator }, thread)) {
		return refused(403, 'A thread is resolved or reopened by its delegation, the Chair or the Secretariat.')
	}
	if (thread.status === input.status) return refused(409, input.status === 'RESOLVED' ? 'This thread is resolved already.' : 'This thread is open already.')
	const closed = await closedByAdoption(input.documentId)
	if (closed) return closed
	await getDb().commentThread.update({
		where: { id: thread.id },
		data: input.status === 'RESOLVED' ? { status: 'RESOLVED', resolvedById: input.actor.userId, resolvedAt: new Date() } : { status: 'OPEN', resolvedById: null, resolvedAt: null },
	})
	notify(input.documentId, `${input.actor.delegationCode} ${input.status === 'RESOLVED' ? 'resolved' : 'reopened'} a thread`)
	return { ok: true }
}

export async function setPosition(input: {
	document: Pick<Document, 'id'>
	actor: CommentActor
	paragraphId: string
	/** null: withdraw the position (the delegation is silent again). */
	kind: PositionKind | null
	note: string
	threadId: string | null
}): Promise<Result> {
	const closed = await closedByAdoption(input.document.id)
	if (closed) return closed
	const paragraph = await getLiveDocuments().read(input.document.id, (doc) => {
		const block = readBlocks(doc).find((b) => b.id === input.paragraphId)
		return block && block.type === 'paragraph' ? block : null
	})
	if (!paragraph) return refused(404, 'That paragraph is no longer in the text.')
	const rule = canRecordPosition(
		{ delegationId: input.actor.delegationId, delegationKind: input.actor.delegationKind, role: input.actor.role },
		{ delegationId: input.actor.delegationId, paragraphKind: paragraph.kind, kind: input.kind, note: input.note },
	)
	if (!rule.ok) return refused(rule.code === 'NoteRequired' || rule.code === 'TooLong' ? 400 : rule.code === 'NotOperative' ? 409 : 403, rule.message)
	if (input.threadId && !(await findThread(input.document.id, input.threadId))) return refused(404, 'No such thread in this document.')
	const note = input.kind ? input.note.trim() : ''
	const key = { documentId_paragraphId_delegationId: { documentId: input.document.id, paragraphId: input.paragraphId, delegationId: input.actor.delegationId } }
	const existing = await getDb().position.findUnique({ where: key })
	if (!existing && !input.kind) return refused(409, 'Your delegation has no position on this paragraph.')
	// The same answer again is not a change.
	if (existing && existing.kind === input.kind && existing.note === note && (!input.threadId || existing.threadId === input.threadId)) return { ok: true }
	await getDb().$transaction(async (tx) => {
		const position = await tx.position.upsert({
			where: key,
			create: { documentId: input.document.id, paragraphId: input.paragraphId, delegationId: input.actor.delegationId, kind: input.kind, note, threadId: input.threadId, userId: input.actor.userId },
			// The thread behind a position stays unless another one is named.
			update: { kind: input.kind, note, ...(input.threadId ? { threadId: input.threadId } : {}), userId: input.actor.userId },
		})
		await tx.positionChange.create({ data: { positionId: position.id, kind: input.kind, note, delegationId: input.actor.delegationId, userId: input.actor.userId } })
	})
	// Everyone on the text hears that a position changed; what it is, only those who may read
	// positions (canReadPositions) see, on the positions page.
	notify(input.document.id, `${input.actor.delegationCode} ${input.kind ? 'recorded a position' : 'withdrew a position'}`)
	return { ok: true }
}

/** Marks as read what the reader had on screen (up to `upTo`), never what arrived after it. */
export async function markRead({ userId, documentId, upTo }: { userId: string; documentId: string; upTo: Date }) {
	const seenAt = new Date(Math.min(upTo.getTime(), Date.now()))
	const existing = await getDb().readMarker.findUnique({ where: { userId_documentId: { userId, documentId } }, select: { seenAt: true } })
	if (existing && existing.seenAt >= seenAt) return
	await getDb().readMarker.upsert({ where: { userId_documentId: { userId, documentId } }, create: { userId, documentId, seenAt }, update: { seenAt } })
}

/** Threads with their comments, for the page (anchors as base64 for the browser to resolve). */
export async function getThreads({ documentId, userId }: { documentId: string; userId: string }) {
	const [threads, marker] = await Promise.all([
		getDb().commentThread.findMany({
			where: { documentId },
			orderBy: { createdAt: 'asc' },
			select: {
				id: true,
				paragraphId: true,
				anchorStart: true,
				anchorEnd: true,
				quote: true,
				status: true,
				resolvedAt: true,
				createdAt: true,
				delegation: { select: { id: true, code: true } },
				author: { select: { name: true } },
				resolvedBy: { select: { name: true } },
				comments: {
					orderBy: { createdAt: 'asc' },
					select: {
						id: true,
						body: true,
						createdAt: true,
						author: { select: { name: true } },
						delegation: { select: { id: true, code: true } },
						mentions: { select: { delegation: { select: { id: true, code: true } } } },
					},
				},
			},
		}),
		getDb().readMarker.findUnique({ where: { userId_documentId: { userId, documentId } }, select: { seenAt: true } }),
	])
	return {
		seenAt: marker?.seenAt ?? null,
		threads: threads.map(({ anchorStart, anchorEnd, ...t }) => ({
			...t,
			anchor: { start: Buffer.from(anchorStart).toString('base64'), end: Buffer.from(anchorEnd).toString('base64') },
		})),
	}
}

/** The matrix: operative paragraphs × delegations, with every position and the thread behind it. */
export async function getPositionMatrix({ documentId, meetingId }: { documentId: string; meetingId: string }) {
	const [document, delegations, rows] = await Promise.all([
		getDb().document.findUniqueOrThrow({ where: { id: documentId }, select: { preambleStyle: true } }),
		getDb().delegation.findMany({ where: { meetingId }, select: { id: true, code: true, name: true, kind: true }, orderBy: { code: 'asc' } }),
		getDb().position.findMany({
			where: { documentId, kind: { not: null } },
			select: { paragraphId: true, delegationId: true, kind: true, note: true, threadId: true, updatedAt: true, user: { select: { name: true } } },
		}),
	])
	const positions = rows.map((p) => ({ ...p, kind: p.kind! }))
	const preamble = document.preambleStyle === 'LETTERS' ? 'letters' : 'none'
	const blocks = await getLiveDocuments().read(documentId, (doc) => numberBlocks(readBlocks(doc), preamble))
	const names = paragraphNames(blocks)
	const paragraphs = blocks.filter((b) => b.type === 'paragraph' && b.kind === 'operative').map((b) => ({ id: b.id, name: names.get(b.id) ?? '', text: b.text }))
	return { delegations, positions, paragraphs, blocks, names }
}

/**
 * The compilation of comments and positions as CSV rows: by paragraph (in the text's order),
 * positions first, then each thread (in the order opened) with its replies under it.
 */
export async function getCompilation({ documentId, meetingId }: { documentId: string; meetingId: string }) {
	const [{ threads }, matrix] = await Promise.all([getThreads({ documentId, userId: '' }), getPositionMatrix({ documentId, meetingId })])
	const { names, blocks } = matrix
	const order = new Map(blocks.map((b, i) => [b.id, i]))
	const rows: (string | number)[][] = [['Paragraph', 'Thread', 'Delegation', 'Type', 'Status', 'Author', 'Time (UTC)', 'Quoted text', 'Text']]
	const codeOf = new Map(matrix.delegations.map((d) => [d.id, d.code]))
	const at = (paragraphId: string) => order.get(paragraphId) ?? Number.MAX_SAFE_INTEGER
	const name = (paragraphId: string) => names.get(paragraphId) ?? '(deleted paragraph)'
	const entries: { at: number; key: string; row: (string | number)[] }[] = []
	for (const p of matrix.positions) {
		const code = codeOf.get(p.delegationId) ?? ''
		entries.push({ at: at(p.paragraphId), key: `0 ${code}`, row: [name(p.paragraphId), '', code, 'Position', POSITION_LABELS[p.kind], p.user.name, p.updatedAt.toISOString(), '', p.note] })
	}
	threads.forEach((t, n) => {
		for (const [i, c] of t.comments.entries()) {
			entries.push({
				at: at(t.paragraphId),
				key: `1 ${String(n).padStart(6, '0')} ${String(i).padStart(6, '0')}`,
				row: [name(t.paragraphId), n + 1, c.delegation.code, i === 0 ? 'Comment' : 'Reply', t.status === 'OPEN' ? 'Open' : 'Resolved', c.author.name, c.createdAt.toISOString(), i === 0 ? t.quote : '', c.body],
			})
		}
	})
	entries.sort((a, b) => a.at - b.at || a.key.localeCompare(b.key))
	return [...rows, ...entries.map((e) => e.row)]
}
