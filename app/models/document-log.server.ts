import { randomUUID } from 'node:crypto'
import type { Document } from '#app/generated/prisma/client.ts'
import { getSql } from '#app/utils/db.server.ts'

/**
 * The Yjs update log and its checkpoints. The log is append-only (the audit trail); a
 * checkpoint holds the merged state up to a log position, so loading reads the latest
 * checkpoint and only the rows after it.
 */
export async function loadDocumentLog({ documentId }: { documentId: Document['id'] }) {
	// One statement (the checkpoint first, then the rows after it: their positions are all past
	// the checkpoint's, so one ORDER BY keeps that order on any plan), in plain SQL (getSql: one trip
	// into the embedded database): this read is most of a cold join, and Prisma's query builder
	// added much to it.
	// The bytes travel as base64 text, decoded natively: the embedded database's driver adapter
	// parses `bytea` one hex pair at a time, slow enough for a large checkpoint to be most of a cold join.
	const { rows } = (await getSql()(
		`WITH cp AS (
			SELECT "state", "upToSeq" FROM "DocumentCheckpoint"
			WHERE "documentId" = $1
			ORDER BY "upToSeq" DESC LIMIT 1
		)
		SELECT 'checkpoint' AS "kind", "upToSeq" AS "seq", encode("state", 'base64') AS "data" FROM cp
		UNION ALL
		SELECT * FROM (
			SELECT 'update' AS "kind", u."seq", encode(u."data", 'base64') AS "data" FROM "DocumentUpdate" u
			WHERE u."documentId" = $1 AND u."seq" > COALESCE((SELECT "upToSeq" FROM cp), 0)
			ORDER BY u."seq"
		) AS tail
		ORDER BY "seq"`,
		[documentId],
	)) as { rows: { kind: string; seq: bigint | number | string; data: string }[] }
	let checkpoint: { state: Uint8Array; upToSeq: bigint } | null = null
	const tail: Uint8Array[] = []
	let lastSeq: bigint | null = null
	for (const row of rows) {
		const seq = BigInt(row.seq)
		if (row.kind === 'checkpoint') checkpoint = { state: fromBase64(row.data), upToSeq: seq }
		else tail.push(fromBase64(row.data))
		lastSeq = seq
	}
	return { checkpoint: checkpoint?.state ?? null, tail, lastSeq }
}

/**
 * Appends rows, of one document or several, in one statement; returns the position of the
 * last row of each document. Plain SQL, not Prisma: this is the group-commit write, on the
 * sync server's thread with the embedded database, and Prisma's own work was a large share of
 * its CPU (docs/sync-performance-notebook.md, items 6 and 22). One statement whatever the number
 * of rows (four arrays, unnested in order), so no parameter limit either.
 */
export async function appendDocumentUpdates({
	rows,
}: {
	rows: { documentId: Document['id']; data: Uint8Array; userId: string | null; delegationId: string | null }[]
}): Promise<Map<string, bigint>> {
	const last = new Map<string, bigint>()
	if (rows.length === 0) return last
	const { rows: created } = await getSql()(
		`INSERT INTO "DocumentUpdate" ("documentId", "data", "userId", "delegationId")
		SELECT * FROM unnest($1::text[], $2::bytea[], $3::text[], $4::text[])
		RETURNING "seq", "documentId"`,
		[
			rows.map((row) => row.documentId),
			rows.map((row) => Buffer.from(row.data.buffer, row.data.byteOffset, row.data.byteLength)),
			rows.map((row) => row.userId),
			rows.map((row) => row.delegationId),
		],
	)
	for (const row of created) {
		const documentId = row.documentId as string
		const seq = BigInt(row.seq as bigint | number | string)
		if (seq > (last.get(documentId) ?? 0n)) last.set(documentId, seq)
	}
	return last
}

/** Checkpoints kept per document: the newest, and one before it in case the newest is damaged. */
export const CHECKPOINTS_KEPT = 2

/**
 * Writes a checkpoint and drops the older ones (the log itself is never touched), in one SQL
 * statement. It runs on the sync server's thread with the embedded database, in the middle of
 * a session: through Prisma it was three statements, the first one compiled by the query
 * compiler when first used (the longest event-loop stall of a session), and slow every time after
 * (docs/sync-performance-notebook.md, item 30).
 * The state travels as base64 text, decoded natively (see fromBase64). The delete does not see
 * the row the same statement inserts, so it keeps CHECKPOINTS_KEPT - 1 of the others.
 */
export async function writeCheckpoint({ documentId, state, upToSeq }: { documentId: Document['id']; state: Uint8Array; upToSeq: bigint }) {
	await getSql()(
		`WITH "created" AS (
			INSERT INTO "DocumentCheckpoint" ("id", "documentId", "state", "upToSeq") VALUES ($1, $2, decode($3, 'base64'), $4::bigint) RETURNING "id"
		)
		DELETE FROM "DocumentCheckpoint" WHERE "documentId" = $2 AND "id" NOT IN (
			SELECT "id" FROM "DocumentCheckpoint" WHERE "documentId" = $2 ORDER BY "upToSeq" DESC LIMIT $5
		)`,
		[randomUUID(), documentId, Buffer.from(state.buffer, state.byteOffset, state.byteLength).toString('base64'), upToSeq.toString(), CHECKPOINTS_KEPT - 1],
	)
}

/**
 * Bytes from PostgreSQL's base64 (which breaks lines; Node skips the breaks), copied out of
 * Node's shared buffer pool so that a small row does not keep a pool slab alive.
 */
function fromBase64(text: string): Uint8Array {
	return new Uint8Array(Buffer.from(text, 'base64'))
}
