import { expect, test } from 'vitest'
import * as Y from 'yjs'
import { encodeBlocks, newParagraphId, numberBlocks, readBlocks, renderPlainText, writeBlocks } from '#app/domain/statement.ts'
import { SEED_ARTICLE_QUOTES } from '#prisma/seed-data.ts'

test('operative paragraphs are numbered 1…n in order; preambular ones and headings are not', () => {
	const numbered = numberBlocks([
		{ type: 'paragraph', id: 'a', kind: 'preambular', text: 'Recognising…' },
		{ type: 'paragraph', id: 'b', kind: 'operative', text: 'Agree to…' },
		{ type: 'heading', id: 'h', text: 'Regional level' },
		{ type: 'paragraph', id: 'c', kind: 'operative', text: 'Encourage…' },
	])
	expect(numbered.map((b) => b.number)).toEqual([null, 1, null, 2])
	expect(numbered.map((b) => b.label)).toEqual([null, '1.', null, '2.'])
})

test('preambular paragraphs are lettered when the Chair chooses letters, and numbers follow moves', () => {
	const blocks = [
		{ type: 'paragraph', id: 'a', kind: 'preambular', text: 'Recalling…' },
		{ type: 'paragraph', id: 'b', kind: 'preambular', text: 'Noting…' },
		{ type: 'paragraph', id: 'c', kind: 'operative', text: 'Agree…' },
		{ type: 'paragraph', id: 'd', kind: 'operative', text: 'Encourage…' },
	] as const
	expect(numberBlocks(blocks, 'letters').map((b) => b.label)).toEqual(['(a)', '(b)', '1.', '2.'])
	// OP "d" moved before "c": the numbers change, the ids stay.
	const moved = numberBlocks([blocks[0], blocks[1], blocks[3], blocks[2]])
	expect(moved.map((b) => [b.id, b.number])).toEqual([['a', null], ['b', null], ['d', 1], ['c', 2]])
})

test('brackets are read from the text with their owner and offsets, adjacent runs joined', () => {
	const doc = new Y.Doc()
	writeBlocks(doc, [{ type: 'paragraph', id: 'p1', kind: 'operative', text: 'Thúc đẩy hợp tác về an sinh xã hội.' }])
	const text = (doc.getXmlFragment('body').get(0) as Y.XmlElement).get(0) as Y.XmlText
	text.format(9, 7, { bracket: { id: 'b1', owner: 'THA' } })
	text.format(12, 2, { bold: {} }) // a second mark inside splits the run; still one bracket
	const [p] = readBlocks(doc)
	expect(p).toMatchObject({ status: 'open', brackets: [{ id: 'b1', owner: 'THA', start: 9, end: 16, text: 'hợp tác' }] })
})

test('blocks round-trip through Yjs with their ids, kinds and Vietnamese text intact', () => {
	const doc = new Y.Doc()
	const quote = SEED_ARTICLE_QUOTES[0]!
	writeBlocks(doc, [
		{ type: 'heading', id: 'h1', text: 'Priority areas' },
		{ type: 'paragraph', id: 'p1', kind: 'preambular', text: quote },
		{ type: 'paragraph', id: 'p2', kind: 'operative', text: 'Agree to strengthen cooperation.' },
	])
	expect(readBlocks(doc)).toEqual([
		{ type: 'heading', id: 'h1', text: 'Priority areas' },
		{ type: 'paragraph', id: 'p1', kind: 'preambular', status: 'open', text: quote, brackets: [], suggestions: [], refs: [] },
		{ type: 'paragraph', id: 'p2', kind: 'operative', status: 'open', text: 'Agree to strengthen cooperation.', brackets: [], suggestions: [], refs: [] },
	])
	expect(renderPlainText(doc)).toBe(`Priority areas\n${quote}\n1. Agree to strengthen cooperation.`)
	expect(quote).toMatch(/[ăâđêôơưạảấầẩẫậắằẳẵặẹẻẽếềểễệỉịọỏốồổỗộớờởỡợụủứừửữựỳỵỷỹ]/)
})

test('an encoded seed update gives every block a distinct id', () => {
	const doc = new Y.Doc()
	Y.applyUpdate(doc, encodeBlocks([
		{ type: 'paragraph', kind: 'operative', text: 'One' },
		{ type: 'paragraph', kind: 'operative', text: 'Two' },
	]))
	const ids = readBlocks(doc).map((b) => b.id)
	expect(new Set(ids).size).toBe(2)
	expect(newParagraphId()).toMatch(/^p[0-9a-z]{15}$/)
})

test('a reference names its paragraph as numbered now, and brackets count it as one character', async () => {
	const { addBracketMark, resolveBracketInText, REF_CHAR } = await import('#app/domain/statement.ts')
	const doc = new Y.Doc()
	writeBlocks(doc, [
		{ type: 'paragraph', id: 'a', kind: 'operative', text: 'Agree to cooperate.' },
		{ type: 'paragraph', id: 'b', kind: 'operative', text: 'Implement ' },
	])
	// "Implement <ref to a> at national level" as y-prosemirror writes it: text, element, text.
	const b = doc.getXmlFragment('body').get(1) as Y.XmlElement
	const ref = new Y.XmlElement('paragraphRef')
	ref.setAttribute('to', 'a')
	b.insert(1, [ref, new Y.XmlText(' ở cấp quốc gia.')])
	expect(renderPlainText(doc)).toBe('1. Agree to cooperate.\n2. Implement OP 1 ở cấp quốc gia.')
	// A new paragraph before "a": the reference follows it.
	writeBlocks(doc, [{ type: 'paragraph', id: 'c', kind: 'operative', text: 'Welcome progress.' }])
	const fragment = doc.getXmlFragment('body')
	const moved = fragment.get(2) as Y.XmlElement
	const copy = moved.clone()
	doc.transact(() => {
		fragment.delete(2, 1)
		fragment.insert(0, [copy])
	})
	expect(renderPlainText(doc).split('\n')[2]).toBe('3. Implement OP 2 ở cấp quốc gia.')
	// Bracket words after the reference: offsets count it as one character.
	const [, , para] = readBlocks(doc)
	expect(para?.type === 'paragraph' && para.text).toBe(`Implement ${REF_CHAR} ở cấp quốc gia.`)
	const start = `Implement ${REF_CHAR} `.length
	expect(addBracketMark(doc, { paragraphId: 'b', start, end: start + 'ở cấp quốc gia'.length, expected: 'ở cấp quốc gia', bracket: { id: 'x', owner: 'THA' } })).toBeNull()
	expect(readBlocks(doc)[2]).toMatchObject({ brackets: [{ id: 'x', text: 'ở cấp quốc gia', start }] })
	expect(resolveBracketInText(doc, 'x', { kind: 'replace', text: 'ở cấp khu vực' })).toEqual({ text: 'ở cấp khu vực' })
	expect(renderPlainText(doc).split('\n')[2]).toBe('3. Implement OP 2 ở cấp khu vực.')
	// The referred paragraph deleted: the reference says so.
	doc.transact(() => fragment.delete(1, 1))
	expect(renderPlainText(doc).split('\n')[1]).toBe('2. Implement [deleted paragraph] ở cấp khu vực.')
})
