import type { Document } from '#app/generated/prisma/client.ts'
import { getDb } from '#app/utils/db.server.ts'

/**
 * The Yjs update log and its checkpoints. The log is append-only (the audit trail); a
 * checkpoint holds the merged state up to a log position, so loading reads the latest
 * checkpoint and only the rows after it.
 */
export async function loadDocumentLog({ documentId }: { documentId: Document['id'] }) {
	const db = getDb()
	const checkpoint = await db.documentCheckpoint.findFirst({
		where: { documentId },
		orderBy: { upToSeq: 'desc' },
		select: { state: true, upToSeq: true },
	})
	const tail = await db.documentUpdate.findMany({
		where: { documentId, ...(checkpoint ? { seq: { gt: checkpoint.upToSeq } } : {}) },
		orderBy: { seq: 'asc' },
		select: { seq: true, data: true },
	})
	return {
		checkpoint: checkpoint ? new Uint8Array(checkpoint.state) : null,
		tail: tail.map((row) => new Uint8Array(row.data)),
		lastSeq: tail.length > 0 ? tail[tail.length - 1]!.seq : (checkpoint?.upToSeq ?? null),
	}
}

/**
 * Appends rows, of one document or several, in one statement; returns the position of the
 * last row of each document.
 */
export async function appendDocumentUpdates({
	rows,
}: {
	rows: { documentId: Document['id']; data: Uint8Array; userId: string | null; delegationId: string | null }[]
}): Promise<Map<string, bigint>> {
	const created = await getDb().documentUpdate.createManyAndReturn({
		data: rows.map((row) => ({ documentId: row.documentId, data: row.data as Uint8Array<ArrayBuffer>, userId: row.userId, delegationId: row.delegationId })),
		select: { seq: true, documentId: true },
	})
	const last = new Map<string, bigint>()
	for (const row of created) if (row.seq > (last.get(row.documentId) ?? 0n)) last.set(row.documentId, row.seq)
	return last
}

/** Checkpoints kept per document: the newest, and one before it in case the newest is damaged. */
export const CHECKPOINTS_KEPT = 2

/** Writes a checkpoint and drops the older ones (the log itself is never touched). */
export async function writeCheckpoint({ documentId, state, upToSeq }: { documentId: Document['id']; state: Uint8Array; upToSeq: bigint }) {
	const db = getDb()
	await db.documentCheckpoint.create({ data: { documentId, state: state as Uint8Array<ArrayBuffer>, upToSeq } })
	const old = await db.documentCheckpoint.findMany({
		where: { documentId },
		orderBy: { upToSeq: 'desc' },
		skip: CHECKPOINTS_KEPT,
		select: { id: true },
	})
	if (old.length > 0) await db.documentCheckpoint.deleteMany({ where: { id: { in: old.map((c) => c.id) } } })
}
