import { expect } from 'vitest'
import type { PrismaClient } from '#app/generated/prisma/client.ts'
import { appendDocumentUpdates } from '#app/models/document-log.server.ts'

/**
 * The log's group-commit write (plain SQL, one statement) against the registered database:
 * many rows of two documents and several authors in one call, every byte value, an empty
 * update, a null author; each comes back exactly, attributed, in order, and the positions
 * returned are each document's last row. Run on the embedded database and on PostgreSQL.
 */
export async function expectLogAppendExact(prisma: PrismaClient, meetingId: string, slug: string) {
	const documents = [
		(await prisma.document.create({ data: { meetingId, slug: `${slug}-1`, title: 'Tuyên bố chung', kind: 'OUTCOME_STATEMENT' } })).id,
		(await prisma.document.create({ data: { meetingId, slug: `${slug}-2`, title: 'Kế hoạch hành động', kind: 'ACTION_PLAN' } })).id,
	] as const
	const authors = await prisma.delegationMember.findMany({ where: { delegation: { meetingId } }, select: { userId: true, delegationId: true } })
	expect(authors.length).toBeGreaterThan(2)
	const before = await prisma.documentUpdate.aggregate({ _max: { seq: true } })
	const rows = Array.from({ length: 3_000 }, (_, i) => {
		const author = i % 7 === 0 ? null : authors[i % authors.length]!
		const data = i === 5 ? new Uint8Array(0) : Uint8Array.from({ length: 1 + (i % 300) }, (_, j) => (i * 31 + j * 7) % 256)
		return { documentId: documents[i % 2]!, data, userId: author?.userId ?? null, delegationId: author?.delegationId ?? null }
	})
	// Bytes may arrive as a view into a larger buffer (a merged update is one).
	const big = Uint8Array.from({ length: 64 }, (_, i) => i)
	rows.push({ documentId: documents[0], data: big.subarray(10, 20), userId: null, delegationId: null })
	const last = await appendDocumentUpdates({ rows })
	const written = await prisma.documentUpdate.findMany({
		where: { seq: { gt: before._max.seq ?? 0n } },
		orderBy: { seq: 'asc' },
		select: { seq: true, documentId: true, data: true, userId: true, delegationId: true },
	})
	expect(written).toHaveLength(rows.length)
	written.forEach((row, i) => {
		expect(row.documentId).toBe(rows[i]!.documentId)
		expect(new Uint8Array(row.data)).toEqual(rows[i]!.data)
		expect(row.userId).toBe(rows[i]!.userId)
		expect(row.delegationId).toBe(rows[i]!.delegationId)
	})
	for (const documentId of documents) expect(last.get(documentId)).toBe(written.filter((r) => r.documentId === documentId).at(-1)!.seq)
	expect(await appendDocumentUpdates({ rows: [] })).toEqual(new Map())
}
