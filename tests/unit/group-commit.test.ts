import { afterEach, beforeEach, expect, test, vi } from 'vitest'
import * as Y from 'yjs'
import { GROUP_COMMIT_WINDOW_MS } from '#app/domain/constants.ts'
import { GroupCommit, mergeByAuthor, type DocumentLogEntry, type LogEntry } from '#server/persistence.ts'

beforeEach(() => {
	vi.useFakeTimers()
})
afterEach(() => {
	vi.useRealTimers()
})

function keystrokes(n: number, author: Pick<LogEntry, 'userId' | 'delegationId'>, documentId = 'doc-1') {
	const doc = new Y.Doc()
	const updates: Uint8Array[] = []
	doc.on('update', (u: Uint8Array) => updates.push(u))
	for (let i = 0; i < n; i++) doc.getText('t').insert(i, 'a')
	return { doc, entries: updates.map((data) => ({ ...author, documentId, data })) }
}

test('keystrokes of several documents within one window are one write, one row per document and author', async () => {
	const writes: DocumentLogEntry[][] = []
	const log = new GroupCommit({ write: async (entries) => void writes.push(entries) })
	const vnm = keystrokes(40, { userId: 'u-vnm', delegationId: 'd-vnm' })
	const tha = keystrokes(25, { userId: 'u-tha', delegationId: 'd-tha' })
	const plan = keystrokes(10, { userId: 'u-vnm', delegationId: 'd-vnm' }, 'doc-2')
	for (const e of [...vnm.entries, ...tha.entries, ...plan.entries]) log.add(e)
	expect(writes).toHaveLength(0)
	expect(log.isDirty('doc-1') && log.isDirty('doc-2')).toBe(true)
	await vi.advanceTimersByTimeAsync(GROUP_COMMIT_WINDOW_MS)
	expect(writes).toHaveLength(1)
	const rows = mergeByAuthor(writes[0]!)
	expect(rows.map((r) => [r.documentId, r.userId])).toEqual([['doc-1', 'u-vnm'], ['doc-1', 'u-tha'], ['doc-2', 'u-vnm']])
	// The merged rows hold exactly what the keystrokes held.
	const replay = new Y.Doc()
	Y.applyUpdate(replay, rows[0]!.data)
	expect(replay.getText('t').toString()).toBe(vnm.doc.getText('t').toString())
	expect(log.isDirty()).toBe(false)
	expect(log.isDirty('doc-1')).toBe(false)
})

test('a failed write is retried without losing or reordering anything', async () => {
	const written: DocumentLogEntry[] = []
	let failuresLeft = 2
	const errors: number[] = []
	const log = new GroupCommit({
		write: async (entries) => {
			if (failuresLeft-- > 0) throw new Error('database unavailable')
			written.push(...entries)
		},
		onError: (_e, n) => errors.push(n),
	})
	const { doc, entries } = keystrokes(10, { userId: 'u', delegationId: 'd' })
	for (const e of entries.slice(0, 5)) log.add(e)
	let flushed = false
	void log.flushed().then(() => (flushed = true))
	await vi.advanceTimersByTimeAsync(GROUP_COMMIT_WINDOW_MS)
	for (const e of entries.slice(5)) log.add(e)
	expect(log.isDirty('doc-1')).toBe(true)
	await vi.advanceTimersByTimeAsync(10_000)
	expect(errors).toEqual([1, 2])
	expect(flushed).toBe(true)
	expect(log.isDirty('doc-1')).toBe(false)
	const replay = new Y.Doc()
	for (const row of written) Y.applyUpdate(replay, row.data)
	expect(replay.getText('t').toString()).toBe(doc.getText('t').toString())
})

test("a document whose rows the database refuses does not hold up the others' writes", async () => {
	const written: DocumentLogEntry[] = []
	let refuse = true
	const reported: string[][] = []
	const log = new GroupCommit({
		write: async (entries) => {
			// As PostgreSQL refuses a whole statement when one row breaks a foreign key.
			if (refuse && entries.some((e) => e.documentId === 'deleted')) throw new Error('violates foreign key constraint')
			written.push(...entries)
		},
		onError: (_e, _n, documents) => reported.push(documents),
	})
	const healthy = keystrokes(6, { userId: 'u-vnm', delegationId: 'd-vnm' }, 'plan')
	const other = keystrokes(3, { userId: 'u-tha', delegationId: 'd-tha' }, 'statement')
	const gone = keystrokes(4, { userId: 'u-lao', delegationId: 'd-lao' }, 'deleted')
	for (const e of [...healthy.entries.slice(0, 3), ...gone.entries.slice(0, 2), ...other.entries]) log.add(e)
	const planFlushed = log.flushed('plan')
	const allFlushed = log.flushed()
	let allDone = false
	void allFlushed.then(() => (allDone = true))
	await vi.advanceTimersByTimeAsync(GROUP_COMMIT_WINDOW_MS)
	await planFlushed
	expect(log.isDirty('plan') || log.isDirty('statement')).toBe(false)
	expect(log.isDirty('deleted')).toBe(true)
	expect(reported).toEqual([['deleted']])
	expect(allDone).toBe(false)
	// The others keep their window while the refused document backs off.
	for (const e of healthy.entries.slice(3)) log.add(e)
	for (const e of gone.entries.slice(2)) log.add(e)
	await vi.advanceTimersByTimeAsync(GROUP_COMMIT_WINDOW_MS)
	expect(log.isDirty('plan')).toBe(false)
	expect(log.isDirty('deleted')).toBe(true)
	const replay = new Y.Doc()
	for (const row of written.filter((e) => e.documentId === 'plan')) Y.applyUpdate(replay, row.data)
	expect(replay.getText('t').toString()).toBe(healthy.doc.getText('t').toString())
	// Once the database takes it, the refused document's entries go in, in their order.
	refuse = false
	await vi.advanceTimersByTimeAsync(10_000)
	expect(allDone).toBe(true)
	expect(log.isDirty()).toBe(false)
	const rows = written.filter((e) => e.documentId === 'deleted')
	expect(rows.map((e) => e.data)).toEqual(gone.entries.map((e) => e.data))
})

test('flushed() waits only for what was added before it', async () => {
	const log = new GroupCommit({ write: async () => {} })
	await expect(log.flushed()).resolves.toBeUndefined()
	const { entries } = keystrokes(2, { userId: null, delegationId: null })
	log.add(entries[0]!)
	const first = log.flushNow()
	await vi.advanceTimersByTimeAsync(0)
	await first
	log.add(entries[1]!)
	expect(log.isDirty()).toBe(true)
})

test('mergeByAuthor keeps authors apart', () => {
	const a = keystrokes(3, { userId: 'a', delegationId: 'x' }).entries
	const b = keystrokes(2, { userId: 'b', delegationId: 'x' }).entries
	expect(mergeByAuthor([...a, ...b, a[0]!]).map((r) => r.userId)).toEqual(['a', 'b'])
	const other = keystrokes(2, { userId: 'a', delegationId: 'x' }, 'doc-2').entries
	expect(mergeByAuthor([...a, ...other]).map((r) => r.documentId)).toEqual(['doc-1', 'doc-2'])
})
