import { afterEach, expect, test } from 'vitest'
import * as decoding from 'lib0/decoding'
import * as encoding from 'lib0/encoding'
import * as Y from 'yjs'
import { DOCUMENT_FRAGMENT, ECHO_PRESENCE_GROUPS, PRESENCE_FRAMES_BUDGET_PER_S, PRESENCE_INTERVAL_MS } from '#app/domain/constants.ts'
import { readBlocks, writeBlocks, newParagraphId } from '#app/domain/statement.ts'
import { createMemoryPersistence, MERGE_CHUNK_UPDATES } from '#server/persistence.ts'
import type { Identity } from '#server/connection.ts'
import type { PresenceSettings } from '#server/presence-pacer.ts'
import { RoomManager } from '#server/room-manager.ts'
import { connectFakeClient, createIdentity, until } from '#tests/factories/sync-client.ts'

const quiet = { info() {}, warn() {}, error() {} }
const managers: RoomManager[] = []
afterEach(async () => {
	await Promise.all(managers.splice(0).map((m) => m.closeAll()))
})

function setup(options: { echoPresenceBudgetPerS?: number; presence?: PresenceSettings } = {}) {
	const rooms = new RoomManager({ persistence: createMemoryPersistence(), logger: quiet, unloadDelayMs: 0, ...options })
	managers.push(rooms)
	return rooms
}

const READER = createIdentity({ userId: 'u-r', delegationCode: 'BRN' })

/** Clients of one document, each having sent its sync step 1, once the room is loaded; `pumpAll` delivers to every one. */
async function openClients(rooms: RoomManager, documentId: string, identities: Identity[]) {
	const clients = identities.map((identity) => connectFakeClient(rooms, documentId, identity))
	for (const c of clients) c.hello()
	const pumpAll = () => clients.forEach((c) => c.pump())
	await until(() => rooms.rooms.has(documentId), { step: pumpAll })
	return { clients, pumpAll }
}

/** A writer and a reader of a document with a plain paragraph (`first`) and an agreed one, both synced. */
async function writerAndReader(documentId: string, first: string) {
	const rooms = setup()
	const { clients, pumpAll } = await openClients(rooms, documentId, [createIdentity(), READER])
	const [writer, reader] = clients as [FakeClient, FakeClient]
	await rooms.edit(documentId, { userId: null, delegationId: null }, (doc) =>
		writeBlocks(doc, [
			{ type: 'paragraph', id: 'p1', kind: 'operative', text: first },
			{ type: 'paragraph', id: 'p2', kind: 'operative', status: 'agreed', text: 'Agree to strengthen social protection.' },
		]),
	)
	await until(() => writer.text() === reader.text() && readBlocks(reader.doc).length === 2, { step: pumpAll })
	return { writer, reader, pumpAll }
}

function paragraphText(doc: Y.Doc): Y.XmlText {
	const fragment = doc.getXmlFragment(DOCUMENT_FRAGMENT)
	if (fragment.length === 0) {
		const p = new Y.XmlElement('paragraph')
		p.setAttribute('id', newParagraphId())
		p.insert(0, [new Y.XmlText()])
		fragment.insert(0, [p])
	}
	return (fragment.get(0) as Y.XmlElement).get(0) as Y.XmlText
}

test('updates arriving in one tick go out as one frame that decodes to the same document', async () => {
	const rooms = setup()
	const { clients, pumpAll } = await openClients(rooms, 'd', [createIdentity(), createIdentity({ userId: 'u-b', delegationCode: 'THA' }), READER])
	const [writerA, writerB, reader] = clients as [FakeClient, FakeClient, FakeClient]
	paragraphText(writerA.doc).insert(0, 'Hà Nội ')
	await until(() => reader.text() === writerA.text() && writerB.text() === writerA.text(), { step: pumpAll })

	const before = reader.socket.sent.length
	// 40 keystrokes from two writers within the same tick: no pumping in between.
	for (let i = 0; i < 20; i++) {
		paragraphText(writerA.doc).insert(0, 'a')
		paragraphText(writerB.doc).insert(paragraphText(writerB.doc).length, 'b')
	}
	await new Promise((r) => setImmediate(r))
	await new Promise((r) => setImmediate(r))
	const frames = reader.socket.sent.length - before
	expect(frames).toBeGreaterThanOrEqual(1)
	expect(frames).toBeLessThan(5)
	await until(() => reader.text() === writerA.text() && reader.text() === writerB.text() && (reader.text().match(/a/g)?.length ?? 0) >= 20, { step: pumpAll })
	expect(readString(reader.doc)).toMatch(/^a{20}Hà Nội b{20}$/)
})

test("a tick's first change goes out at once, the rest of the tick merged at its end; a refused change never goes out alone", async () => {
	const { writer, reader, pumpAll } = await writerAndReader('now', 'Tăng cường hợp tác ')
	const textFrames = () => reader.received.filter((m) => m.type === 0).length

	// Three keystrokes in one tick: the first reaches the reader before the tick ends, the other two in one frame after it.
	reader.pump()
	const before = textFrames()
	paragraphText(writer.doc).insert(paragraphText(writer.doc).length, 'x')
	reader.pump()
	expect(textFrames()).toBe(before + 1)
	expect(readString(reader.doc)).toBe('Tăng cường hợp tác x')
	paragraphText(writer.doc).insert(paragraphText(writer.doc).length, 'ã')
	paragraphText(writer.doc).insert(paragraphText(writer.doc).length, 'h')
	reader.pump()
	expect(textFrames()).toBe(before + 1)
	await new Promise((r) => setImmediate(r))
	reader.pump()
	expect(textFrames()).toBe(before + 2)
	expect(readString(reader.doc)).toBe('Tăng cường hợp tác xãh')

	// A new tick: at once again. A refused change (inside the agreed paragraph) is not sent at once:
	// it goes at the end of the tick with its reversal, and the reader never sees the refused text.
	const agreed = (doc: Y.Doc) => readBlocks(doc)[1]!.text
	const refused = () => ((writer.doc.getXmlFragment(DOCUMENT_FRAGMENT).get(1) as Y.XmlElement).get(0) as Y.XmlText).insert(6, 'NOT ')
	refused()
	reader.pump()
	expect(textFrames()).toBe(before + 2)
	expect(agreed(reader.doc)).toBe('Agree to strengthen social protection.')
	await new Promise((r) => setImmediate(r))
	reader.pump()
	expect(agreed(reader.doc)).toBe('Agree to strengthen social protection.')
	await until(() => writer.text() === reader.text(), { step: pumpAll })
	expect(agreed(writer.doc)).toBe('Agree to strengthen social protection.')
})

test('in a tick busy enough to be merged in several chunks, a refused change and its reversal still reach a reader together', async () => {
	const { writer, reader, pumpAll } = await writerAndReader('chunks', 'Phát triển bền vững')
	const agreed = (doc: Y.Doc) => readBlocks(doc)[1]!.text
	// The reader checks the agreed paragraph after every frame it applies, as a page renders.
	let sawRefused = false
	reader.doc.on('update', () => {
		if (agreed(reader.doc) !== 'Agree to strengthen social protection.') sawRefused = true
	})

	// One tick: the first keystroke goes at once, then a chunk's worth less one waits for the
	// end of the tick, so the refused change is the last of the first chunk and its reversal
	// would be the first of the next.
	const text = paragraphText(writer.doc)
	for (let i = 0; i < MERGE_CHUNK_UPDATES; i++) text.insert(text.length, i % 2 ? 'ă' : 'ơ')
	;((writer.doc.getXmlFragment(DOCUMENT_FRAGMENT).get(1) as Y.XmlElement).get(0) as Y.XmlText).insert(6, 'NOT ')
	await new Promise((r) => setImmediate(r))
	reader.pump()
	expect(sawRefused).toBe(false)
	expect(agreed(reader.doc)).toBe('Agree to strengthen social protection.')
	expect(readBlocks(reader.doc)[0]!.text).toHaveLength('Phát triển bền vững'.length + MERGE_CHUNK_UPDATES)
	// The writer's own copy drops the refused text too.
	await until(() => writer.text() === reader.text(), { step: pumpAll })
	expect(agreed(writer.doc)).toBe('Agree to strengthen social protection.')
})

test("the change sent at once goes without presence: the caret that follows it in the same tick leaves with the rest of the tick's presence", async () => {
	const rooms = setup()
	const { clients, pumpAll } = await openClients(rooms, 'caret', [createIdentity(), createIdentity({ userId: 'u-o', delegationCode: 'THA' }), READER])
	const [writer, observer, reader] = clients as [FakeClient, FakeClient, FakeClient]
	paragraphText(writer.doc).insert(0, 'Đông Nam Á')
	await until(() => reader.text() === writer.text(), { step: pumpAll })
	reader.pump()
	const frames = (type: number) => reader.received.filter((m) => m.type === type).length
	const [textBefore, presenceBefore] = [frames(0), frames(1)]

	// One tick: someone's caret (due at once in this quiet room), a keystroke, then the caret that goes with it.
	moveCaret(observer, 5)
	paragraphText(writer.doc).insert(paragraphText(writer.doc).length, '!')
	reader.pump()
	expect(frames(0)).toBe(textBefore + 1)
	expect(frames(1)).toBe(presenceBefore)
	moveCaret(writer, 11)
	await new Promise((r) => setImmediate(r))
	reader.pump()
	expect(frames(1)).toBe(presenceBefore + 1)
	expect(caretOf(observer, reader)).toBe(5)
	expect(caretOf(writer, reader)).toBe(11)
	expect(reader.text()).toBe(writer.text())
})

test('a client that joins during a burst converges', async () => {
	const rooms = setup()
	const writer = connectFakeClient(rooms, 'burst')
	writer.hello()
	await until(() => rooms.rooms.has('burst'), { step: () => writer.pump() })
	const joiners: FakeClient[] = []
	for (let i = 0; i < 300; i++) {
		paragraphText(writer.doc).insert(paragraphText(writer.doc).length, String(i % 10))
		if (i % 60 === 30) {
			const j = connectFakeClient(rooms, 'burst', createIdentity({ userId: `u-${i}` }))
			j.hello()
			joiners.push(j)
		}
		if (i % 7 === 0) await new Promise((r) => setImmediate(r))
		for (const j of joiners) if (i % 3 === 0) j.pump()
	}
	await until(() => joiners.every((j) => j.text() === writer.text()), { step: () => [writer, ...joiners].forEach((c) => c.pump()) })
	expect(readString(joiners[0]!.doc)).toHaveLength(300)
})

test('presence is paced, never lost: the latest caret arrives, text is not held back', async () => {
	const rooms = setup()
	const { clients, pumpAll } = await openClients(rooms, 'pace', [createIdentity(), READER])
	const [typist, reader] = clients as [FakeClient, FakeClient]
	const sendCaret = (at: number) => moveCaret(typist, at)
	const caretSeen = () => caretOf(typist, reader)
	// In a quiet room the first caret goes at once.
	sendCaret(0)
	await new Promise((r) => setImmediate(r))
	reader.pump()
	expect(caretSeen()).toBe(0)

	// 30 caret moves with keystrokes in between, over about two intervals.
	const awarenessFramesBefore = reader.received.filter((m) => m.type === 1).length
	const started = performance.now()
	for (let i = 1; i <= 30; i++) {
		paragraphText(typist.doc).insert(paragraphText(typist.doc).length, 'ạ')
		sendCaret(i)
		await new Promise((r) => setTimeout(r, (2 * PRESENCE_INTERVAL_MS) / 30))
		reader.pump()
		// Every keystroke reaches the reader in the tick it was sent, whatever presence does.
		expect(reader.text()).toBe(typist.text())
	}
	const elapsed = performance.now() - started
	// The latest caret always arrives.
	await until(() => caretSeen() === 30, { step: pumpAll })
	const awarenessFrames = reader.received.filter((m) => m.type === 1).length - awarenessFramesBefore
	expect(awarenessFrames).toBeGreaterThanOrEqual(1)
	expect(awarenessFrames).toBeLessThanOrEqual(Math.ceil(elapsed / PRESENCE_INTERVAL_MS) + 2)
	expect(awarenessFrames).toBeLessThan(30)
})

test('a connection that echoes presence gets it less often in a busy process, still the latest; the others are not slowed', async () => {
	// As if the process served ~60 echoing connections: one of them here is given the same
	// share of the budget (ECHO_PRESENCE_BUDGET_PER_S), so it gets presence every 250 ms.
	const echoInterval = 250
	const rooms = setup({ echoPresenceBudgetPerS: 1000 / echoInterval })
	const typist = connectFakeClient(rooms, 'echo')
	const prompt = connectFakeClient(rooms, 'echo', createIdentity({ userId: 'u-p', delegationCode: 'BRN' }))
	const echoing = connectFakeClient(rooms, 'echo', createIdentity({ userId: 'u-e', delegationCode: 'KHM' }))
	for (const c of [typist, prompt, echoing]) c.hello()
	let echoed = 0
	const pumpEchoing = () => (echoed += pumpAndEcho(echoing))
	const pumpAll = () => {
		typist.pump()
		prompt.pump()
		pumpEchoing()
	}
	await until(() => rooms.rooms.has('echo'), { step: pumpAll })
	const caretSeen = (c: typeof prompt) => caretOf(typist, c)
	moveCaret(typist, 0)
	await until(() => caretSeen(prompt) === 0 && caretSeen(echoing) === 0 && echoed > 0, { step: pumpAll })
	const room = rooms.rooms.get('echo')!
	expect([...room.connections].filter((c) => c.echoes).map((c) => c.identity.delegationCode)).toEqual(['KHM'])

	const frames = (c: typeof prompt) => c.received.filter((m) => m.type === 1).length
	const before = { prompt: frames(prompt), echoing: frames(echoing) }
	const started = performance.now()
	for (let i = 1; i <= 40; i++) {
		typeAndMove(typist, 'ơ', i)
		await new Promise((r) => setTimeout(r, 25))
		pumpAll()
		// Text is never held back, for either.
		expect(prompt.text()).toBe(typist.text())
		expect(echoing.text()).toBe(typist.text())
	}
	const elapsed = performance.now() - started
	// The latest caret reaches both.
	await until(() => caretSeen(prompt) === 40 && caretSeen(echoing) === 40, { step: pumpAll })
	const promptFrames = frames(prompt) - before.prompt
	const echoFrames = frames(echoing) - before.echoing
	expect(promptFrames).toBeGreaterThan(Math.floor(elapsed / PRESENCE_INTERVAL_MS / 2))
	expect(echoFrames).toBeLessThanOrEqual(Math.ceil(elapsed / echoInterval) + 2)
	expect(echoFrames).toBeLessThan(promptFrames)
	// Leaving takes it out of the echoing group.
	echoing.handle.close()
	expect([...room.connections].some((c) => c.echoes)).toBe(false)
})

/** A typist and a connection that echoes presence, once the server has caught it echoing; `pump` delivers to both. */
async function typistAndEchoing(rooms: RoomManager, documentId: string) {
	const typist = connectFakeClient(rooms, documentId)
	const echoing = connectFakeClient(rooms, documentId, createIdentity({ userId: 'u-e', delegationCode: 'KHM' }))
	for (const c of [typist, echoing]) c.hello()
	const pump = () => {
		typist.pump()
		pumpAndEcho(echoing)
	}
	await until(() => rooms.rooms.has(documentId), { step: pump })
	moveCaret(typist, 0)
	await until(() => [...rooms.rooms.get(documentId)!.connections].some((c) => c.echoes), { step: pump })
	return { typist, echoing, pump }
}

test('with few echoing connections in the process, they get presence as promptly as the others', async () => {
	const { typist, echoing, pump } = await typistAndEchoing(setup(), 'few')
	const before = echoing.received.filter((m) => m.type === 1).length
	const started = performance.now()
	for (let i = 1; i <= 30; i++) {
		typeAndMove(typist, 'ư', i)
		await new Promise((r) => setTimeout(r, 25))
		pump()
	}
	const elapsed = performance.now() - started
	expect(echoing.received.filter((m) => m.type === 1).length - before).toBeGreaterThan(Math.floor(elapsed / PRESENCE_INTERVAL_MS / 2))
})

test('however many echoing connections the process has, each still gets presence before it goes stale', async () => {
	// A budget that would space presence by hours; the cap (ECHO_PRESENCE_MAX_INTERVAL_MS, here 300 ms) holds.
	const { typist, echoing, pump } = await typistAndEchoing(setup({ echoPresenceBudgetPerS: 0.001, presence: { echoMaxIntervalMs: 300 } }), 'cap')
	for (let i = 1; i <= 3; i++) {
		typeAndMove(typist, 'đ', i)
		// The text at once; the caret within the capped interval (twice it, with no text to ride with).
		await until(() => echoing.text() === typist.text(), { step: pump, timeoutMs: 1_000 })
		await until(() => caretOf(typist, echoing) === i, { step: pump, timeoutMs: 2_000 })
	}
})

test('in a quiet room a renewal reaches an echoing connection within its turns, not after the spread as well', async () => {
	// The prompt connections get a renewal at a moment drawn within the spread (here a minute);
	// the echoing ones at their next turn (the capped interval, 300 ms here, or as long again).
	const rooms = setup({ echoPresenceBudgetPerS: 0.001, presence: { echoMaxIntervalMs: 300, renewalForwardMs: 0, renewalSpreadMs: 60_000 } })
	const { typist, echoing, pump } = await typistAndEchoing(rooms, 'quiet')
	const clockSeen = () => echoing.awareness.meta.get(typist.doc.clientID)?.clock ?? -1
	await until(() => caretOf(typist, echoing) === 0, { step: pump, timeoutMs: 2_000 })
	for (let i = 0; i < 2; i++) {
		// No text: the same state, the next clock (as y-protocols renews every 15 s).
		typist.awareness.setLocalState(typist.awareness.getLocalState())
		typist.sendPresence()
		const clock = typist.awareness.meta.get(typist.doc.clientID)!.clock
		await until(() => clockSeen() === clock, { step: pump, timeoutMs: 2_000 })
	}
})

test('in a room where everyone echoes, a renewal reaches the others in their turns and nothing waits for the spread', async () => {
	const rooms = setup({ presence: { renewalForwardMs: 0, renewalSpreadMs: 60_000 } })
	const people = [createIdentity({ userId: 'u-1', delegationCode: 'KHM' }), createIdentity({ userId: 'u-2', delegationCode: 'LAO' })].map((identity) => connectFakeClient(rooms, 'all-echo', identity))
	const [renewer, other] = people as [FakeClient, FakeClient]
	for (const c of people) c.hello()
	const pump = () => people.forEach((c) => pumpAndEcho(c))
	await until(() => rooms.rooms.has('all-echo'), { step: pump })
	moveCaret(renewer, 0)
	moveCaret(other, 0)
	const room = rooms.rooms.get('all-echo')!
	await until(() => [...room.connections].every((c) => c.echoes) && caretOf(renewer, other) === 0, { step: pump })
	renewer.awareness.setLocalState(renewer.awareness.getLocalState())
	renewer.sendPresence()
	const clock = renewer.awareness.meta.get(renewer.doc.clientID)!.clock
	await until(() => other.awareness.meta.get(renewer.doc.clientID)?.clock === clock, { step: pump, timeoutMs: 2_000 })
	expect(room['presence']['renewals'].size).toBe(0)
})

test('echoing connections get presence in turns spread over the interval, not all at once', async () => {
	// A group per 2 echoing connections (ECHO_PRESENCE_GROUP_SIZE is 32): 10 make 5 groups.
	const rooms = setup({ presence: { echoGroupSize: 2 } })
	const typist = connectFakeClient(rooms, 'turns')
	typist.hello()
	await until(() => rooms.rooms.has('turns'), { step: () => typist.pump() })
	const readers = Array.from({ length: 2 * ECHO_PRESENCE_GROUPS }, (_, i) => connectFakeClient(rooms, 'turns', createIdentity({ userId: `u-${i}`, delegationCode: 'KHM' })))
	// When each reader's socket got presence.
	const presenceAt = readers.map((reader) => {
		const times: number[] = []
		const send = reader.socket.send.bind(reader.socket)
		reader.socket.send = (data: Uint8Array) => {
			if (data[0] === 1) times.push(performance.now())
			send(data)
		}
		return times
	})
	const pump = () => {
		typist.pump()
		for (const reader of readers) pumpAndEcho(reader)
	}
	moveCaret(typist, 0)
	const room = () => rooms.rooms.get('turns')!
	await until(() => [...room().connections].filter((c) => c.echoes).length === readers.length, { step: pump })
	const started = performance.now()
	for (let i = 1; i <= 120; i++) {
		moveCaret(typist, i)
		await new Promise((r) => setTimeout(r, 5))
		pump()
	}
	const elapsed = performance.now() - started
	const caretSeen = (c: (typeof readers)[number]) => caretOf(typist, c)
	await until(() => readers.every((reader) => caretSeen(reader) === 120), { step: pump })
	// Each still gets presence about every PRESENCE_INTERVAL_MS, and no more often…
	for (const times of presenceAt) {
		const during = times.filter((t) => t >= started && t <= started + elapsed).length
		expect(during).toBeGreaterThan(Math.floor(elapsed / PRESENCE_INTERVAL_MS / 2))
		expect(during).toBeLessThanOrEqual(Math.ceil(elapsed / PRESENCE_INTERVAL_MS) + 2)
	}
	// …but a group at a time (after the first change, which every group gets at once): frames
	// sent within a millisecond of each other went out together. (Two groups can fall due in
	// one flush when the event loop stalls longer than their spacing.)
	const all = presenceAt.flat().filter((t) => t >= started + PRESENCE_INTERVAL_MS).sort((a, b) => a - b)
	const sendings: number[] = []
	for (let i = 0; i < all.length; i++) {
		if (i > 0 && all[i]! - all[i - 1]! < 1) sendings[sendings.length - 1]!++
		else sendings.push(1)
	}
	sendings.sort((a, b) => a - b)
	expect(sendings[Math.floor(sendings.length / 2)]).toBe(readers.length / ECHO_PRESENCE_GROUPS)
	expect(sendings.at(-1)).toBeLessThan(readers.length)
})

test('a small room keeps its echoing connections in one group; a large one opens a group per ECHO_PRESENCE_GROUP_SIZE', async () => {
	const rooms = setup({ presence: { echoGroupSize: 4 } })
	const typist = connectFakeClient(rooms, 'groups')
	typist.hello()
	await until(() => rooms.rooms.has('groups'), { step: () => typist.pump() })
	const readers: FakeClient[] = []
	const groups = () => new Set([...rooms.rooms.get('groups')!.connections].filter((c) => c.echoes).map((c) => c.echoGroup))
	for (const [count, expected] of [
		[4, 1],
		[8, 2],
		[30, ECHO_PRESENCE_GROUPS],
	] as const) {
		while (readers.length < count) readers.push(connectFakeClient(rooms, 'groups', createIdentity({ userId: `u-${readers.length}`, delegationCode: 'MMR' })))
		moveCaret(typist, count)
		await until(() => [...rooms.rooms.get('groups')!.connections].filter((c) => c.echoes).length === count, { step: () => readers.forEach((r) => pumpAndEcho(r)) })
		expect(groups().size).toBe(expected)
	}
})

test("echoing connections count against the process's budget only while they are connected", async () => {
	const rooms = setup()
	const census = () => rooms['echoCensus'].echoing
	const typist = connectFakeClient(rooms, 'count')
	const echoing = connectFakeClient(rooms, 'count', createIdentity({ userId: 'u-e', delegationCode: 'KHM' }))
	for (const c of [typist, echoing]) c.hello()
	await until(() => rooms.rooms.has('count'), { step: () => [typist, echoing].forEach((c) => c.pump()) })
	typist.awareness.setLocalState({ cursor: null })
	typist.sendPresence()
	await until(() => census() === 1, { step: () => (typist.pump(), pumpAndEcho(echoing)) })
	echoing.handle.close()
	expect(census()).toBe(0)
	// A room closed under its connections (damaged storage) gives their share back once.
	const again = connectFakeClient(rooms, 'count', createIdentity({ userId: 'u-e2', delegationCode: 'KHM' }))
	again.hello()
	typist.sendPresence()
	await until(() => census() === 1, { step: () => (typist.pump(), pumpAndEcho(again)) })
	rooms.rooms.get('count')!.destroy()
	expect(census()).toBe(0)
	again.handle.close()
	typist.handle.close()
	expect(census()).toBe(0)
})

test('renewals of unchanged presence go out spread over a few moments; a change goes at once', async () => {
	// Every unchanged re-send counts as a renewal here (as one 15 s after the last does), spread over a second.
	const rooms = setup({ presence: { renewalForwardMs: 0, renewalSpreadMs: 1_000 } })
	const reader = connectFakeClient(rooms, 'renew')
	reader.hello()
	await until(() => rooms.rooms.has('renew'), { step: () => reader.pump() })
	const people = Array.from({ length: 30 }, (_, i) => connectFakeClient(rooms, 'renew', createIdentity({ userId: `u-${i}`, name: `Đại biểu ${i}`, delegationCode: 'LAO' })))
	const pumpAll = () => [reader, ...people].forEach((c) => c.pump())
	for (const [i, person] of people.entries()) {
		moveCaret(person, i)
	}
	const clockSeen = (person: (typeof people)[number]) => reader.awareness.meta.get(person.doc.clientID)?.clock ?? -1
	await until(() => people.every((person) => clockSeen(person) === person.awareness.meta.get(person.doc.clientID)!.clock), { step: pumpAll })
	const framesBefore = reader.received.filter((m) => m.type === 1).length

	// Everyone renews at once, as a room that joined together does every 15 s (y-protocols: the
	// same state, the next clock); right after, one of them moves their caret.
	for (const person of people) {
		person.awareness.setLocalState(person.awareness.getLocalState())
		person.sendPresence()
	}
	const mover = people[0]!
	moveCaret(mover, 99)
	const renewed = () => people.slice(1).filter((person) => clockSeen(person) === person.awareness.meta.get(person.doc.clientID)!.clock).length
	const caretOfMover = () => caretOf(mover, reader)
	await until(() => caretOfMover() === 99, { step: pumpAll })
	const afterChange = reader.received.length
	// The change went before most renewals…
	expect(renewed()).toBeLessThan(people.length - 1)
	// …and every renewal arrives, in several frames, not one.
	await until(() => renewed() === people.length - 1, { step: pumpAll })
	expect(reader.received.filter((m) => m.type === 1).length - framesBefore).toBeGreaterThan(2)
	// The mover's renewal, superseded by the change, was not sent after it.
	const sentLater = reader.received.slice(afterChange).flatMap((m) => (m.type === 1 ? clientIdsIn(m.payload!) : []))
	expect(sentLater).not.toContain(mover.doc.clientID)
	expect(caretOfMover()).toBe(99)
})

test('a large room gets presence less often, and still the latest', async () => {
	const rooms = setup()
	const typist = connectFakeClient(rooms, 'hall')
	typist.hello()
	await until(() => rooms.rooms.has('hall'), { step: () => typist.pump() })
	const readers = Array.from({ length: 400 }, (_, i) => connectFakeClient(rooms, 'hall', createIdentity({ userId: `u-${i}`, delegationCode: 'BRN' })))
	await until(() => rooms.rooms.get('hall')!.connections.size === 401)
	const interval = (1000 * 401) / PRESENCE_FRAMES_BUDGET_PER_S
	expect(interval).toBeGreaterThan(PRESENCE_INTERVAL_MS)
	const reader = readers[0]!
	const before = reader.socket.sent.length
	const started = performance.now()
	for (let i = 1; i <= 40; i++) {
		moveCaret(typist, i)
		await new Promise((r) => setTimeout(r, 15))
	}
	const elapsed = performance.now() - started
	await until(() => {
		reader.pump()
		return caretOf(typist, reader) === 40
	})
	expect(reader.socket.sent.length - before).toBeLessThanOrEqual(Math.ceil(elapsed / interval) + 2)
})

type FakeClient = ReturnType<typeof connectFakeClient>

/** Sets and sends `client`'s caret, a relative position whose `assoc` stands for its place in these tests. */
function moveCaret(client: FakeClient, at: number) {
	const position = { tname: DOCUMENT_FRAGMENT, assoc: at }
	client.awareness.setLocalState({ cursor: { anchor: position, head: position } })
	client.sendPresence()
}

/** Types one character at the end of the first paragraph, then moves the caret (as y-prosemirror does). */
function typeAndMove(client: FakeClient, char: string, at: number) {
	paragraphText(client.doc).insert(paragraphText(client.doc).length, char)
	moveCaret(client, at)
}

/** Where `reader` sees `client`'s caret. */
function caretOf(client: FakeClient, reader: FakeClient): number | undefined {
	return (reader.awareness.getStates().get(client.doc.clientID) as { cursor?: { head: { assoc: number } } } | undefined)?.cursor?.head.assoc
}

/**
 * Delivers what the server sent and, like the official providers (yjs/yjs#732), sends every
 * presence frame received back to it; returns how many were echoed.
 */
function pumpAndEcho(client: FakeClient): number {
	const from = client.received.length
	client.pump()
	let echoed = 0
	for (const m of client.received.slice(from)) {
		if (m.type !== 1) continue
		const e = encoding.createEncoder()
		encoding.writeVarUint(e, 1)
		encoding.writeVarUint8Array(e, m.payload!)
		client.handle.receive(encoding.toUint8Array(e))
		echoed++
	}
	return echoed
}

/** The client ids an awareness update (y-protocols format) carries. */
function clientIdsIn(update: Uint8Array): number[] {
	const decoder = decoding.createDecoder(update)
	const ids: number[] = []
	for (let n = decoding.readVarUint(decoder); n > 0; n--) {
		ids.push(decoding.readVarUint(decoder))
		decoding.readVarUint(decoder)
		decoding.readVarString(decoder)
	}
	return ids
}

function readString(doc: Y.Doc): string {
	return paragraphText(doc).toString()
}
