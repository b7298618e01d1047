import { describe, expect, test } from 'vitest'
import * as Y from 'yjs'
import { createAnchor, decodeAnchor, encodeAnchor, resolveAnchor, type Anchor } from '#app/domain/anchors.ts'
import { readBlocks, writeBlocks } from '#app/domain/statement.ts'

const TEXT = 'Nhất trí thúc đẩy hợp tác về an sinh xã hội trong khu vực.'
const WORDS = 'hợp tác về an sinh'
const WORDS_START = TEXT.indexOf(WORDS)
const WORDS_END = WORDS_START + WORDS.length
const REF_CHAR = '\uFFFC'

/** Brings two replicas to the same state (updates both ways), as the sync server does. */
function sync(a: Y.Doc, b: Y.Doc) {
	Y.applyUpdate(b, Y.encodeStateAsUpdate(a, Y.encodeStateVector(b)))
	Y.applyUpdate(a, Y.encodeStateAsUpdate(b, Y.encodeStateVector(a)))
}

/** A second replica of `doc`, synced. */
function replica(doc: Y.Doc): Y.Doc {
	const other = new Y.Doc()
	Y.applyUpdate(other, Y.encodeStateAsUpdate(doc))
	return other
}

function body(doc: Y.Doc): Y.XmlFragment {
	return doc.getXmlFragment('body')
}

function paragraphText(doc: Y.Doc, id: string): string {
	const block = readBlocks(doc).find((b) => b.id === id)
	if (!block) throw new Error(`no block ${id}`)
	return block.text
}

/** The single text run of a paragraph written by writeBlocks. */
function firstRun(doc: Y.Doc, index = 0): Y.XmlText {
	return (body(doc).get(index) as Y.XmlElement).get(0) as Y.XmlText
}

/**
 * A paragraph as y-prosemirror writes one holding a reference: a text run, the inline
 * `paragraphRef` node, another text run.
 */
function appendParagraphWithRef(doc: Y.Doc, id: string, before: string, to: string, after: string) {
	doc.transact(() => {
		const element = new Y.XmlElement('paragraph')
		element.setAttribute('id', id)
		element.setAttribute('kind', 'operative')
		const first = new Y.XmlText()
		first.insert(0, before)
		const ref = new Y.XmlElement('paragraphRef')
		ref.setAttribute('to', to)
		const second = new Y.XmlText()
		second.insert(0, after)
		element.insert(0, [first, ref, second])
		body(doc).insert(body(doc).length, [element])
	})
}

/** Tiny seeded PRNG (mulberry32): the property test is reproducible. */
function prng(seed: number) {
	let a = seed >>> 0
	const next = () => {
		a = (a + 0x6d2b79f5) >>> 0
		let t = a
		t = Math.imul(t ^ (t >>> 15), t | 1)
		t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
		return ((t ^ (t >>> 14)) >>> 0) / 4294967296
	}
	return { next, int: (min: number, max: number) => min + Math.floor(next() * (max - min + 1)) }
}

describe('creating and encoding anchors', () => {
	test('an anchor round-trips through base64 and resolves to the selected words, on any replica', () => {
		const doc = new Y.Doc()
		writeBlocks(doc, [{ type: 'paragraph', id: 'p1', kind: 'operative', text: TEXT }])
		const anchor = createAnchor(doc, 'p1', WORDS_START, WORDS_END)
		expect(anchor).not.toBeNull()
		const encoded = encodeAnchor(anchor!)
		expect(typeof encoded.start).toBe('string')
		expect(encoded.start).toMatch(/^[A-Za-z0-9+/]+=*$/)
		// Through JSON, as a form or a database column would carry it.
		const decoded = decodeAnchor(JSON.parse(JSON.stringify(encoded)))
		expect(decoded).not.toBeNull()
		expect(decoded!.start).toEqual(anchor!.start)
		expect(decoded!.end).toEqual(anchor!.end)
		const expected = { paragraphId: 'p1', start: WORDS_START, end: WORDS_END, text: WORDS }
		expect(resolveAnchor(doc, decoded!)).toEqual(expected)
		expect(resolveAnchor(replica(doc), decoded!)).toEqual(expected)
	})

	test('single characters and whole paragraphs can be anchored; bad ranges and non-paragraphs cannot', () => {
		const doc = new Y.Doc()
		writeBlocks(doc, [
			{ type: 'heading', id: 'h1', text: 'Cấp khu vực' },
			{ type: 'paragraph', id: 'p1', kind: 'operative', text: TEXT },
		])
		expect(resolveAnchor(doc, createAnchor(doc, 'p1', 0, 1)!)).toMatchObject({ start: 0, end: 1, text: 'N' })
		expect(resolveAnchor(doc, createAnchor(doc, 'p1', 0, TEXT.length)!)).toMatchObject({ text: TEXT })
		expect(resolveAnchor(doc, createAnchor(doc, 'p1', TEXT.length - 1, TEXT.length)!)).toMatchObject({ text: '.' })
		expect(createAnchor(doc, 'nope', 0, 1)).toBeNull()
		expect(createAnchor(doc, 'h1', 0, 3)).toBeNull()
		expect(createAnchor(doc, 'p1', 3, 3)).toBeNull()
		expect(createAnchor(doc, 'p1', 4, 3)).toBeNull()
		expect(createAnchor(doc, 'p1', -1, 3)).toBeNull()
		expect(createAnchor(doc, 'p1', 0, TEXT.length + 1)).toBeNull()
		expect(createAnchor(doc, 'p1', 0.5, 3)).toBeNull()
	})

	test('garbage is refused without throwing', () => {
		expect(decodeAnchor({ start: '!!!', end: '???' })).toBeNull()
		expect(decodeAnchor({ start: 'hợp tác', end: 'AAAA' })).toBeNull()
		expect(decodeAnchor({ start: '', end: '' })).toBeNull()
		expect(decodeAnchor({ start: 'AA==', end: 42 } as unknown as { start: string; end: string })).toBeNull()
		expect(decodeAnchor(null as unknown as { start: string; end: string })).toBeNull()

		const doc = new Y.Doc()
		writeBlocks(doc, [{ type: 'paragraph', id: 'p1', kind: 'operative', text: TEXT }])
		const before = readBlocks(doc)
		const shared = [...doc.share.keys()]
		expect(resolveAnchor(doc, { start: new Uint8Array([255, 255, 255]), end: new Uint8Array([]) })).toBeNull()
		// Valid base64 of positions that name no type in this document ("end of root type x").
		const named = Y.encodeRelativePosition(Y.createRelativePositionFromTypeIndex(new Y.Doc().getText('x'), 0))
		expect(resolveAnchor(doc, { start: named, end: named })).toBeNull()
		// A well-formed anchor of another document names characters this one never had.
		const other = new Y.Doc()
		writeBlocks(other, [{ type: 'paragraph', id: 'p1', kind: 'operative', text: TEXT }])
		expect(resolveAnchor(doc, createAnchor(other, 'p1', 0, 4)!)).toBeNull()
		const random = prng(7)
		for (let i = 0; i < 500; i++) {
			const bytes = () => Uint8Array.from({ length: random.int(0, 12) }, () => random.int(0, 255))
			const anchor = { start: bytes(), end: bytes() }
			expect(() => resolveAnchor(doc, anchor)).not.toThrow()
			expect(resolveAnchor(doc, anchor)).toBeNull()
			const fromForm = decodeAnchor(encodeAnchor(anchor))
			if (fromForm) expect(resolveAnchor(doc, fromForm)).toBeNull()
		}
		// Resolving never defines new types on the document nor changes its text.
		expect([...doc.share.keys()]).toEqual(shared)
		expect(readBlocks(doc)).toEqual(before)
	})
})

describe('anchors follow their words through concurrent edits', () => {
	test('text typed before, inside and after the words, and deletions around them', () => {
		const a = new Y.Doc()
		writeBlocks(a, [{ type: 'paragraph', id: 'p1', kind: 'operative', text: TEXT }])
		const b = replica(a)
		const anchor = createAnchor(a, 'p1', WORDS_START, WORDS_END)!

		// Replica B edits around and inside the words…
		const tb = firstRun(b)
		tb.insert(TEXT.length, ' Tăng cường đối thoại.') // far after
		tb.delete(WORDS_END, ' xã hội'.length) // right after the words
		tb.insert(WORDS_END, ' và y tế') // right after the last character: outside
		tb.insert(WORDS_START + 'hợp tác'.length, ' chặt chẽ') // inside
		tb.insert(WORDS_START, 'sâu rộng ') // right before the first character: outside
		tb.delete(0, 'Nhất trí '.length) // before
		// …while replica A, not yet synced, types at the start of the paragraph.
		firstRun(a).insert(0, 'Các bên ')
		sync(a, b)

		const text = paragraphText(a, 'p1')
		expect(text).toBe(paragraphText(b, 'p1'))
		expect(text).toBe('Các bên thúc đẩy sâu rộng hợp tác chặt chẽ về an sinh và y tế trong khu vực. Tăng cường đối thoại.')
		const resolved = resolveAnchor(a, anchor)
		expect(resolved).toEqual({ paragraphId: 'p1', start: text.indexOf('hợp'), end: text.indexOf(' và y tế'), text: 'hợp tác chặt chẽ về an sinh' })
		expect(resolveAnchor(b, anchor)).toEqual(resolved)
	})

	test('deletions over an edge of the words shrink the anchor and never reach the words around it', () => {
		const a = new Y.Doc()
		writeBlocks(a, [{ type: 'paragraph', id: 'p1', kind: 'operative', text: TEXT }])
		const b = replica(a)
		const anchor = createAnchor(a, 'p1', WORDS_START, WORDS_END)!
		const tb = firstRun(b)
		// "an sinh xã" goes (over the end), then "đẩy hợp " (over the start).
		tb.delete(TEXT.indexOf('an sinh'), 'an sinh xã'.length)
		tb.delete(TEXT.indexOf('đẩy'), 'đẩy hợp '.length)
		// Concurrently, A types right after the last character and inside the words.
		firstRun(a).insert(WORDS_END, ' (bền vững)')
		firstRun(a).insert(TEXT.indexOf(' về'), ' toàn diện')
		sync(a, b)

		const text = paragraphText(a, 'p1')
		expect(text).toBe('Nhất trí thúc tác toàn diện về  (bền vững) hội trong khu vực.')
		expect(resolveAnchor(a, anchor)).toMatchObject({ text: 'tác toàn diện về ' })
		expect(resolveAnchor(b, anchor)).toEqual(resolveAnchor(a, anchor))
	})

	test('deleting exactly the words, or replacing them, orphans the anchor', () => {
		const doc = new Y.Doc()
		writeBlocks(doc, [{ type: 'paragraph', id: 'p1', kind: 'operative', text: TEXT }])
		const anchor = createAnchor(doc, 'p1', WORDS_START, WORDS_END)!
		const replaced = replica(doc)
		firstRun(doc).delete(WORDS_START, WORDS.length)
		expect(paragraphText(doc, 'p1')).toBe('Nhất trí thúc đẩy  xã hội trong khu vực.')
		expect(resolveAnchor(doc, anchor)).toBeNull()
		// Select-and-type: the new words are not the words the thread was about.
		firstRun(replaced).delete(WORDS_START, WORDS.length)
		firstRun(replaced).insert(WORDS_START, 'hợp tác kinh tế')
		expect(resolveAnchor(replaced, anchor)).toBeNull()
	})

	test('deleting the paragraph orphans the anchor, also while another replica types in it', () => {
		const a = new Y.Doc()
		writeBlocks(a, [
			{ type: 'paragraph', id: 'p0', kind: 'preambular', text: 'Nhắc lại các cam kết trước đây,' },
			{ type: 'paragraph', id: 'p1', kind: 'operative', text: TEXT },
		])
		const b = replica(a)
		const anchor = createAnchor(a, 'p1', WORDS_START, WORDS_END)!
		body(b).delete(1, 1)
		firstRun(a, 1).insert(WORDS_START + 4, 'thêm ')
		expect(resolveAnchor(a, anchor)).toMatchObject({ text: 'hợp thêm tác về an sinh' })
		expect(resolveAnchor(b, anchor)).toBeNull()
		sync(a, b)
		expect(readBlocks(a).map((block) => block.id)).toEqual(['p0'])
		expect(resolveAnchor(a, anchor)).toBeNull()
		expect(resolveAnchor(b, anchor)).toBeNull()
	})
})

describe('paragraphs holding a reference', () => {
	const BEFORE = 'Nhất trí thúc đẩy hợp tác theo '
	const AFTER = ' về an sinh xã hội trong khu vực.'

	function docWithRef() {
		const doc = new Y.Doc()
		writeBlocks(doc, [{ type: 'paragraph', id: 'p0', kind: 'operative', text: 'Ghi nhận báo cáo của Ban Thư ký.' }])
		appendParagraphWithRef(doc, 'p1', BEFORE, 'p0', AFTER)
		return doc
	}

	test('offsets count the reference as one character, as readBlocks does', () => {
		const doc = docWithRef()
		const text = paragraphText(doc, 'p1')
		expect(text).toBe(BEFORE + REF_CHAR + AFTER)
		// Words in the second run.
		const start = text.indexOf('an sinh')
		const anchor = createAnchor(doc, 'p1', start, start + 'an sinh xã hội'.length)!
		expect(resolveAnchor(doc, anchor)).toEqual({ paragraphId: 'p1', start, end: start + 'an sinh xã hội'.length, text: 'an sinh xã hội' })
		// Words across the reference, and the reference alone.
		const across = createAnchor(doc, 'p1', text.indexOf('theo'), text.indexOf(' an'))!
		expect(resolveAnchor(doc, across)).toMatchObject({ text: `theo ${REF_CHAR} về` })
		const ref = createAnchor(doc, 'p1', BEFORE.length, BEFORE.length + 1)!
		expect(resolveAnchor(doc, ref)).toMatchObject({ start: BEFORE.length, end: BEFORE.length + 1, text: REF_CHAR })
		const fromRef = createAnchor(doc, 'p1', BEFORE.length, BEFORE.length + 3)!
		expect(resolveAnchor(doc, fromRef)).toMatchObject({ text: `${REF_CHAR} v` })

		// Typing in the first run moves the anchors in the second run by as much.
		const first = (body(doc).get(1) as Y.XmlElement).get(0) as Y.XmlText
		first.insert(0, 'Các bên ')
		const moved = paragraphText(doc, 'p1')
		const resolved = resolveAnchor(doc, anchor)!
		expect(resolved).toMatchObject({ start: start + 'Các bên '.length, text: 'an sinh xã hội' })
		expect(moved.slice(resolved.start, resolved.end)).toBe('an sinh xã hội')
		expect(resolveAnchor(doc, across)).toMatchObject({ text: `theo ${REF_CHAR} về` })
		expect(resolveAnchor(doc, ref)).toMatchObject({ start: BEFORE.length + 'Các bên '.length, text: REF_CHAR })
		// Deleting the reference shrinks an anchor over it; an anchor on it alone is orphaned.
		;(body(doc).get(1) as Y.XmlElement).delete(1, 1)
		expect(resolveAnchor(doc, across)).toMatchObject({ text: 'theo  về' })
		expect(resolveAnchor(doc, ref)).toBeNull()
		expect(resolveAnchor(doc, fromRef)).toMatchObject({ text: ' v' })
	})
})

/**
 * The identity of one character of the original paragraph, to find it again after edits: a
 * position before it and one after it; it is alive while they are one character apart.
 */
type Probe = { char: string; before: Y.RelativePosition; after: Y.RelativePosition }

function childLength(child: unknown): number {
	return child instanceof Y.XmlText ? child.length : 1
}

function probes(element: Y.XmlElement): Probe[] {
	const out: Probe[] = []
	const children = element.toArray()
	for (let i = 0; i < children.length; i++) {
		const child = children[i]!
		if (child instanceof Y.XmlText) {
			const text = child.toString()
			for (let j = 0; j < child.length; j++) {
				out.push({ char: text[j]!, before: Y.createRelativePositionFromTypeIndex(child, j, 0), after: Y.createRelativePositionFromTypeIndex(child, j + 1, -1) })
			}
		} else {
			out.push({ char: REF_CHAR, before: Y.createRelativePositionFromTypeIndex(element, i, 0), after: Y.createRelativePositionFromTypeIndex(element, i + 1, -1) })
		}
	}
	return out
}

/** Where the probed character is now in its paragraph's text, or null once it was deleted. */
function offsetOf(doc: Y.Doc, probe: Probe): number | null {
	const before = Y.createAbsolutePositionFromRelativePosition(probe.before, doc)
	const after = Y.createAbsolutePositionFromRelativePosition(probe.after, doc)
	if (!before || !after || after.index !== before.index + 1) return null
	if (before.type instanceof Y.XmlElement) return before.type.slice(0, before.index).reduce((sum, child) => sum + childLength(child), 0)
	let offset = 0
	for (const child of (before.type.parent as Y.XmlElement).toArray()) {
		if (child === before.type) return offset + before.index
		offset += childLength(child)
	}
	throw new Error('probe outside its paragraph')
}

/** The text runs of the paragraph `id`, with the offsets they start and end at. */
function runs(doc: Y.Doc, id: string): { text: Y.XmlText; start: number; end: number }[] {
	const element = body(doc)
		.toArray()
		.find((child) => child instanceof Y.XmlElement && child.getAttribute('id') === id) as Y.XmlElement
	const out: { text: Y.XmlText; start: number; end: number }[] = []
	let offset = 0
	for (const child of element.toArray()) {
		if (child instanceof Y.XmlText) out.push({ text: child, start: offset, end: offset + child.length })
		offset += childLength(child)
	}
	return out
}

const INSERTED = '0123456789'

describe('property: an anchor never covers words that were outside it', () => {
	test('200 random sequences of concurrent inserts and deletes on two replicas', () => {
		const random = prng(20261129)
		let orphaned = 0
		let keptOnlyInsertions = 0
		for (let sequence = 0; sequence < 200; sequence++) {
			const a = new Y.Doc()
			if (sequence % 2 === 0) writeBlocks(a, [{ type: 'paragraph', id: 'p1', kind: 'operative', text: TEXT }])
			else appendParagraphWithRef(a, 'p1', 'Nhất trí thúc đẩy hợp tác ', 'p0', ' về an sinh xã hội trong khu vực.')
			const b = replica(a)
			const original = paragraphText(a, 'p1')
			const from = random.int(0, original.length - 1)
			const to = random.int(from + 1, Math.min(original.length, from + 20))
			const anchor = createAnchor(a, 'p1', from, to)!
			expect(resolveAnchor(a, anchor)).toMatchObject({ start: from, end: to, text: original.slice(from, to) })
			const identities = probes(body(a).get(0) as Y.XmlElement)
			expect(identities.map((p) => p.char).join('')).toBe(original)

			for (let step = 0; step < 20; step++) {
				const doc = random.next() < 0.5 ? a : b
				const length = paragraphText(doc, 'p1').length
				// Half of the edits aim at the anchored words, as they are on this replica now.
				const here = random.next() < 0.5 ? resolveAnchor(doc, anchor) : null
				const around = (min: number, max: number) => Math.max(0, Math.min(length, random.int(min, max)))
				if (random.next() < 0.5) {
					const at = here ? around(here.start - 2, here.end + 2) : random.int(0, length)
					const text = Array.from({ length: random.int(1, 4) }, () => INSERTED[random.int(0, 9)]).join('')
					const run = runs(doc, 'p1').find((r) => r.start <= at && at <= r.end)!
					run.text.insert(at - run.start, text)
				} else {
					const start = here ? around(here.start - 4, here.end) : random.int(0, length)
					const end = Math.min(length, start + random.int(1, 8))
					// References are not deleted here: only text runs.
					for (const run of runs(doc, 'p1').reverse()) {
						const cut = Math.max(start, run.start)
						const until = Math.min(end, run.end)
						if (cut < until) run.text.delete(cut - run.start, until - cut)
					}
				}
				if (random.next() < 0.15) sync(a, b)
			}
			sync(a, b)

			const text = paragraphText(a, 'p1')
			expect(paragraphText(b, 'p1')).toBe(text)
			const resolved = resolveAnchor(a, anchor)
			expect(resolveAnchor(b, anchor)).toEqual(resolved)
			const now = identities.map((probe, i) => ({ char: probe.char, inside: from <= i && i < to, offset: offsetOf(a, probe) }))
			for (const c of now) if (c.offset !== null) expect(text[c.offset]).toBe(c.char)
			const alive = now.filter((c) => c.inside && c.offset !== null)
			if (resolved === null) {
				// Orphaned only once every original character of the words is gone.
				expect(alive).toEqual([])
				orphaned++
				continue
			}
			expect(resolved.paragraphId).toBe('p1')
			expect(resolved.text).toBe(text.slice(resolved.start, resolved.end))
			// Every original character of the words that is left is in the range, in order…
			for (const c of alive) expect(c.offset! >= resolved.start && c.offset! < resolved.end).toBe(true)
			// …no other original character is…
			for (const c of now) if (!c.inside && c.offset !== null) expect(c.offset < resolved.start || c.offset >= resolved.end).toBe(true)
			// …and everything else in it was typed later (strictly between the words around it).
			const originalAt = new Set(alive.map((c) => c.offset))
			for (let i = resolved.start; i < resolved.end; i++) if (!originalAt.has(i)) expect(INSERTED).toContain(text[i])
			expect([...resolved.text].filter((ch) => !INSERTED.includes(ch)).join('')).toBe(alive.map((c) => c.char).join(''))
			if (alive.length === 0) keptOnlyInsertions++
		}
		// The sequences do reach both outcomes. (An anchor whose original words are all gone but
		// that still holds text typed concurrently between them is kept: `keptOnlyInsertions`.)
		expect(orphaned).toBeGreaterThan(0)
		expect(orphaned + keptOnlyInsertions).toBeLessThan(200)
	})
})
