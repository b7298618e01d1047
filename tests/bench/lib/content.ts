import * as Y from 'yjs'
import { DOCUMENT_FRAGMENT } from '#app/domain/constants.ts'
import { encodeBlocks, writeBlocks, type BlockInput } from '#app/domain/statement.ts'
import { DOCUMENTS, SEED_ARTICLE_QUOTES } from '#prisma/seed-data.ts'

/**
 * A statement of about `targetChars` characters, as delegations negotiate it: the demo's joint
 * statement and plan of action, with the Vietnamese quotes of the seed articles between them,
 * repeated until long enough. Paragraph ids are fixed so every run writes the same document.
 */
export function statementBlocks(targetChars = 20_000): BlockInput[] {
	const source = DOCUMENTS.flatMap((d) => d.blocks)
	const blocks: BlockInput[] = []
	let chars = 0
	for (let i = 0; chars < targetChars; i++) {
		const block = source[i % source.length]!
		const quote = SEED_ARTICLE_QUOTES[i % SEED_ARTICLE_QUOTES.length]!
		const text = i % 3 === 2 ? `${block.text} ${quote}` : block.text
		blocks.push(block.type === 'heading' ? { type: 'heading', id: `h${i}`, text } : { type: 'paragraph', id: `p${i}`, kind: block.kind, text })
		chars += text.length
	}
	return blocks
}

/**
 * The initial content as one Yjs update (what the app stores as a document's first log row).
 * Every client of a run applies these same bytes, so all of them hold identical structs.
 * Client ids of the generator are small fixed numbers; the seed's random one must not collide.
 */
export function makeSeed(blocks: BlockInput[]): Uint8Array {
	for (;;) {
		const seed = encodeBlocks(blocks)
		const doc = new Y.Doc()
		Y.applyUpdate(doc, seed)
		const clients = [...Y.decodeStateVector(Y.encodeStateVector(doc)).keys()]
		doc.destroy()
		if (clients.every((c) => c >= FIRST_BENCH_CLIENT_ID + 1_000_000)) return seed
	}
}

/** Client ids of generator clients: FIRST_BENCH_CLIENT_ID + a global index (so all processes agree). */
export const FIRST_BENCH_CLIENT_ID = 1_000

/** The Y.XmlText inside the n-th block of the document body (wrapping around). */
export function blockText(doc: Y.Doc, n: number): Y.XmlText | null {
	const fragment = doc.getXmlFragment(DOCUMENT_FRAGMENT)
	if (fragment.length === 0) return null
	const element = fragment.get(n % fragment.length)
	if (!(element instanceof Y.XmlElement)) return null
	const text = element.get(0)
	return text instanceof Y.XmlText ? text : null
}

/** What typists type: Vietnamese text, one character per keystroke. */
export const TYPING_TEXT = 'Các nước thành viên nhất trí tăng cường hợp tác trong lĩnh vực công vụ, thúc đẩy quản trị tốt. '

/** A deterministic PRNG (mulberry32), so that generated histories are the same on every run. */
export function prng(seed: number): () => number {
	let a = seed >>> 0
	return () => {
		a = (a + 0x6d2b79f5) >>> 0
		let t = a
		t = Math.imul(t ^ (t >>> 15), t | 1)
		t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
		return ((t ^ (t >>> 14)) >>> 0) / 4294967296
	}
}

export const HISTORY_CLIENT_ID = 999
/** Keystrokes of S4's history in one paragraph before the author moves to the next. */
const KEYSTROKES_PER_PARAGRAPH = 5_000

/**
 * S4's history: `count` small updates, each one keystroke of one author typing into the
 * paragraphs of `seed`, a few thousand keystrokes in each before moving to the next (a paragraph
 * holds at most MAX_PARAGRAPH_CHARS: one paragraph of 100,000 keystrokes would be refused):
 * runs of characters at a cursor that jumps now and then, and one backspace in twenty, like an
 * editing session. Returns the updates in order.
 */
export function makeHistory(seed: Uint8Array, count: number): Uint8Array[] {
	const doc = new Y.Doc()
	Y.applyUpdate(doc, seed)
	doc.clientID = HISTORY_CLIENT_ID
	const updates: Uint8Array[] = []
	doc.on('update', (update: Uint8Array) => updates.push(update))
	const random = prng(42)
	let block = 0
	let text = blockText(doc, block)!
	let cursor = text.length
	let i = 0
	while (updates.length < count) {
		if (updates.length > 0 && updates.length % KEYSTROKES_PER_PARAGRAPH === 0) {
			// The next paragraph, written by the author as a person would (Enter) when the seed has no more.
			block++
			if (block >= doc.getXmlFragment(DOCUMENT_FRAGMENT).length) writeBlocks(doc, [{ type: 'paragraph', id: `p-history-${block}`, kind: 'operative', text: '' }])
			text = blockText(doc, block)!
			cursor = text.length
		}
		if (random() < 0.02) cursor = Math.floor(random() * (text.length + 1))
		if (random() < 0.05 && cursor > 0) {
			text.delete(cursor - 1, 1)
			cursor--
		} else {
			text.insert(cursor, TYPING_TEXT[i++ % TYPING_TEXT.length]!)
			cursor++
		}
	}
	doc.destroy()
	return updates
}
