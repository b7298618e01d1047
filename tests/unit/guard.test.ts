import { afterEach, describe, expect, test } from 'vitest'
import * as Y from 'yjs'
import { DOCUMENT_FRAGMENT } from '#app/domain/constants.ts'
import { readBlocks, writeBlocks, newParagraphId } from '#app/domain/statement.ts'
import { DocumentGuard } from '#server/guard.ts'

/**
 * The guard against crafted updates: a server document with an agreed paragraph and a bracket,
 * a client copy that makes a change, the change sent as a Yjs update. Forbidden changes are
 * refused and undone (everyone converges on the protected text); other changes pass.
 */
const guards: DocumentGuard[] = []
afterEach(() => guards.splice(0).forEach((g) => g.destroy()))

type Sender = { delegationCode: string; name: string; suggestOnly: boolean }
const THAILAND: Sender = { delegationCode: 'THA', name: 'Siriporn Wongsawat', suggestOnly: false }

/** A client's change sent to the server through the guard; the client then gets the server's answer. */
function sender(server: Y.Doc, client: Y.Doc, guard: DocumentGuard) {
	return (who: Sender, change: (doc: Y.Doc) => void) => {
		const before = Y.encodeStateVector(client)
		change(client)
		const update = Y.encodeStateAsUpdate(client, before)
		const serverBefore = Y.encodeStateVector(server)
		const origin = {}
		const violation = guard.check(() => Y.applyUpdate(server, update, origin), origin, who)
		Y.applyUpdate(client, Y.encodeStateAsUpdate(server, serverBefore))
		return violation
	}
}

function setup() {
	const server = new Y.Doc()
	writeBlocks(server, [
		{ type: 'paragraph', id: 'p1', kind: 'preambular', text: 'Nhắc lại Tuyên bố Hà Nội về an sinh xã hội.' },
		{ type: 'paragraph', id: 'p2', kind: 'operative', status: 'agreed', text: 'Agree to strengthen social protection.' },
		{ type: 'paragraph', id: 'p3', kind: 'operative', text: 'Encourage cooperation on elderly care and social work.' },
	])
	// Thailand's bracket over "elderly care" in paragraph 3, as the server writes it.
	paragraphText(server, 2).format(25, 12, { bracket: { id: 'b1', owner: 'THA' } })
	const guard = new DocumentGuard(server)
	guards.push(guard)
	const client = new Y.Doc()
	Y.applyUpdate(client, Y.encodeStateAsUpdate(server))
	const sendAs = sender(server, client, guard)
	/** Sends what Thailand's client changed; returns the violation and brings the client up to date. */
	const send = (change: (doc: Y.Doc) => void) => sendAs(THAILAND, change)
	return { server, client, send, sendAs, guard }
}

function paragraph(doc: Y.Doc, index: number): Y.XmlElement {
	return doc.getXmlFragment(DOCUMENT_FRAGMENT).get(index) as Y.XmlElement
}
function paragraphText(doc: Y.Doc, index: number): Y.XmlText {
	return paragraph(doc, index).get(0) as Y.XmlText
}
function texts(doc: Y.Doc) {
	return readBlocks(doc).map((b) => b.text)
}

test('an edit inside an agreed paragraph is refused and undone for everyone', () => {
	const { server, client, send } = setup()
	const before = texts(server)
	const violation = send((doc) => paragraphText(doc, 1).insert(9, 'NOT '))
	expect(violation?.code).toBe('frozen')
	expect(texts(server)).toEqual(before)
	expect(texts(client)).toEqual(before)
})

test('deleting an agreed paragraph, splitting it, or changing its attributes is refused', () => {
	const { server, client, send } = setup()
	const before = readBlocks(server)
	expect(send((doc) => doc.getXmlFragment(DOCUMENT_FRAGMENT).delete(1, 1))?.code).toBe('frozen')
	expect(readBlocks(server)).toEqual(before)
	expect(readBlocks(client)).toEqual(before)
	// A split as y-prosemirror makes it: the tail leaves the paragraph for a new one after it.
	const split = send((doc) => {
		doc.transact(() => {
			const text = paragraphText(doc, 1)
			const tail = text.toString().slice(10)
			text.delete(10, tail.length)
			const p = new Y.XmlElement('paragraph')
			p.setAttribute('id', 'p9')
			p.setAttribute('kind', 'operative')
			p.insert(0, [new Y.XmlText(tail)])
			doc.getXmlFragment(DOCUMENT_FRAGMENT).insert(2, [p])
		})
	})
	expect(split?.code).toBe('frozen')
	expect(readBlocks(server)).toEqual(before)
	expect(readBlocks(client)).toEqual(before)
	expect(send((doc) => paragraph(doc, 1).setAttribute('kind', 'preambular'))?.code).toBe('frozen')
	expect(readBlocks(server)).toEqual(before)
})

test("a delegate's client cannot change a status, in either direction", () => {
	const { server, send } = setup()
	expect(send((doc) => paragraph(doc, 1).setAttribute('status', 'open'))?.code).toBe('status')
	expect(readBlocks(server)[1]).toMatchObject({ status: 'agreed' })
	expect(send((doc) => paragraph(doc, 2).setAttribute('status', 'agreed'))?.code).toBe('status')
	expect(readBlocks(server)[2]).toMatchObject({ status: 'open' })
	// A new paragraph that arrives agreed is refused too.
	const injected = send((doc) => {
		const p = new Y.XmlElement('paragraph')
		p.setAttribute('id', newParagraphId())
		p.setAttribute('status', 'agreed')
		p.insert(0, [new Y.XmlText('Smuggled text')])
		doc.getXmlFragment(DOCUMENT_FRAGMENT).insert(3, [p])
	})
	expect(injected?.code).toBe('status')
	expect(texts(server)).toHaveLength(3)
})

test('brackets neither appear nor vanish through the socket; typing inside one is fine', () => {
	const { server, client, send } = setup()
	expect(send((doc) => paragraphText(doc, 0).format(0, 8, { bracket: { id: 'forged', owner: 'THA' } }))?.code).toBe('bracket')
	expect(readBlocks(server)[0]).toMatchObject({ brackets: [] })
	expect(send((doc) => paragraphText(doc, 2).delete(25, 12))?.code).toBe('bracket')
	expect(readBlocks(server)[2]).toMatchObject({ brackets: [{ id: 'b1', text: 'elderly care' }] })
	expect(readBlocks(client)[2]).toMatchObject({ brackets: [{ id: 'b1', text: 'elderly care' }] })
	// Typing inside the bracket (the new words carry its mark) passes.
	expect(send((doc) => paragraphText(doc, 2).insert(33, 'and child ', { bracket: { id: 'b1', owner: 'THA' } }))).toBeNull()
	expect(readBlocks(server)[2]).toMatchObject({ brackets: [{ id: 'b1', text: 'elderly and child care' }] })
})

test('edits elsewhere pass: open paragraphs, new paragraphs, a split through a bracket', () => {
	const { server, client, send } = setup()
	expect(send((doc) => paragraphText(doc, 0).insert(0, 'Trân trọng '))).toBeNull()
	expect(send((doc) => {
		const p = new Y.XmlElement('paragraph')
		p.setAttribute('id', 'p4')
		p.setAttribute('kind', 'operative')
		p.insert(0, [new Y.XmlText('Request the Secretariat to report.')])
		doc.getXmlFragment(DOCUMENT_FRAGMENT).insert(3, [p])
	})).toBeNull()
	// Splitting paragraph 3 inside its bracket: the bracket now spans two paragraphs, still one.
	expect(send((doc) => {
		doc.transact(() => {
			const text = paragraphText(doc, 2)
			const whole = readBlocks(doc)[2]!.text
			text.delete(29, whole.length - 29)
			const p = new Y.XmlElement('paragraph')
			p.setAttribute('id', 'p5')
			p.setAttribute('kind', 'operative')
			const rest = new Y.XmlText()
			rest.insert(0, whole.slice(29, 37), { bracket: { id: 'b1', owner: 'THA' } })
			rest.insert(8, whole.slice(37))
			p.insert(0, [rest])
			doc.getXmlFragment(DOCUMENT_FRAGMENT).insert(3, [p])
		})
	})).toBeNull()
	expect(texts(server)).toEqual(texts(client))
	expect(texts(server)[0]).toBe('Trân trọng Nhắc lại Tuyên bố Hà Nội về an sinh xã hội.')
	expect(readBlocks(server).flatMap((b) => (b.type === 'paragraph' ? b.brackets.map((x) => x.id) : []))).toEqual(['b1', 'b1'])
})

test("the server's own writes (status, brackets) are accepted and then protected", () => {
	const { server, send } = setup()
	server.transact(() => paragraph(server, 2).setAttribute('status', 'ad_ref'), 'server')
	expect(readBlocks(server)[2]).toMatchObject({ status: 'ad_ref' })
	expect(send((doc) => paragraphText(doc, 2).insert(0, 'X'))?.code).toBe('frozen')
	server.transact(() => paragraph(server, 2).setAttribute('status', 'open'), 'server')
	expect(send((doc) => paragraphText(doc, 2).insert(0, 'Further '))).toBeNull()
})

test("an adviser's client may only suggest: insertions and deletions as marks in its delegation's name", () => {
	const { server, client, sendAs } = setup()
	const adviser = { delegationCode: 'THA', name: 'Nattaya Chaiyaporn', suggestOnly: true }
	const base = texts(server)
	// Plain typing, deleting, or formatting: refused and undone.
	expect(sendAs(adviser, (doc) => paragraphText(doc, 0).insert(0, 'Trân trọng '))?.code).toBe('suggest-only')
	expect(sendAs(adviser, (doc) => paragraphText(doc, 0).delete(0, 8))?.code).toBe('suggest-only')
	expect(sendAs(adviser, (doc) => paragraphText(doc, 0).format(0, 8, { bold: {} }))?.code).toBe('suggest-only')
	expect(texts(server)).toEqual(base)
	expect(texts(client)).toEqual(base)
	// The same as suggestions passes; in another delegation's name it does not.
	const ins = { insertion: { id: 's1', by: 'THA', author: 'Nattaya Chaiyaporn' } }
	expect(sendAs(adviser, (doc) => paragraphText(doc, 0).insert(0, 'Trân trọng ', ins))).toBeNull()
	expect(sendAs(adviser, (doc) => paragraphText(doc, 0).format(20, 5, { deletion: { id: 's2', by: 'THA', author: 'Nattaya Chaiyaporn' } }))).toBeNull()
	expect(sendAs(adviser, (doc) => paragraphText(doc, 2).insert(0, 'Also ', { insertion: { id: 's3', by: 'VNM', author: 'forged' } }))?.code).toBe('suggestion')
	const [first] = readBlocks(server)
	expect(first).toMatchObject({ suggestions: [{ id: 's1', kind: 'insert', by: 'THA', text: 'Trân trọng ' }, { id: 's2', kind: 'delete', by: 'THA' }] })
	// Withdrawing its own suggestion is fine; a head of another delegation cannot remove it.
	const head = { delegationCode: 'BRN', name: 'Awang', suggestOnly: false }
	expect(sendAs(head, (doc) => paragraphText(doc, 0).delete(0, 11))?.code).toBe('suggestion')
	expect(sendAs(adviser, (doc) => paragraphText(doc, 0).delete(0, 11))).toBeNull()
	expect(readBlocks(server)[0]).toMatchObject({ suggestions: [{ id: 's2' }] })
	// New paragraphs are not suggestions.
	expect(sendAs(adviser, (doc) => { const p = new Y.XmlElement('paragraph'); p.setAttribute('id', newParagraphId()); doc.getXmlFragment(DOCUMENT_FRAGMENT).insert(3, [p]) })?.code).toBe('suggest-only')
})

test('the Chair accepts or rejects suggestions: one by id, or all of a delegation', async () => {
	const { decideSuggestionsInText } = await import('#app/domain/suggestions.ts')
	const doc = new Y.Doc()
	writeBlocks(doc, [{ type: 'paragraph', id: 'p1', kind: 'operative', text: 'Encourage cooperation on social work.' }])
	const text = paragraphText(doc, 0)
	text.insert(10, 'closer ', { insertion: { id: 'a', by: 'THA', author: 'N' } }) // "Encourage closer cooperation…"
	text.format(0, 10, { deletion: { id: 'b', by: 'THA', author: 'N' } }) // "Encourage " proposed for removal
	text.insert(text.length - 1, ' and elderly care', { insertion: { id: 'c', by: 'IDN', author: 'A' } })
	expect(decideSuggestionsInText(doc, { ids: ['a'] }, 'accept').map((s) => s.id)).toEqual(['a'])
	expect(readBlocks(doc)[0]!.text).toBe('Encourage closer cooperation on social work and elderly care.')
	expect(decideSuggestionsInText(doc, { by: 'IDN' }, 'reject').map((s) => s.text)).toEqual([' and elderly care'])
	expect(decideSuggestionsInText(doc, { ids: ['b'] }, 'accept')).toHaveLength(1)
	expect(readBlocks(doc)[0]).toMatchObject({ text: 'closer cooperation on social work.', suggestions: [] })
})

/**
 * Client B types "X" at the start of paragraph 3 and has not sent it; client A has B's "X" (the
 * server does not). Returns A, B's unsent update, and what A had before it types.
 */
function typedAfterUnsentX(server: Y.Doc) {
	const b = new Y.Doc()
	const a = new Y.Doc()
	Y.applyUpdate(b, Y.encodeStateAsUpdate(server))
	const svB = Y.encodeStateVector(b)
	paragraphText(b, 2).insert(0, 'X')
	Y.applyUpdate(a, Y.encodeStateAsUpdate(b))
	return { a, fromB: Y.encodeStateAsUpdate(b, svB), claimed: Y.encodeStateVector(a) }
}

describe('what a hand-made client might try (review findings)', () => {
	const tha = { delegationCode: 'THA', name: 'Siriporn Wongsawat', suggestOnly: false }

	test('a cut-off update is still judged: its applied part is undone', () => {
		const { server, client, guard } = setup()
		const before = readBlocks(server)
		const sv = Y.encodeStateVector(client)
		paragraph(client, 1).setAttribute('status', 'open')
		paragraphText(client, 1).insert(0, 'NOT ')
		const update = Y.encodeStateAsUpdate(client, sv)
		const origin = {}
		expect(() => guard.check(() => Y.applyUpdate(server, update.slice(0, -1), origin), origin, tha)).toThrow()
		expect(readBlocks(server)).toEqual(before)
	})

	test('content parked for a missing dependency is refused, never applied inside another change', () => {
		const { server, guard } = setup()
		const before = texts(server)
		// B types "X" (not sent yet); A has it and types after it, then sends only its own part.
		const { a, fromB, claimed } = typedAfterUnsentX(server)
		paragraphText(a, 2).insert(1, 'NOT ')
		const fromA = Y.encodeStateAsUpdate(a, claimed)
		const oa = {}
		expect(guard.check(() => Y.applyUpdate(server, fromA, oa), oa, { ...tha, suggestOnly: true })?.code).toBe('malformed')
		expect(server.store.pendingStructs).toBeNull()
		const ob = {}
		expect(guard.check(() => Y.applyUpdate(server, fromB, ob), ob, { delegationCode: 'BRN', name: 'B', suggestOnly: false })).toBeNull()
		expect(texts(server)[2]).toBe(`X${before[2]}`)
	})

	test('an update that is parked only in part is refused whole: the part Yjs could apply is taken back', () => {
		const { server, guard } = setup()
		const before = texts(server)
		const { a, fromB, claimed } = typedAfterUnsentX(server)
		// First words Yjs can apply at once (the server has all they rest on), then words after B's "X".
		paragraphText(a, 0).insert(0, 'Đông Nam Á ')
		paragraphText(a, 2).insert(1, 'NOT ')
		const fromA = Y.encodeStateAsUpdate(a, claimed)
		const origin = {}
		expect(guard.check(() => Y.applyUpdate(server, fromA, origin), origin, tha)?.code).toBe('malformed')
		expect(texts(server)).toEqual(before)
		expect(server.store.pendingStructs).toBeNull()
		// B's own change, sent later, still goes in alone.
		const ob = {}
		expect(guard.check(() => Y.applyUpdate(server, fromB, ob), ob, { delegationCode: 'BRN', name: 'B', suggestOnly: false })).toBeNull()
		expect(texts(server)).toEqual([before[0], before[1], `X${before[2]}`])
	})

	test('a bracket cannot be spread over other words or change owner', () => {
		const { server, send } = setup()
		expect(send((doc) => paragraphText(doc, 0).format(0, 8, { bracket: { id: 'b1', owner: 'THA' } }))?.code).toBe('bracket')
		expect(send((doc) => paragraphText(doc, 2).format(25, 12, { bracket: { id: 'b1', owner: 'VNM' } }))?.code).toBe('bracket')
		expect(readBlocks(server).flatMap((b) => (b.type === 'paragraph' ? b.brackets : []))).toEqual([{ id: 'b1', owner: 'THA', start: 25, end: 37, text: 'elderly care' }])
	})

	test("nobody writes under another delegation's suggestion, or rewrites who made it", () => {
		const { server, client, guard } = setup()
		const as = sender(server, client, guard)
		const s1 = { insertion: { id: 's1', by: 'THA', author: 'Siriporn Wongsawat' } }
		expect(as(tha, (doc) => paragraphText(doc, 0).insert(0, 'Trân trọng ', s1))).toBeNull()
		const vnm = { delegationCode: 'VNM', name: 'Nguyễn Thị Hồng Nhung', suggestOnly: false }
		expect(as(vnm, (doc) => paragraphText(doc, 0).insert(3, 'xx', s1))?.code).toBe('suggestion')
		expect(as(vnm, (doc) => paragraphText(doc, 0).format(0, 11, { insertion: { id: 's1', by: 'VNM', author: 'Someone' } }))?.code).toBe('suggestion')
		expect(as(vnm, (doc) => paragraphText(doc, 2).insert(0, 'Also ', { insertion: { id: 's9', by: 'VNM', author: 'The Chair (SGP)' } }))?.code).toBe('suggestion')
		expect(readBlocks(server)[0]).toMatchObject({ suggestions: [{ id: 's1', by: 'THA', author: 'Siriporn Wongsawat', text: 'Trân trọng ' }] })
		expect(readBlocks(server)[2]).toMatchObject({ suggestions: [] })
	})

	test('unknown or malformed marks are refused (they would break other editors)', () => {
		const { server, send } = setup()
		const before = texts(server)
		expect(send((doc) => paragraphText(doc, 0).insert(0, 'Plain ', { insertion: true }))?.code).toBe('malformed')
		expect(send((doc) => paragraphText(doc, 0).insert(0, 'Evil ', { evil: true }))?.code).toBe('malformed')
		expect(send((doc) => paragraphText(doc, 0).insertEmbed(0, { image: 'x' }))?.code).toBe('malformed')
		expect(texts(server)).toEqual(before)
	})

	test('an accepted deletion is collected: the document does not grow with deleted text', () => {
		const { server, send } = setup()
		const size = Y.encodeStateAsUpdate(server).byteLength
		const kilobyte = 'Lorem ipsum dolor sit amet, consectetur adipiscing elit. '.repeat(18)
		for (let i = 0; i < 50; i++) {
			expect(send((doc) => paragraphText(doc, 0).insert(0, kilobyte))).toBeNull()
			expect(send((doc) => paragraphText(doc, 0).delete(0, kilobyte.length))).toBeNull()
		}
		expect(Y.encodeStateAsUpdate(server).byteLength).toBeLessThan(size + 5_000)
	})

	test('words a refused change deleted come back whole, between accepted changes that keep nothing', () => {
		// The undo manager is built only for a refused change, while Yjs finishes its transaction
		// and before it collects deleted content: the deleted words must still be there to restore.
		const { server, client, send } = setup()
		const listeners = () => (server as unknown as { _observers: Map<string, Set<unknown>> })._observers.get('afterTransaction')?.size ?? 0
		const before = listeners()
		for (let round = 0; round < 20; round++) {
			expect(send((doc) => paragraphText(doc, 0).insert(0, 'Đông Nam Á '))).toBeNull()
			expect(send((doc) => paragraphText(doc, 0).delete(0, 'Đông Nam Á '.length))).toBeNull()
			const frozen = texts(server)[1]
			expect(send((doc) => paragraphText(doc, 1).delete(0, 'Agree to '.length))?.code).toBe('frozen')
			expect(texts(server)[1]).toBe(frozen)
			expect(texts(client)).toEqual(texts(server))
		}
		expect(texts(server)[1]).toBe('Agree to strengthen social protection.')
		expect(listeners()).toBe(before)
	})

	test('a refusal undoes only the offending paragraph: words typed offline elsewhere stay', () => {
		const { server, client, send } = setup()
		const frozenBefore = texts(server)[1]
		const violation = send((doc) => {
			paragraphText(doc, 0).insert(0, 'Câu dài gõ khi mất mạng. ')
			paragraphText(doc, 1).insert(0, 'NOT ')
		})
		expect(violation?.code).toBe('frozen')
		expect(texts(server)[0]).toMatch(/^Câu dài gõ khi mất mạng\. /)
		expect(texts(server)[1]).toBe(frozenBefore)
		expect(texts(client)).toEqual(texts(server))
	})
})

test('a document with nothing to protect takes plain typing on a fast path, and still judges an adviser on fresh state', () => {
	const server = new Y.Doc()
	writeBlocks(server, [{ type: 'paragraph', id: 'p1', kind: 'operative', text: 'Khuyến khích hợp tác.' }])
	const guard = new DocumentGuard(server)
	guards.push(guard)
	const client = new Y.Doc()
	Y.applyUpdate(client, Y.encodeStateAsUpdate(server))
	const send = sender(server, client, guard)
	const head = { delegationCode: 'VNM', name: 'Nguyễn Thị Hồng Nhung', suggestOnly: false }
	const adviser = { delegationCode: 'THA', name: 'Nattaya Chaiyaporn', suggestOnly: true }
	for (const word of ['Tiếp tục ', 'thúc đẩy ', 'và ']) expect(send(head, (doc) => paragraphText(doc, 0).insert(0, word))).toBeNull()
	// Still refused on the fast path: a status, a forged bracket, an unknown mark.
	expect(send(head, (doc) => paragraph(doc, 0).setAttribute('status', 'agreed'))?.code).toBe('status')
	expect(send(head, (doc) => paragraphText(doc, 0).insert(0, 'x', { bracket: { id: 'f', owner: 'VNM' } }))?.code).toBe('bracket')
	expect(send(head, (doc) => paragraphText(doc, 0).insert(0, 'x', { evil: {} }))?.code).toBe('malformed')
	// The adviser is judged against the text as the head left it.
	const text = readBlocks(server)[0]!.text
	expect(text).toBe('và thúc đẩy Tiếp tục Khuyến khích hợp tác.')
	expect(send(adviser, (doc) => paragraphText(doc, 0).delete(0, 3))?.code).toBe('suggest-only')
	expect(send(adviser, (doc) => paragraphText(doc, 0).format(0, 3, { deletion: { id: 'sd', by: 'THA', author: 'Nattaya Chaiyaporn' } }))).toBeNull()
	expect(readBlocks(server)[0]).toMatchObject({ text, suggestions: [{ id: 'sd', kind: 'delete', text: 'và ' }] })
})

test('a loaded document is first looked at cheaply: a bracket, a suggestion or a frozen paragraph is still found on the first change', () => {
	const head = { delegationCode: 'VNM', name: 'Nguyễn Thị Hồng Nhung', suggestOnly: false }
	/** A server that loads the document from storage, its guard made at the first change. */
	const loaded = (prepare: (doc: Y.Doc) => void) => {
		const original = new Y.Doc()
		writeBlocks(original, [
			{ type: 'paragraph', id: 'p1', kind: 'operative', text: 'Khuyến khích hợp tác về chăm sóc người cao tuổi.' },
			{ type: 'paragraph', id: 'p2', kind: 'operative', text: 'Tăng cường an sinh xã hội.' },
		])
		prepare(original)
		const server = new Y.Doc()
		Y.applyUpdate(server, Y.encodeStateAsUpdate(original))
		const guard = new DocumentGuard(server)
		guards.push(guard)
		const client = new Y.Doc()
		Y.applyUpdate(client, Y.encodeStateAsUpdate(server))
		return { server, client, send: sender(server, client, guard) }
	}
	const bracketed = loaded((doc) => paragraphText(doc, 0).format(0, 11, { bracket: { id: 'b1', owner: 'THA' } }))
	expect(bracketed.send(head, (doc) => paragraphText(doc, 0).format(0, 11, { bracket: null }))?.code).toBe('bracket')
	expect(readBlocks(bracketed.server)[0]).toMatchObject({ brackets: [{ id: 'b1', owner: 'THA' }] })

	const suggested = loaded((doc) => paragraphText(doc, 1).insert(0, 'Cùng ', { insertion: { id: 's1', by: 'THA', author: 'Nattaya Chaiyaporn' } }))
	expect(suggested.send(head, (doc) => paragraphText(doc, 1).delete(0, 5))?.code).toBe('suggestion')
	expect(texts(suggested.server)[1]).toBe('Cùng Tăng cường an sinh xã hội.')

	const agreed = loaded((doc) => paragraph(doc, 1).setAttribute('status', 'agreed'))
	expect(agreed.send(head, (doc) => paragraphText(doc, 1).insert(0, 'Không '))?.code).toBe('frozen')
	expect(texts(agreed.server)[1]).toBe('Tăng cường an sinh xã hội.')

	// Nothing to protect: plain typing passes, and what the server writes later is protected.
	const quiet = loaded(() => {})
	expect(quiet.send(head, (doc) => paragraphText(doc, 0).insert(0, 'Tiếp tục '))).toBeNull()
	expect(texts(quiet.server)[0]).toBe('Tiếp tục Khuyến khích hợp tác về chăm sóc người cao tuổi.')
	expect(texts(quiet.client)).toEqual(texts(quiet.server))
	paragraphText(quiet.server, 0).format(0, 8, { bracket: { id: 'b2', owner: 'VNM' } })
	Y.applyUpdate(quiet.client, Y.encodeStateAsUpdate(quiet.server, Y.encodeStateVector(quiet.client)))
	expect(quiet.send(head, (doc) => paragraphText(doc, 0).format(0, 8, { bracket: null }))?.code).toBe('bracket')
	expect(readBlocks(quiet.server)[0]).toMatchObject({ brackets: [{ id: 'b2', owner: 'VNM' }] })
})
