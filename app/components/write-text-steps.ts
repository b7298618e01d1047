import type { Mark as PMMark, Node as PMNode, Schema } from '@tiptap/pm/model'
import type { EditorState, Transaction } from '@tiptap/pm/state'
import { AddMarkStep, RemoveMarkStep, ReplaceStep } from '@tiptap/pm/transform'
import { ySyncPluginKey } from '@tiptap/y-tiptap'
import * as Y from 'yjs'
import { PARAGRAPH_REF_NODE, REF_CHAR } from '#app/domain/statement.ts'

/** The shared text as y-tiptap's binding holds it: the document, its fragment, and which editor node shows which element. */
export type SharedText = { doc: Y.Doc; type: Y.XmlFragment; mapping: Map<unknown, unknown> }

/** What this file reads of y-tiptap's sync state (`ySyncPluginKey`) and its ProsemirrorBinding. */
type SyncState = { binding?: SharedText & { mux: (f: () => void) => void }; snapshot?: unknown; prevSnapshot?: unknown }

export function writeThroughBinding(state: EditorState, tr: Transaction) {
	const sync = ySyncPluginKey.getState(state) as SyncState | undefined
	const binding = sync?.binding
	// No shared text (an editor on its own), or a past version on show: the binding decides.
	if (!binding || sync.snapshot != null || sync.prevSnapshot != null) return
	// Under the binding's lock, so that it does not read the write back into the editor; with the
	// binding's origin, so that the undo manager takes it as the person's own change.
	binding.mux(() => binding.doc.transact(() => void writeTextSteps(binding, tr), ySyncPluginKey))
}

/**
 * Writes a transaction's steps to the shared text where they were made: typed or pasted words
 * land at their place with their marks, words taken back are the ones that go, marks go on the
 * words they were put on. y-tiptap's binding (3.0.9 `updateYText`, the same upstream) writes a
 * changed paragraph by diffing its string alone and then sets formats by index: a letter typed
 * in front of the same letter (a space typed before " Senior") is written after that letter, so
 * the letter already there takes the new one's insertion mark and the new one stays plain. The
 * server refuses an insertion mark on words already there and undoes the change: the space is
 * lost, and the caret comes back behind the old letter, so a retyped phrase takes over the words
 * that followed it (issue 28). Written here first, the paragraph already reads as the editor's
 * when the binding compares them, and it has nothing left to write.
 *
 * Writes nothing and returns false when a step is not text or marks inside one paragraph, or a
 * paragraph's shared text does not read as the editor's before the change (the binding then
 * writes the change by its diff, as before).
 */
export function writeTextSteps(shared: SharedText, tr: Transaction): boolean {
	const schema = tr.doc.type.schema
	const elements = new Map<number, Y.XmlElement>()
	const writes: (() => void)[] = []
	for (let i = 0; i < tr.steps.length; i++) {
		const step = tr.steps[i]!
		const isReplace = step instanceof ReplaceStep
		if (!isReplace && !(step instanceof AddMarkStep) && !(step instanceof RemoveMarkStep)) return false
		const range = inlineRange(tr.docs[i]!, step.from, step.to)
		if (!range) return false
		const element = elements.get(range.block) ?? elementOf(shared, tr.before, range.block)
		if (!element) return false
		elements.set(range.block, element)
		if (isReplace) {
			const { slice } = step
			if (slice.openStart !== 0 || slice.openEnd !== 0) return false
			const inserts: { text: string; attributes: Record<string, unknown> }[] = []
			for (let c = 0; c < slice.content.childCount; c++) {
				const node = slice.content.child(c)
				const attributes = node.isText ? attributesOf(node.marks, schema) : null
				if (!attributes) return false
				inserts.push({ text: node.text!, attributes })
			}
			writes.push(() => {
				for (const [text, index, length] of textSegments(element, range.from, range.to)) text.delete(index, length)
				let at = range.from
				for (const insert of inserts) {
					const [text, index] = textAt(element, at)
					text.insert(index, insert.text, { ...insert.attributes })
					at += insert.text.length
				}
			})
		} else {
			// The formats the words have now (a mark put on can take off one it excludes).
			const after = tr.docs[i + 1] ?? tr.doc
			const start = after.resolve(step.from).start()
			const formats: { from: number; to: number; attributes: Record<string, unknown> | null }[] = []
			after.nodesBetween(step.from, step.to, (node, pos) => {
				if (!node.isText) return true
				formats.push({ from: Math.max(step.from, pos) - start, to: Math.min(step.to, pos + node.nodeSize) - start, attributes: attributesOf(node.marks, schema) })
				return false
			})
			if (formats.some((f) => !f.attributes)) return false
			writes.push(() => {
				for (const f of formats) for (const [text, index, length] of textSegments(element, f.from, f.to)) text.format(index, length, { ...f.attributes })
			})
		}
	}
	for (const [block, element] of elements) if (sharedString(element) !== editorString(tr.before.child(block))) return false
	for (const write of writes) write()
	return true
}

/** [from, to) as offsets in its paragraph, when it lies inside one and holds nothing but text. */
function inlineRange(doc: PMNode, from: number, to: number): { block: number; from: number; to: number } | null {
	const $from = doc.resolve(from)
	if ($from.depth !== 1 || !$from.parent.inlineContent || to > $from.end()) return null
	const start = $from.start()
	let textOnly = true
	$from.parent.nodesBetween(from - start, to - start, (node) => {
		if (!node.isText) textOnly = false
	})
	return textOnly ? { block: $from.index(0), from: from - start, to: to - start } : null
}

/** The shared element the binding shows as block `block` of `doc`. */
function elementOf(shared: SharedText, doc: PMNode, block: number): Y.XmlElement | null {
	const node = doc.child(block)
	const guess = shared.type.get(block)
	if (guess instanceof Y.XmlElement && shared.mapping.get(guess) === node) return guess
	for (const child of shared.type.toArray()) if (child instanceof Y.XmlElement && shared.mapping.get(child) === node) return child
	return null
}

/** Marks as Yjs format attributes, every other mark of the schema switched off; null for a mark that may overlap itself (the binding names those by a hash). */
function attributesOf(marks: readonly PMMark[], schema: Schema): Record<string, unknown> | null {
	const attributes: Record<string, unknown> = {}
	for (const type of Object.values(schema.marks)) if (type.excludes(type)) attributes[type.name] = null
	for (const mark of marks) {
		if (!mark.type.excludes(mark.type)) return null
		attributes[mark.type.name] = mark.attrs
	}
	return attributes
}

/** The pieces of the paragraph's shared texts that [from, to) covers: text, index, length. */
function textSegments(element: Y.XmlElement, from: number, to: number): [Y.XmlText, number, number][] {
	const segments: [Y.XmlText, number, number][] = []
	let at = 0
	for (const child of element.toArray()) {
		const length = child instanceof Y.XmlText ? child.length : 1
		const start = Math.max(from, at)
		const end = Math.min(to, at + length)
		if (child instanceof Y.XmlText && end > start) segments.push([child, start - at, end - start])
		at += length
	}
	return segments
}

/** The shared text and index at offset `at` of the paragraph; a new text where there is none (between references). */
function textAt(element: Y.XmlElement, at: number): [Y.XmlText, number] {
	const children = element.toArray()
	let offset = 0
	for (let i = 0; i < children.length; i++) {
		const child = children[i]
		if (child instanceof Y.XmlText) {
			if (at <= offset + child.length) return [child, at - offset]
			offset += child.length
		} else {
			if (at === offset) return newTextAt(element, i)
			offset += 1
		}
	}
	return newTextAt(element, children.length)
}

function newTextAt(element: Y.XmlElement, index: number): [Y.XmlText, number] {
	const text = new Y.XmlText()
	element.insert(index, [text])
	return [text, 0]
}

/** A paragraph's shared text as one string, a reference as one character. */
function sharedString(element: Y.XmlElement): string {
	return element
		.toArray()
		.map((child) => (child instanceof Y.XmlText ? (child.toDelta() as { insert?: unknown }[]).map((d) => (typeof d.insert === 'string' ? d.insert : REF_CHAR)).join('') : REF_CHAR))
		.join('')
}

/** The same of the editor's paragraph (a leaf other than text is one position, as a reference is). */
function editorString(node: PMNode): string {
	let text = ''
	node.forEach((child) => {
		text += child.isText ? child.text! : child.isLeaf ? REF_CHAR : '\u0000'
	})
	return text
}
