import { getSchema } from '@tiptap/core'
import { yXmlFragmentToProseMirrorRootNode } from '@tiptap/y-tiptap'
import { afterEach, expect, test } from 'vitest'
import * as Y from 'yjs'
import { ParagraphRef, statementExtensions } from '#app/components/statement-schema.ts'
import { DOCUMENT_FRAGMENT, MAX_PARAGRAPH_CHARS, META_MAP } from '#app/domain/constants.ts'
import { BLOCK_SHAPES, blockShapeProblem, INLINE_SHAPES, MARK_SHAPES, ROOTS } from '#app/domain/document-shape.ts'
import { newParagraphId, readBlocks, writeBlocks } from '#app/domain/statement.ts'
import { DocumentGuard, type Sender } from '#server/guard.ts'

const schema = getSchema([...statementExtensions, ParagraphRef])
const THAILAND: Sender = { delegationCode: 'THA', name: 'Somchai Phromma', suggestOnly: false }
const guards: DocumentGuard[] = []
afterEach(() => {
	for (const g of guards.splice(0)) g.destroy()
})

test("the shape the server enforces is the editor's schema: the same blocks, inline nodes, marks and attributes", () => {
	const blocks = Object.values(schema.nodes).filter((n) => n.isBlock && n.name !== 'doc')
	expect(blocks.map((n) => n.name).sort()).toEqual(Object.keys(BLOCK_SHAPES).sort())
	for (const node of blocks) expect(Object.keys(node.spec.attrs ?? {}).sort()).toEqual(Object.keys(BLOCK_SHAPES[node.name]!.attributes).sort())
	const inline = Object.values(schema.nodes).filter((n) => n.isInline && !n.isText)
	expect(inline.map((n) => n.name).sort()).toEqual(Object.keys(INLINE_SHAPES).sort())
	for (const node of inline) expect(Object.keys(node.spec.attrs ?? {}).sort()).toEqual(Object.keys(INLINE_SHAPES[node.name]!.attributes).sort())
	expect(Object.keys(schema.marks).sort()).toEqual(Object.keys(MARK_SHAPES).sort())
	for (const mark of Object.values(schema.marks)) expect(Object.keys(mark.spec.attrs ?? {}).sort()).toEqual(Object.keys(MARK_SHAPES[mark.name]!).sort())
	// What the paragraph allows inline is what the shape allows.
	expect(schema.nodes.paragraph!.contentMatch.matchType(schema.nodes.paragraphRef!)).not.toBeNull()
	expect(schema.nodes.heading!.contentMatch.matchType(schema.nodes.paragraphRef!)).toBeNull()
	expect(BLOCK_SHAPES.heading!.inline).toEqual([])
})

/** A server document with a guard, and clients (each its own Y.Doc) that send through it. */
function room() {
	const server = new Y.Doc()
	writeBlocks(server, [
		{ type: 'heading', id: 'h1', text: 'Tuyên bố chung' },
		{ type: 'paragraph', id: 'p1', kind: 'preambular', text: 'Nhắc lại Tuyên bố Hà Nội về an sinh xã hội.' },
		{ type: 'paragraph', id: 'p2', kind: 'operative', status: 'agreed', text: 'Agree to strengthen social protection.' },
		{ type: 'paragraph', id: 'p3', kind: 'operative', text: 'Encourage cooperation on elderly care and social work.' },
		{ type: 'paragraph', id: 'p4', kind: 'operative', text: 'Welcome Viet Nam’s offer to host the forum.' },
	])
	const guard = new DocumentGuard(server)
	guards.push(guard)
	const client = () => {
		const doc = new Y.Doc()
		Y.applyUpdate(doc, Y.encodeStateAsUpdate(server))
		return doc
	}
	/** Sends what `change` does in `doc` (or the bytes given); brings every listed client up to date. */
	const send = (doc: Y.Doc, change: ((doc: Y.Doc) => void) | Uint8Array, others: Y.Doc[] = []) => {
		let update: Uint8Array
		if (change instanceof Uint8Array) update = change
		else {
			const before = Y.encodeStateVector(doc)
			change(doc)
			update = Y.encodeStateAsUpdate(doc, before)
		}
		const origin = {}
		const violation = guard.check(() => Y.applyUpdate(server, update, origin), origin, THAILAND)
		for (const c of [doc, ...others]) Y.applyUpdate(c, Y.encodeStateAsUpdate(server, Y.encodeStateVector(c)))
		return violation
	}
	return { server, client, send }
}

/** Everything the editor needs: a document y-prosemirror turns into a valid ProseMirror document. */
function expectValid(doc: Y.Doc) {
	const body = doc.getXmlFragment(DOCUMENT_FRAGMENT)
	const ids = new Set<string>()
	for (const child of body.toArray()) {
		expect(child).toBeInstanceOf(Y.XmlElement)
		expect(blockShapeProblem(child as Y.XmlElement)).toBeNull()
		const id = String((child as Y.XmlElement).getAttribute('id'))
		expect(ids.has(id)).toBe(false)
		ids.add(id)
	}
	expect([...body._map.values()].every((item) => item.deleted)).toBe(true)
	for (const [name, type] of doc.share) {
		if (ROOTS.has(name)) continue
		// A root the server never made holds nothing (what a client put there was taken back).
		expect(type._length).toBe(0)
		expect([...type._map.values()].every((item) => item.deleted)).toBe(true)
	}
	// On a copy: y-prosemirror deletes from the document what it cannot build (the way one honest
	// keystroke used to delete a whole text after a crafted block), so it must find nothing to delete.
	const copy = new Y.Doc()
	Y.applyUpdate(copy, Y.encodeStateAsUpdate(doc))
	const before = Y.encodeStateVector(copy)
	const node = yXmlFragmentToProseMirrorRootNode(copy.getXmlFragment(DOCUMENT_FRAGMENT), schema)
	expect(() => node.check()).not.toThrow()
	expect(node.childCount).toBe(body.length)
	expect(Y.encodeStateVector(copy)).toEqual(before)
}

const text = (doc: Y.Doc) => readBlocks(doc).map((b) => b.text)

test('bare text, a hook or a value as a block of the text is refused and undone for everyone', () => {
	const { server, client, send } = room()
	const honest = client()
	const attacker = client()
	const before = text(server)
	for (const crafted of [
		(d: Y.Doc) => d.getXmlFragment(DOCUMENT_FRAGMENT).insert(1, [new Y.XmlText('blank everything')]),
		(d: Y.Doc) => d.getXmlFragment(DOCUMENT_FRAGMENT).insert(0, [new Y.XmlHook('widget') as never]),
		(d: Y.Doc) => (d.getXmlFragment(DOCUMENT_FRAGMENT) as unknown as Y.Array<unknown>).insert(2, [{ html: '<img src=x onerror=alert(1)>' }] as never),
	]) {
		expect(send(attacker, crafted, [honest])?.code).toBe('malformed')
		expect(text(server)).toEqual(before)
		expectValid(server)
		expectValid(honest)
		expectValid(attacker)
	}
	// The next honest keystroke keeps every paragraph.
	expect(send(honest, (d) => ((d.getXmlFragment(DOCUMENT_FRAGMENT).get(4) as Y.XmlElement).get(0) as Y.XmlText).insert(0, 'Xin chào. '), [attacker])).toBeNull()
	expect(text(server)).toHaveLength(5)
	expect(text(server)[4]).toBe(`Xin chào. ${before[4]}`)
})

test("a block's id is set once and is its own: rewriting, removing or copying one is refused", () => {
	const { server, client, send } = room()
	const attacker = client()
	const block = (d: Y.Doc, i: number) => d.getXmlFragment(DOCUMENT_FRAGMENT).get(i) as Y.XmlElement
	for (const crafted of [
		(d: Y.Doc) => block(d, 3).setAttribute('id', 'p4'), // another paragraph's id
		(d: Y.Doc) => block(d, 3).setAttribute('id', newParagraphId()), // a fresh one: positions would be orphaned
		(d: Y.Doc) => block(d, 3).removeAttribute('id'),
		(d: Y.Doc) => {
			const p = new Y.XmlElement('paragraph')
			p.setAttribute('id', 'p3')
			p.setAttribute('kind', 'operative')
			p.insert(0, [new Y.XmlText('Second OP 2')])
			d.getXmlFragment(DOCUMENT_FRAGMENT).insert(5, [p])
		},
	]) {
		expect(send(attacker, crafted)?.code).toBe('malformed')
		expect(readBlocks(server).map((b) => b.id)).toEqual(['h1', 'p1', 'p2', 'p3', 'p4'])
		expectValid(attacker)
	}
})

test('attributes come from a list, with valid and bounded values; the text and its runs carry none', () => {
	const { server, client, send } = room()
	const attacker = client()
	const before = readBlocks(server)
	const block = (d: Y.Doc, i: number) => d.getXmlFragment(DOCUMENT_FRAGMENT).get(i) as Y.XmlElement<Record<string, any>>
	for (const crafted of [
		(d: Y.Doc) => block(d, 3).setAttribute('onclick', 'alert(1)'),
		(d: Y.Doc) => block(d, 3).setAttribute('kind', 'x'.repeat(2_000_000)),
		(d: Y.Doc) => block(d, 3).setAttribute('kind', 'chapeau'),
		(d: Y.Doc) => block(d, 0).setAttribute('level', 1),
		(d: Y.Doc) => (block(d, 3).get(0) as Y.XmlText).setAttribute('style', 'display:none'),
		(d: Y.Doc) => (block(d, 3).get(0) as Y.XmlText).format(0, 9, { bold: { evil: 'x'.repeat(10_000) } }),
		(d: Y.Doc) => (block(d, 3).get(0) as Y.XmlText).format(0, 9, { link: { href: 'javascript:alert(1)' } }),
		(d: Y.Doc) => (block(d, 3).get(0) as Y.XmlText).insertEmbed(0, { image: 'x' }),
		(d: Y.Doc) => (block(d, 3).get(0) as Y.XmlText).insert(0, 'x', { insertion: { id: 's1', by: 'THA', author: 'a'.repeat(5_000) } }),
		(d: Y.Doc) => block(d, 3).insert(1, [new Y.XmlElement('paragraphRef')]),
		(d: Y.Doc) => block(d, 0).insert(1, [(() => {
			const ref = new Y.XmlElement('paragraphRef')
			ref.setAttribute('to', 'p1')
			return ref
		})()]),
		(d: Y.Doc) => block(d, 3).insert(0, [new Y.XmlElement('script')]),
		(d: Y.Doc) => {
			const p = new Y.XmlElement('table')
			p.setAttribute('id', newParagraphId())
			d.getXmlFragment(DOCUMENT_FRAGMENT).insert(5, [p])
		},
		(d: Y.Doc) => (block(d, 3).get(0) as Y.XmlText).insert(0, 'x'.repeat(MAX_PARAGRAPH_CHARS)),
	]) {
		expect(send(attacker, crafted)?.code).toBe('malformed')
		expect(readBlocks(server)).toEqual(before)
		expectValid(server)
		expectValid(attacker)
	}
	// A valid kind from an editor is fine.
	expect(send(attacker, (d) => block(d, 3).setAttribute('kind', 'preambular'))).toBeNull()
})

test('no root but the text: a client writing its own root, or the server’s meta map, is refused and takes no memory', () => {
	const { server, client, send } = room()
	const attacker = client()
	const big = 'x'.repeat(1_000_000)
	expect(send(attacker, (d) => d.getMap('evil').set('blob', big))?.code).toBe('malformed')
	expect(send(attacker, (d) => d.getText('notes').insert(0, big))?.code).toBe('malformed')
	expect(send(attacker, (d) => d.getArray('list').push([big]))?.code).toBe('malformed')
	expect(send(attacker, (d) => d.getMap(META_MAP).set('adopted', { revision: 1 }))?.code).toBe('malformed')
	// Attributes on `body` itself, written through a map of the same name.
	const crafted = new Y.Doc()
	crafted.getMap(DOCUMENT_FRAGMENT).set('onload', 'alert(1)')
	expect(send(attacker, Y.encodeStateAsUpdate(crafted))?.code).toBe('malformed')
	expectValid(server)
	expect(server.getMap(META_MAP).size).toBe(0)
	// What was taken back is garbage: the server's state holds none of the megabytes.
	expect(Y.encodeStateAsUpdate(server).length).toBeLessThan(10_000)
})

/** A small deterministic PRNG, so a failing seed can be replayed. */
function random(seed: number) {
	return () => {
		seed = (seed * 1_103_515_245 + 12_345) & 0x7fffffff
		return seed / 0x7fffffff
	}
}

test('property: random operations of every kind from a raw client never leave an invalid document, and honest clients keep their text', () => {
	for (const seed of [1, 7, 2022, 31337]) {
		const rand = random(seed)
		const target = 'p4'
		const pick = <T,>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!
		const { server, client, send } = room()
		const honest = client()
		const attacker = client()
		const fragment = (d: Y.Doc) => d.getXmlFragment(DOCUMENT_FRAGMENT)
		const anyBlock = (d: Y.Doc) => {
			// Blocks only: an earlier operation of the same update may have put something else there.
			const blocks = fragment(d).toArray().filter((b): b is Y.XmlElement<Record<string, any>> => b instanceof Y.XmlElement)
			return blocks[Math.floor(rand() * blocks.length)]
		}
		const anyText = (d: Y.Doc) => {
			const b = anyBlock(d)
			const t = b?.toArray().find((c) => c instanceof Y.XmlText) as Y.XmlText | undefined
			return t
		}
		const values: unknown[] = ['operative', 'preambular', 'agreed', 'ad_ref', 'p1', 'p4', '', 2, 1, null, {}, [], 'x'.repeat(300), '<b onclick=x>', 'ok-id_1']
		const keys = ['id', 'kind', 'status', 'level', 'to', 'onclick', 'style', 'data-x']
		const marks = ['bold', 'italic', 'bracket', 'insertion', 'deletion', 'link', 'ychange']
		const ops: ((d: Y.Doc) => void)[] = [
			(d) => fragment(d).insert(Math.floor(rand() * (fragment(d).length + 1)), [new Y.XmlText(pick(['a', 'Việt']))]),
			(d) => fragment(d).insert(0, [new Y.XmlHook(pick(['h', 'x'])) as never]),
			(d) => (fragment(d) as unknown as Y.Array<unknown>).insert(0, [pick(values)] as never),
			(d) => anyBlock(d)?.setAttribute(pick(keys), pick(values) as string),
			(d) => anyBlock(d)?.removeAttribute(pick(keys)),
			(d) => {
				const e = new Y.XmlElement(pick(['paragraph', 'heading', 'div', 'paragraphRef']))
				if (rand() < 0.7) e.setAttribute('id', pick([newParagraphId(), 'p1', 'h1']))
				if (rand() < 0.5) e.setAttribute(pick(keys), pick(values) as string)
				if (rand() < 0.7) e.insert(0, [new Y.XmlText(pick(['new', 'mới']))])
				fragment(d).insert(Math.floor(rand() * (fragment(d).length + 1)), [e])
			},
			(d) => anyBlock(d)?.insert(0, [pick([new Y.XmlElement('paragraphRef'), new Y.XmlElement('em'), new Y.XmlHook('h') as never, new Y.XmlText('inner')])]),
			(d) => {
				const t = anyText(d)
				if (t && t.length > 2) t.format(1, 1 + Math.floor(rand() * (t.length - 1)), { [pick(marks)]: pick([{}, { id: 'b9', owner: 'THA' }, { id: 's9', by: 'THA', author: 'Somchai Phromma' }, 'x', null]) })
			},
			(d) => anyText(d)?.insertEmbed(0, pick([{ image: 'x' }, 'x'])),
			(d) => anyText(d)?.setAttribute(pick(keys), 'x'),
			// Deleting words of an open paragraph is an editor's right: not the honest delegate's.
			(d) => {
				const b = anyBlock(d)
				if (b && b.length > 0 && b.getAttribute('id') !== target) b.delete(0, 1)
			},
			(d) => {
				const i = Math.floor(rand() * fragment(d).length)
				// Delete and insert again elsewhere: what a move is in Yjs.
				const b = fragment(d).get(i)
				if (b instanceof Y.XmlElement && b.getAttribute('id') !== target) {
					const copy = b.clone()
					d.transact(() => {
						fragment(d).delete(i, 1)
						fragment(d).insert(Math.floor(rand() * (fragment(d).length + 1)), [copy])
					})
				}
			},
			(d) => d.getMap(pick(['meta', 'x', 'comments'])).set('k', pick(values)),
			(d) => d.getText(pick(['t', 'scratch'])).insert(0, 'x'),
		]
		let typed = ''
		const base = readBlocks(server).find((b) => b.id === target)!.text
		for (let step = 0; step < 150; step++) {
			// An honest delegate types at the end of OP 3 (the last paragraph) now and then.
			if (rand() < 0.3) {
				const word = ` ${pick(['và', 'hợp tác', 'cải cách', 'ASEAN'])}${step}`
				const p = fragment(honest).toArray().find((b) => b instanceof Y.XmlElement && b.getAttribute('id') === target) as Y.XmlElement | undefined
				if (p) {
					const t = p.get(p.length - 1) as Y.XmlText
					expect(send(honest, () => t.insert(t.length, word), [attacker]), `seed ${seed} step ${step}: honest typing`).toBeNull()
					typed += word
				}
			}
			// One to three operations in one update, as a crafted client may send them together.
			const batch = Array.from({ length: 1 + Math.floor(rand() * 3) }, () => pick(ops))
			send(attacker, (d) => d.transact(() => batch.forEach((op) => op(d))), [honest])
			expectValid(server)
			expectValid(honest)
			expect(fragment(honest).toString()).toBe(fragment(server).toString())
			expect(fragment(attacker).toString()).toBe(fragment(server).toString())
			// Nothing the attacker did may take the honest delegate's words (a move of the whole
			// open paragraph keeps them; it is an editor's right).
			const now = readBlocks(server).filter((b) => b.id === target)
			expect(now.map((b) => b.text).join(''), `seed ${seed} step ${step}`).toContain(typed)
		}
		// The stored form is as valid as the live one.
		const stored = new Y.Doc()
		Y.applyUpdate(stored, Y.encodeStateAsUpdate(server))
		expectValid(stored)
		expect(base.length).toBeGreaterThan(0)
	}
})

test("marks that a change puts on words already there are set back, and the change's own words stay (concurrent format markers)", () => {
	const { server, client, send } = room()
	const delegate = client()
	const other = client()
	const run = (d: Y.Doc) => (d.getXmlFragment(DOCUMENT_FRAGMENT).get(4) as Y.XmlElement).get(0) as Y.XmlText
	// Typed words, and (as a stray format marker of a concurrent edit would) an insertion mark in
	// Thailand's name over words already there.
	const violation = send(
		delegate,
		(d) =>
			d.transact(() => {
				run(d).insert(0, 'Xin chào. ')
				run(d).format(10, 7, { insertion: { id: 's7', by: 'THA', author: 'Somchai Phromma' } })
			}),
		[other],
	)
	expect(violation).toBeNull()
	for (const d of [server, delegate, other]) {
		const [block] = readBlocks(d).filter((b) => b.id === 'p4')
		expect(block).toMatchObject({ text: 'Xin chào. Welcome Viet Nam’s offer to host the forum.', suggestions: [] })
	}
	// Only formatting words already there is someone's doing: refused, as before.
	expect(send(delegate, (d) => run(d).format(0, 3, { insertion: { id: 's8', by: 'THA', author: 'Somchai Phromma' } }))?.code).toBe('suggestion')
	// A suggester's own removal marks are its right.
	expect(send(delegate, (d) => run(d).format(0, 3, { deletion: { id: 's9', by: 'THA', author: 'Somchai Phromma' } }))).toBeNull()
})

test('one update that breaks a rule in one paragraph and forges marks in another: the first is undone, the marks of the second set back', () => {
	const { server, client, send } = room()
	// Viet Nam's suggestion in OP 2, as the server holds it.
	const run = (d: Y.Doc, i: number) => (d.getXmlFragment(DOCUMENT_FRAGMENT).get(i) as Y.XmlElement).get(0) as Y.XmlText
	server.transact(() => run(server, 3).insert(0, 'đề xuất ', { insertion: { id: 's1', by: 'VNM', author: 'Nguyễn Thị Hồng Nhung' } }), 'server')
	const attacker = client()
	const before = readBlocks(server)
	const violation = send(attacker, (d) =>
		d.transact(() => {
			run(d, 2).insert(0, 'NOT ') // the agreed paragraph
			run(d, 4).insert(0, 'x') // one letter, so the rest is not "only formatting"
			run(d, 4).format(1, 8, { insertion: { id: 's1', by: 'VNM', author: 'Nguyễn Thị Hồng Nhung' } })
		}),
	)
	expect(violation?.code).toBe('frozen')
	const after = readBlocks(server)
	expect(after[2]).toEqual(before[2])
	// OP 3 keeps the letter typed, and none of its words became Viet Nam's suggestion.
	expect(after[4]).toMatchObject({ text: `x${(before[4] as { text: string }).text}`, suggestions: [] })
	expect(after[3]).toEqual(before[3])
})
