import * as Y from 'yjs'
import { DOCUMENT_FRAGMENT, GROUP_COMMIT_WINDOW_MS } from '#app/domain/constants.ts'
import { getDb } from '#app/utils/db.server.ts'

/**
 * Reading a document's history for people (issue 6): who edited what between two moments, from
 * the update log, and the revisions page's record. Changing revisions and calls is
 * app/models/revisions.server.ts.
 */

/**
 * Which delegations' edits changed each paragraph between a revision and a later moment: the
 * log rows written in between are replayed on the revision's state, and each row's changes are
 * traced to the paragraphs (by id) they touched. Paragraph id → delegation codes.
 */
export async function editsByParagraph({ documentId, fromState, from, to }: { documentId: string; fromState: Uint8Array; from: Date; to: Date | null }) {
	const rows = await getDb().documentUpdate.findMany({
		where: { documentId, createdAt: { gt: new Date(from.getTime() - GROUP_COMMIT_WINDOW_MS * 4), ...(to ? { lte: to } : {}) } },
		orderBy: { seq: 'asc' },
		select: { data: true, delegationId: true },
	})
	const ids = [...new Set(rows.map((r) => r.delegationId).filter((id): id is string => id !== null))]
	const codeOf = new Map((await getDb().delegation.findMany({ where: { id: { in: ids } }, select: { id: true, code: true } })).map((d) => [d.id, d.code]))
	const doc = new Y.Doc()
	Y.applyUpdate(doc, fromState)
	const fragment = doc.getXmlFragment(DOCUMENT_FRAGMENT)
	const byParagraph = new Map<string, Set<string>>()
	let current: string | null = null
	const paragraphOf = (type: Y.AbstractType<unknown> | null): string | null => {
		let node = type
		while (node && node.parent !== fragment) node = node.parent as Y.AbstractType<unknown> | null
		return node instanceof Y.XmlElement ? String(node.getAttribute('id') ?? '') : null
	}
	const observer = (events: Y.YEvent<Y.AbstractType<unknown>>[]) => {
		if (!current) return
		for (const event of events) {
			const ids =
				event.target === fragment
					? [...event.changes.added].map((item) => ((item.content as Y.ContentType).type instanceof Y.XmlElement ? String(((item.content as Y.ContentType).type as Y.XmlElement).getAttribute('id') ?? '') : null))
					: [paragraphOf(event.target)]
			for (const id of ids) if (id) byParagraph.set(id, (byParagraph.get(id) ?? new Set()).add(current))
		}
	}
	fragment.observeDeep(observer)
	for (const row of rows) {
		current = row.delegationId ? (codeOf.get(row.delegationId) ?? null) : null
		Y.applyUpdate(doc, row.data)
	}
	fragment.unobserveDeep(observer)
	doc.destroy()
	return new Map([...byParagraph].map(([id, codes]) => [id, [...codes].sort()]))
}

/** Who changed the text between two moments, from the update log: delegation → number of log rows. */
export async function editorsBetween({ documentId, from, to }: { documentId: string; from: Date; to: Date | null }) {
	const rows = await getDb().documentUpdate.groupBy({
		by: ['delegationId'],
		where: { documentId, createdAt: { gt: from, ...(to ? { lte: to } : {}) }, delegationId: { not: null } },
		_count: { _all: true },
	})
	const delegations = await getDb().delegation.findMany({ where: { id: { in: rows.map((r) => r.delegationId!) } }, select: { id: true, code: true } })
	const codeOf = new Map(delegations.map((d) => [d.id, d.code]))
	return rows.map((r) => ({ code: codeOf.get(r.delegationId!) ?? '?', changes: r._count._all })).sort((a, b) => b.changes - a.changes || a.code.localeCompare(b.code))
}

/** The revisions page: revisions, calls with their answers, member states, the record. */
export async function getRevisionsPage({ documentId, meetingId }: { documentId: string; meetingId: string }) {
	const [revisions, calls, members, events] = await Promise.all([
		getDb().revision.findMany({
			where: { documentId },
			orderBy: { number: 'desc' },
			select: { id: true, number: true, label: true, note: true, hash: true, createdAt: true, adoptedAt: true, author: { select: { name: true } }, delegation: { select: { code: true } } },
		}),
		getDb().approvalCall.findMany({
			where: { documentId },
			orderBy: { createdAt: 'desc' },
			select: {
				id: true,
				kind: true,
				status: true,
				deadline: true,
				timeZone: true,
				createdAt: true,
				closedAt: true,
				revision: { select: { number: true, label: true, hash: true } },
				approvals: { select: { delegationId: true, kind: true, note: true, revisionHash: true, updatedAt: true, user: { select: { name: true } } } },
				breaks: { select: { delegationId: true, reason: true, createdAt: true, user: { select: { name: true } } } },
			},
		}),
		getDb().delegation.findMany({ where: { meetingId, kind: 'MEMBER' }, orderBy: { code: 'asc' }, select: { id: true, code: true, name: true } }),
		getDb().negotiationEvent.findMany({
			where: { documentId, kind: { in: ['revision.issue', 'revision.restore', 'approval.call', 'approval.answer', 'silence.start', 'silence.break', 'adopted'] } },
			orderBy: { createdAt: 'desc' },
			select: { id: true, summary: true, detail: true, createdAt: true, user: { select: { name: true } }, delegation: { select: { code: true } } },
		}),
	])
	return { revisions, calls, members, events }
}
