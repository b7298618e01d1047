import { afterEach, expect, test, vi } from 'vitest'
import * as Y from 'yjs'
import { CLOSE_CODES } from '#app/domain/close-codes.ts'
import { CHECKPOINT_EVERY_ROWS, DOCUMENT_FRAGMENT, ROOM_SLEEP_AFTER_MS } from '#app/domain/constants.ts'
import { encodeBlocks, readBlocks, newParagraphId } from '#app/domain/statement.ts'
import { createMemoryPersistence } from '#server/persistence.ts'
import { RoomManager } from '#server/room-manager.ts'
import { connectFakeClient, createIdentity, until } from '#tests/factories/sync-client.ts'

const quiet = { info() {}, warn() {}, error() {} }
const managers: RoomManager[] = []
afterEach(async () => {
	await Promise.all(managers.splice(0).map((m) => m.closeAll()))
})

function setup() {
	const persistence = createMemoryPersistence()
	const rooms = new RoomManager({ persistence, logger: quiet, unloadDelayMs: 0 })
	managers.push(rooms)
	return { persistence, rooms }
}

function insertParagraph(doc: Y.Doc, text: string) {
	const fragment = doc.getXmlFragment(DOCUMENT_FRAGMENT)
	const p = new Y.XmlElement('paragraph')
	p.setAttribute('id', newParagraphId())
	p.setAttribute('kind', 'operative')
	const t = new Y.XmlText()
	t.insert(0, text)
	p.insert(0, [t])
	fragment.insert(fragment.length, [p])
}

test('two clients converge and a late joiner gets the whole text', async () => {
	const { rooms } = setup()
	const vnm = connectFakeClient(rooms, 'doc-1')
	const tha = connectFakeClient(rooms, 'doc-1', createIdentity({ userId: 'u-tha', delegationCode: 'THA', delegationId: 'd-tha' }))
	vnm.hello()
	tha.hello()
	const pumpAll = () => [vnm, tha].forEach((c) => c.pump())
	await until(() => rooms.rooms.has('doc-1'), { step: pumpAll })
	insertParagraph(vnm.doc, 'Việt Nam đề xuất')
	insertParagraph(tha.doc, 'Thailand proposes')
	await until(() => vnm.text() === tha.text() && vnm.text().includes('Thailand') && tha.text().includes('Việt Nam'), { step: pumpAll })
	const late = connectFakeClient(rooms, 'doc-1', createIdentity({ userId: 'u-brn', delegationCode: 'BRN' }))
	late.hello()
	await until(() => late.text() === vnm.text(), { step: () => late.pump() })
})

test('a read-only connection receives updates, its writes are refused and never stored', async () => {
	const { rooms, persistence } = setup()
	const editor = connectFakeClient(rooms, 'doc-2')
	const observer = connectFakeClient(rooms, 'doc-2', createIdentity({ userId: 'u-aus', delegationCode: 'AUS', access: 'read' }))
	editor.hello()
	observer.hello()
	const pumpAll = () => [editor, observer].forEach((c) => c.pump())
	insertParagraph(editor.doc, 'Agreed text')
	await until(() => observer.text().includes('Agreed text'), { step: pumpAll })
	expect(observer.received.some((m) => m.type === 2)).toBe(false) // its sync reply was not a write
	insertParagraph(observer.doc, 'Injected by an observer')
	await until(() => observer.received.some((m) => m.type === 2), { step: pumpAll })
	await rooms.rooms.get('doc-2')!.flushed()
	expect(editor.text()).not.toContain('Injected')
	const stored = new Y.Doc()
	for (const row of persistence.logs.get('doc-2') ?? []) Y.applyUpdate(stored, row.entry.data)
	expect(stored.getXmlFragment(DOCUMENT_FRAGMENT).toString()).not.toContain('Injected')
	expect(observer.socket.closed).toBeNull()
})

test('a malformed frame closes that connection only', async () => {
	const { rooms } = setup()
	const good = connectFakeClient(rooms, 'doc-3')
	const bad = connectFakeClient(rooms, 'doc-3', createIdentity({ userId: 'u-bad' }))
	good.hello()
	await until(() => rooms.rooms.has('doc-3'), { step: () => good.pump() })
	bad.handle.receive(new Uint8Array([0, 2, 250, 250, 250]))
	expect(bad.socket.closed?.code).toBe(CLOSE_CODES.badMessage)
	insertParagraph(good.doc, 'still here')
	await until(() => good.received.length > 0, { step: () => good.pump() })
	expect(good.socket.closed).toBeNull()
})

test('presence is stamped with the authenticated identity, not what the client claims', async () => {
	const { rooms } = setup()
	const a = connectFakeClient(rooms, 'doc-4')
	const b = connectFakeClient(rooms, 'doc-4', createIdentity({ userId: 'u-tha', name: 'Somchai', delegationCode: 'THA', color: '#111111' }))
	a.hello()
	b.hello()
	const pumpAll = () => [a, b].forEach((c) => c.pump())
	await until(() => rooms.rooms.has('doc-4'), { step: pumpAll })
	b.awareness.setLocalState({ user: { name: 'The Chair', delegation: 'VNM' }, cursor: null })
	b.sendPresence()
	await until(() => a.awareness.getStates().has(b.doc.clientID), { step: pumpAll })
	expect(a.awareness.getStates().get(b.doc.clientID)?.user).toMatchObject({ name: 'Somchai', delegation: 'THA' })
})

test('loading reads the latest checkpoint and only the log after it', async () => {
	const { rooms, persistence } = setup()
	await persistence.append([{ documentId: 'doc-5', userId: null, delegationId: null, data: encodeBlocks([{ type: 'paragraph', kind: 'operative', text: 'Seed' }]) }])
	const writer = connectFakeClient(rooms, 'doc-5')
	writer.hello()
	await until(() => writer.text().includes('Seed'), { step: () => writer.pump() })
	for (let i = 0; i < CHECKPOINT_EVERY_ROWS + 10; i++) {
		insertParagraph(writer.doc, `line ${i}`)
		await rooms.rooms.get('doc-5')!.flushed()
	}
	writer.close()
	await until(() => !rooms.rooms.has('doc-5'))
	const checkpoint = persistence.checkpoints.get('doc-5')
	expect(checkpoint).toBeDefined()
	const stored = await persistence.load('doc-5')
	expect(stored.tail.length).toBeLessThan(CHECKPOINT_EVERY_ROWS)
	const reader = connectFakeClient(rooms, 'doc-5')
	reader.hello()
	await until(() => reader.text() === writer.text(), { step: () => reader.pump() })
	expect(readBlocks(reader.doc)).toHaveLength(CHECKPOINT_EVERY_ROWS + 11)
})

test('acknowledgements say which changes are on disk', async () => {
	const { rooms, persistence } = setup()
	const client = connectFakeClient(rooms, 'doc-6', createIdentity(), { wantsAcks: true })
	client.hello()
	insertParagraph(client.doc, 'saved?')
	const acks = () => client.received.filter((m) => m.type === 100).map((m) => Y.decodeStateVector(m.payload!).get(client.doc.clientID))
	const clock = Y.getState(client.doc.store, client.doc.clientID)
	await until(() => acks().includes(clock), { step: () => client.pump() })
	// Never acknowledged before it was written: every ack below the clock came first.
	expect(acks().slice(0, -1).every((c) => c! < clock)).toBe(true)
	expect(persistence.logs.get('doc-6')?.length).toBeGreaterThan(0)
	// After a reconnect the page has nothing new to send; its presence (same Yjs client id) is
	// enough for the server to tell it at once that its changes are on disk.
	client.close()
	const reconnect = connectFakeClient(rooms, 'doc-6', createIdentity(), { wantsAcks: true })
	reconnect.hello()
	client.awareness.setLocalState({ cursor: null })
	reconnect.sendPresence(client.awareness)
	await until(() => reconnect.received.some((m) => m.type === 100 && Y.decodeStateVector(m.payload!).get(client.doc.clientID) === clock), {
		step: () => reconnect.pump(),
	})
})

test('frames sent before the document is loaded are queued, and a flood is cut off', async () => {
	const { rooms } = setup()
	const flood = connectFakeClient(rooms, 'doc-7')
	for (let i = 0; i < 300; i++) flood.handle.receive(new Uint8Array([3]))
	expect(flood.socket.closed?.code).toBe(CLOSE_CODES.overloaded)
	const polite = connectFakeClient(rooms, 'doc-7')
	polite.hello()
	await until(() => polite.received.length >= 2, { step: () => polite.pump() })
	expect(polite.socket.closed).toBeNull()
})

test('a new client joining a document being loaded is answered from storage, once, and converges', async () => {
	const { rooms, persistence } = setup()
	const seed = encodeBlocks([{ type: 'paragraph', kind: 'operative', text: 'Nhất trí thúc đẩy hợp tác' }])
	await persistence.append([{ documentId: 'doc-8', userId: null, delegationId: null, data: seed }])
	// Two new clients and one that already holds the text wait for the same load.
	const first = connectFakeClient(rooms, 'doc-8')
	const second = connectFakeClient(rooms, 'doc-8', createIdentity({ userId: 'u-tha', delegationCode: 'THA', delegationId: 'd-tha' }))
	const returning = connectFakeClient(rooms, 'doc-8', createIdentity({ userId: 'u-brn', delegationCode: 'BRN', delegationId: 'd-brn' }))
	Y.applyUpdate(returning.doc, seed)
	for (const c of [first, second, returning]) c.hello()
	expect(rooms.rooms.has('doc-8')).toBe(false)
	const all = [first, second, returning]
	const pumpAll = () => all.forEach((c) => c.pump())
	await until(() => all.every((c) => c.text().includes('Nhất trí')), { step: pumpAll })
	// One answer each, from the stored bytes.
	for (const c of all) expect(c.received.filter((m) => m.type === 0 && m.sub === 1)).toHaveLength(1)
	// Edits made right after reach everyone.
	insertParagraph(first.doc, 'Thêm đoạn mới')
	await until(() => all.every((c) => c.text() === first.text()), { step: pumpAll })
	expect(readBlocks(second.doc).map((b) => b.text)).toEqual(['Nhất trí thúc đẩy hợp tác', 'Thêm đoạn mới'])
})

test('a new client of a stored document gets it as stored, without the server building it, even when it asks late', async () => {
	const { rooms, persistence } = setup()
	const source = new Y.Doc()
	for (let i = 0; i < 60; i++) insertParagraph(source, `Đoạn ${i + 1}: ${'các nước thành viên ASEAN nhất trí '.repeat(20)}`)
	const state = Y.encodeStateAsUpdate(source)
	await persistence.checkpoint('big', state, 1n)
	for (const askAfterMs of [0, 5]) {
		const answers: Uint8Array[] = []
		const socket = { send: (frame: Uint8Array) => answers.push(frame), close() {} }
		const handle = rooms.connect('big', socket, createIdentity({ userId: `u-${askAfterMs}` }))
		if (askAfterMs) await new Promise((r) => setTimeout(r, askAfterMs))
		// Sync step 1 of a client that holds nothing: message 0, sub-message 0, an empty state vector.
		handle.receive(new Uint8Array([0, 0, 1, 0]))
		await until(() => answers.some((frame) => frame[0] === 0 && frame[1] === 1))
		const step2 = answers.find((frame) => frame[0] === 0 && frame[1] === 1)!
		const received = new Y.Doc()
		Y.applyUpdate(received, step2.slice(2 + varUintLength(state.byteLength)))
		expect(readBlocks(received)).toEqual(readBlocks(source)) // the whole text
		expect(rooms.rooms.get('big')!.isBuilt).toBe(false)
		// Answered before the server's own sync step 1 (reading a long history's state vector
		// waits), also when the request comes after the document loaded.
		await until(() => answers.some((frame) => frame[0] === 0 && frame[1] === 0))
		const step1 = answers.findIndex((frame) => frame[0] === 0 && frame[1] === 0)
		expect(answers.indexOf(step2)).toBeLessThan(step1)
		handle.close()
		await until(() => !rooms.rooms.has('big'))
	}
})

test("the server's own sync step 1 waits until a stored document's answer has left; a connection gone meanwhile gets nothing", async () => {
	const { rooms, persistence } = setup()
	const source = new Y.Doc()
	for (let i = 0; i < 20; i++) insertParagraph(source, `Đoạn ${i + 1}: Hội đồng Bộ trưởng phụ trách công vụ ASEAN`)
	await persistence.checkpoint('slow-link', Y.encodeStateAsUpdate(source), 1n)
	const connect = (userId: string) => {
		const frames: Uint8Array[] = []
		const pending: (() => void)[] = []
		const socket = {
			send: (frame: Uint8Array) => frames.push(frame),
			// A socket whose writes finish when the test says so (a large answer on a slow link).
			sendThen: (frame: Uint8Array, sent: () => void) => {
				frames.push(frame)
				pending.push(sent)
			},
			close() {},
		}
		const handle = rooms.connect('slow-link', socket, createIdentity({ userId }))
		return { frames, pending, handle, stepOne: () => frames.some((f) => f[0] === 0 && f[1] === 0) }
	}
	const a = connect('u-a')
	const b = connect('u-b')
	for (const client of [a, b]) client.handle.receive(new Uint8Array([0, 0, 1, 0])) // sync step 1 of a client holding nothing
	await until(() => a.pending.length === 1 && b.pending.length === 1)
	expect(a.frames.map((f) => [f[0], f[1]])).toEqual([[0, 1]]) // the answer only
	await new Promise((r) => setTimeout(r, 20))
	expect(a.stepOne()).toBe(false)
	a.pending[0]!()
	expect(a.stepOne()).toBe(true)
	// b left before its answer was out: nothing more is sent to it, nothing throws.
	b.handle.close()
	expect(() => b.pending[0]!()).not.toThrow()
	expect(b.stepOne()).toBe(false)
	a.handle.close()
	await until(() => !rooms.rooms.has('slow-link'))
})

test("a client that never asks still gets the server's sync step 1, and what it held reaches the others", async () => {
	const { rooms, persistence } = setup()
	const seed = encodeBlocks([{ type: 'paragraph', kind: 'operative', text: 'Hội nghị SOM lần thứ 21' }])
	await persistence.checkpoint('quiet', seed, 1n)
	// The first to open the stored document holds an edit made offline, which it never sent and
	// does not send now: it sends no sync step 1 (y-websocket always does). Only the server's
	// step 1 brings the edit.
	const offline = new Y.Doc()
	Y.applyUpdate(offline, seed)
	insertParagraph(offline, 'Lào đề nghị bổ sung')
	const silent = connectFakeClient(rooms, 'quiet', createIdentity({ userId: 'u-lao', delegationCode: 'LAO', delegationId: 'd-lao' }))
	Y.applyUpdate(silent.doc, Y.encodeStateAsUpdate(offline), 'server') // as if received: not sent
	await until(() => silent.received.some((m) => m.type === 0 && m.sub === 0), { step: () => silent.pump() })
	const reader = connectFakeClient(rooms, 'quiet')
	reader.hello()
	await until(() => reader.text().includes('Lào đề nghị'), { step: () => [reader, silent].forEach((c) => c.pump()) })
	expect(readBlocks(reader.doc).map((b) => b.text)).toEqual(['Hội nghị SOM lần thứ 21', 'Lào đề nghị bổ sung'])
	expect(silent.received.filter((m) => m.type === 0 && m.sub === 0)).toHaveLength(1)
})

test('a document unused for a while goes back to its encoded form and wakes on the next change, losing nothing', async () => {
	const { rooms, persistence } = setup()
	const seed = encodeBlocks([{ type: 'paragraph', kind: 'operative', text: 'Tăng cường an sinh xã hội' }])
	await persistence.append([{ documentId: 'doc-9', userId: null, delegationId: null, data: seed }])
	const writer = connectFakeClient(rooms, 'doc-9', createIdentity(), { wantsAcks: true })
	const reader = connectFakeClient(rooms, 'doc-9', createIdentity({ userId: 'u-tha', delegationCode: 'THA', delegationId: 'd-tha' }))
	const both = [writer, reader]
	const pumpBoth = () => both.forEach((c) => c.pump())
	for (const c of both) c.hello()
	await until(() => both.every((c) => c.text().includes('an sinh')), { step: pumpBoth })
	insertParagraph(writer.doc, 'Đoạn thứ hai')
	await until(() => reader.text() === writer.text(), { step: pumpBoth })
	const room = rooms.rooms.get('doc-9')!
	await room.flushed()
	const serverClientId = room.doc.clientID
	// Not before ROOM_SLEEP_AFTER_MS without use; then it sleeps.
	expect(room.sleepIfUnused(Date.now())).toBe(false)
	expect(room.sleepIfUnused(Date.now() + ROOM_SLEEP_AFTER_MS)).toBe(true)
	expect(room.isBuilt).toBe(false)
	// A client joining now gets everything, from the encoded form.
	const late = connectFakeClient(rooms, 'doc-9', createIdentity({ userId: 'u-brn', delegationCode: 'BRN', delegationId: 'd-brn' }))
	late.hello()
	await until(() => late.text() === writer.text(), { step: () => late.pump() })
	expect(room.isBuilt).toBe(false)
	// The next change wakes it: everyone converges, the change is stored and acknowledged.
	insertParagraph(reader.doc, 'Đoạn thứ ba, khi tài liệu đang ngủ')
	const all = [...both, late]
	await until(() => all.every((c) => c.text() === reader.text()), { step: () => all.forEach((c) => c.pump()) })
	expect(room.isBuilt).toBe(true)
	expect(readBlocks(room.doc).map((b) => b.text)).toEqual(['Tăng cường an sinh xã hội', 'Đoạn thứ hai', 'Đoạn thứ ba, khi tài liệu đang ngủ'])
	// The server's own edits keep one Yjs client id across sleeps.
	room.sleepIfUnused(Date.now() + ROOM_SLEEP_AFTER_MS)
	room.edit({ userId: null, delegationId: null }, (doc) => insertParagraph(doc, 'Do máy chủ viết'))
	expect(room.doc.clientID).toBe(serverClientId)
	await until(() => writer.text().includes('Do máy chủ viết'), { step: () => all.forEach((c) => c.pump()) })
	await room.flushed()
	const stored = await persistence.load('doc-9')
	const fromDisk = new Y.Doc()
	for (const update of [stored.checkpoint, ...stored.tail]) if (update) Y.applyUpdate(fromDisk, update)
	expect(readBlocks(fromDisk).map((b) => b.text)).toEqual(readBlocks(room.doc).map((b) => b.text))
})

function varUintLength(n: number): number {
	let length = 1
	while (n > 0x7f) {
		n >>>= 7
		length++
	}
	return length
}

test("the process's sweep puts an unused document to sleep", async () => {
	vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval', 'Date'] })
	try {
		const { rooms } = setup()
		const writer = connectFakeClient(rooms, 'doc-10')
		writer.hello()
		insertParagraph(writer.doc, 'Kế hoạch hành động')
		await until(() => rooms.rooms.get('doc-10')?.isBuilt === true, { step: () => writer.pump() })
		// The change is written and its fan-out has run: a room with a flush still scheduled is
		// in use and does not sleep (the sweeps below run synchronously, with the flush still
		// waiting, when the build is seen before its tick ended).
		await rooms.rooms.get('doc-10')!.flushed()
		await new Promise((resolve) => setImmediate(resolve))
		vi.advanceTimersByTime(ROOM_SLEEP_AFTER_MS / 2)
		expect(rooms.rooms.get('doc-10')!.isBuilt).toBe(true)
		vi.advanceTimersByTime(ROOM_SLEEP_AFTER_MS)
		expect(rooms.rooms.get('doc-10')!.isBuilt).toBe(false)
		expect(writer.socket.closed).toBeNull()
	} finally {
		vi.useRealTimers()
	}
})

test('a damaged stored document closes its connections as unavailable, blames no client, and is read again next time', async () => {
	const { rooms, persistence } = setup()
	const whole = encodeBlocks([{ type: 'paragraph', kind: 'operative', text: 'Tài liệu bị hỏng trên đĩa' }])
	await persistence.checkpoint('damaged', whole.slice(0, Math.floor(whole.length / 2)), 1n)
	const errors: unknown[] = []
	const warnings: unknown[] = []
	const logger = { info() {}, warn: (...args: unknown[]) => warnings.push(args), error: (...args: unknown[]) => errors.push(args) }
	const logging = new RoomManager({ persistence, logger, unloadDelayMs: 0 })
	managers.push(logging)
	const first = connectFakeClient(logging, 'damaged')
	const second = connectFakeClient(logging, 'damaged', createIdentity({ userId: 'u-tha', delegationCode: 'THA', delegationId: 'd-tha' }))
	// The second holds a part already: answering it reads the damaged bytes while handling its frame.
	insertParagraph(second.doc, 'Đoạn gõ khi mất mạng')
	for (const c of [first, second]) c.hello()
	// (Not pumped: what a client does with the damaged bytes it may already have been sent is
	// y-websocket's business; it logs them and the close makes the page say so.)
	await until(() => first.socket.closed !== null && second.socket.closed !== null)
	for (const c of [first, second]) expect(c.socket.closed?.code).toBe(CLOSE_CODES.unavailable)
	expect(errors.length).toBeGreaterThan(0)
	expect(warnings).toEqual([]) // no client is said to have sent a bad message
	expect(logging.rooms.get('damaged')?.destroyed).toBe(true)
	// Repaired on disk: the next connection reads it again.
	await persistence.checkpoint('damaged', whole, 2n)
	const later = connectFakeClient(logging, 'damaged')
	later.hello()
	await until(() => later.text().includes('hỏng'), { step: () => later.pump() })
	expect(later.socket.closed).toBeNull()
})
