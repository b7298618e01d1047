import { getSchema } from '@tiptap/core'
import { EditorState, TextSelection, type Transaction } from '@tiptap/pm/state'
import { initProseMirrorDoc, updateYFragment } from '@tiptap/y-tiptap'
import { afterEach, expect, test } from 'vitest'
import * as Y from 'yjs'
import {
	ParagraphRef,
	removeAsSuggestion,
	replaceAsSuggestion,
	statementExtensions,
	typeInsideTheirs,
	type Suggester,
} from '#app/components/statement-schema.ts'
import { writeTextSteps, type SharedText } from '#app/components/write-text-steps.ts'
import { DOCUMENT_FRAGMENT } from '#app/domain/constants.ts'
import { readBlocks, writeBlocks } from '#app/domain/statement.ts'
import { decideSuggestionsInText, DELETION_MARK, INSERTION_MARK } from '#app/domain/suggestions.ts'
import { DocumentGuard, type Sender } from '#server/guard.ts'

/**
 * Suggestions from the keystroke to the Chair's decision (issue 28): what the editor writes to
 * the shared text for a suggestion, and what accepting or rejecting leaves.
 */
const schema = getSchema([...statementExtensions, ParagraphRef])
const OP = 'Task the ACCSM Senior Officials to complete the activities postponed from the ACCSM Work Plan 2016-2020;'
const THA: Suggester = { by: 'THA', author: 'Nattaya Chaiyaporn' }
const SGP: Suggester = { by: 'SGP', author: 'Lim Wei Ling' }
const ADVISER: Sender = { delegationCode: 'THA', name: THA.author, suggestOnly: true }
const DELEGATE: Sender = { delegationCode: 'SGP', name: SGP.author, suggestOnly: false }

const guards: DocumentGuard[] = []
afterEach(() => {
	for (const g of guards.splice(0)) g.destroy()
})

/** The server's document behind its guard, and the pages of the people who suggest. */
function meeting(text = OP) {
	const server = new Y.Doc()
	writeBlocks(server, [{ type: 'paragraph', id: 'p1', kind: 'operative', text }])
	const guard = new DocumentGuard(server)
	guards.push(guard)
	return { server, guard, page: (sender: Sender) => page(server, guard, sender) }
}

/**
 * One person's page: a Y.Doc and the editor's state as y-tiptap shows it. `change` does what the
 * page does with a local change: suggestion mode writes its steps (unless `binding` says to leave
 * it to the binding alone, as before issue 28), the binding then writes whatever differs, and
 * the update goes to the server, whose answer (and everyone else's words) comes back.
 */
function page(server: Y.Doc, guard: DocumentGuard, sender: Sender) {
	const doc = new Y.Doc()
	Y.applyUpdate(doc, Y.encodeStateAsUpdate(server))
	const type = doc.getXmlFragment(DOCUMENT_FRAGMENT)
	const init = initProseMirrorDoc(type, schema)
	const shared: SharedText = { doc, type, mapping: init.mapping }
	const meta = init.meta
	const me = {
		doc,
		shared,
		clientID: doc.clientID,
		/** The paragraph as the editor shows it. */
		text: () => me.state.doc.child(0).textContent,
		state: EditorState.create({ schema, doc: init.doc }),
		/** What the binding wrote after suggestion mode's own write, in the last change. */
		bindingWrote: false,
		/** The update of the last change. */
		update: new Uint8Array() as Uint8Array,
		change(tr: Transaction, { binding = false } = {}) {
			const before = Y.encodeStateVector(doc)
			if (!binding) doc.transact(() => expect(writeTextSteps(shared, tr)).toBe(true))
			const written = Y.encodeStateAsUpdate(doc, before)
			doc.transact(() => updateYFragment(doc, type, tr.doc, meta))
			me.update = Y.encodeStateAsUpdate(doc, before)
			me.bindingWrote = !sameBytes(me.update, written)
			me.state = me.state.apply(tr)
			const origin = {}
			return guard.check(() => Y.applyUpdate(server, me.update, origin), origin, sender)
		},
		/** Takes in what the server has (the binding redraws the editor from it). */
		sync() {
			Y.applyUpdate(doc, Y.encodeStateAsUpdate(server, Y.encodeStateVector(doc)))
			const fresh = initProseMirrorDoc(type, schema)
			shared.mapping = fresh.mapping
			meta.mapping = fresh.mapping
			const at = Math.min(me.state.selection.head, fresh.doc.content.size - 1)
			me.state = EditorState.create({ schema, doc: fresh.doc, selection: TextSelection.create(fresh.doc, at) })
		},
		/** Types `text` letter by letter over [from, to), as suggestion mode does. */
		suggest(from: number, to: number, text: string, who: Suggester, options: { binding?: boolean } = {}) {
			const violations = []
			for (const letter of text) {
				violations.push(me.change(replaceAsSuggestion(me.state, from, to, letter, who), options))
				from = to = me.state.selection.head
			}
			return violations
		},
	}
	return me
}

function sameBytes(a: Uint8Array, b: Uint8Array) {
	return a.length === b.length && a.every((x, i) => x === b[i])
}

/** Position of the end of `words` in the first paragraph (1 + offset). */
function after(text: string, words: string) {
	const at = text.indexOf(words)
	if (at < 0) throw new Error(`"${words}" is not in "${text}"`)
	return 1 + at + words.length
}
function range(text: string, words: string): [number, number] {
	return [after(text, words) - words.length, after(text, words)]
}

const textOf = (doc: Y.Doc) => readBlocks(doc)[0]!.text
function suggestionsOf(doc: Y.Doc) {
	const [block] = readBlocks(doc)
	return block?.type === 'paragraph' ? block.suggestions.map(({ kind, by, text }) => ({ kind, by, text })) : []
}

/** Accepts or rejects every suggestion on a copy of the document; its text. */
function decided(doc: Y.Doc, decision: 'accept' | 'reject', by: string[] = ['THA', 'SGP']) {
	const copy = new Y.Doc()
	Y.applyUpdate(copy, Y.encodeStateAsUpdate(doc))
	for (const who of by) decideSuggestionsInText(copy, { by: who }, decision)
	return textOf(copy)
}

/** Accepts all of one delegation and rejects all of another, on a copy; its text. */
function only(doc: Y.Doc, accept: string, reject: string) {
	const copy = new Y.Doc()
	Y.applyUpdate(copy, Y.encodeStateAsUpdate(doc))
	decideSuggestionsInText(copy, { by: accept }, 'accept')
	decideSuggestionsInText(copy, { by: reject }, 'reject')
	return textOf(copy)
}

test("the binding's own diff puts a typed space's insertion mark on the space already there; the server refuses it (issue 28)", () => {
	const { server, page: open } = meeting()
	const adviser = open(ADVISER)
	// Select-and-retype: "Task the ACCSM" becomes "carefully", then a space, typed before " Senior".
	const violations = adviser.suggest(...range(OP, 'Task the ACCSM'), 'carefully ', THA, { binding: true })
	expect(violations.slice(0, -1)).toEqual(Array(9).fill(null))
	expect(violations.at(-1)).not.toBeNull()
	// The server undid the space; the caret is behind the space that was there, and the next words
	// go after it: what the Chair accepted in the issue.
	adviser.sync()
	expect(adviser.suggest(adviser.state.selection.head, adviser.state.selection.head, 'chosen words', THA, { binding: true })).toEqual(Array(12).fill(null))
	expect(decided(server, 'accept')).toBe(`carefully chosen wordsSenior${OP.slice(21)}`)
})

test('select-and-retype: every letter is written where it was typed, the server takes each, and the Chair gets what was meant', () => {
	const { server, page: open } = meeting()
	const adviser = open(ADVISER)
	expect(adviser.suggest(...range(OP, 'Task the ACCSM'), 'carefully chosen words', THA)).toEqual(Array(22).fill(null))
	// Nothing was left for the binding to write: suggestion mode's write is the whole change.
	expect(adviser.bindingWrote).toBe(false)
	expect(textOf(server)).toBe(`Task the ACCSMcarefully chosen words${OP.slice(14)}`)
	expect(suggestionsOf(server)).toEqual([
		{ kind: 'delete', by: 'THA', text: 'Task the ACCSM' },
		{ kind: 'insert', by: 'THA', text: 'carefully chosen words' },
	])
	expect(decided(server, 'accept')).toBe(`carefully chosen words${OP.slice(14)}`)
	expect(decided(server, 'reject')).toBe(OP)
})

test('delete-then-type with letters equal to the words proposed for removal, and Backspace over one’s own letter', () => {
	const { server, page: open } = meeting()
	const adviser = open(ADVISER)
	const [from, to] = range(OP, 'Task the')
	expect(adviser.change(removeAsSuggestion(adviser.state, from, to, THA, 'start'))).toBeNull()
	expect(adviser.state.selection.head).toBe(from)
	// Typed before "Task the", whose letters follow the caret: "T" before "T", "a" before "a"…
	expect(adviser.suggest(from, from, 'Tasks for theT', THA)).toEqual(Array(14).fill(null))
	// Backspace takes back the "T" typed last, not the "T" of "Task" after it.
	const head = adviser.state.selection.head
	expect(adviser.change(removeAsSuggestion(adviser.state, head - 1, head, THA, 'start'))).toBeNull()
	expect([...Y.decodeUpdate(adviser.update).ds.clients.keys()]).toEqual([adviser.clientID])
	expect(suggestionsOf(server)).toEqual([
		{ kind: 'insert', by: 'THA', text: 'Tasks for the' },
		{ kind: 'delete', by: 'THA', text: 'Task the' },
	])
	expect(decided(server, 'accept')).toBe(`Tasks for the${OP.slice(8)}`)
	expect(decided(server, 'reject')).toBe(OP)
})

test('paste over a selection, and a paste that starts with the letter after the caret', () => {
	const { server, page: open } = meeting()
	const delegate = open(DELEGATE)
	expect(delegate.change(replaceAsSuggestion(delegate.state, ...range(OP, 'ACCSM Work Plan'), 'ASEAN Work Programme', SGP))).toBeNull()
	const at = after(OP, 'Senior Officials')
	expect(delegate.change(replaceAsSuggestion(delegate.state, at, at, ' and experts', SGP))).toBeNull()
	expect(delegate.bindingWrote).toBe(false)
	expect(suggestionsOf(server)).toEqual([
		{ kind: 'insert', by: 'SGP', text: ' and experts' },
		{ kind: 'delete', by: 'SGP', text: 'ACCSM Work Plan' },
		{ kind: 'insert', by: 'SGP', text: 'ASEAN Work Programme' },
	])
	expect(decided(server, 'accept')).toBe('Task the ACCSM Senior Officials and experts to complete the activities postponed from the ASEAN Work Programme 2016-2020;')
	expect(decided(server, 'reject')).toBe(OP)
})

test("typing inside another delegation's suggestion: suggesting, and (not suggesting) a letter before the same letter", () => {
	const { server, page: open } = meeting()
	const adviser = open(ADVISER)
	const delegate = open(DELEGATE)
	adviser.suggest(...range(OP, 'Task the ACCSM'), 'Request the ASEAN', THA)
	adviser.suggest(...range(adviser.text(), 'to complete'), 'to acomplish', THA)
	delegate.sync()
	// Singapore, suggesting, adds words inside Thailand's.
	const inside = after(delegate.text(), 'Request')
	expect(delegate.suggest(inside, inside, ' jointly', SGP)).toEqual(Array(8).fill(null))
	// Not suggesting, it mends Thailand's "acomplish": its "c" before Thailand's "c" is its own letter.
	const c = after(delegate.text(), 'to a')
	const typo = typeInsideTheirs(delegate.state, c, c, 'c', SGP)!
	expect(delegate.change(typo, { binding: true })?.code).toBe('suggestion') // as the binding alone wrote it
	delegate.sync()
	expect(delegate.change(typeInsideTheirs(delegate.state, c, c, 'c', SGP)!)).toBeNull()
	expect(suggestionsOf(server)).toEqual([
		{ kind: 'delete', by: 'THA', text: 'Task the ACCSM' },
		{ kind: 'insert', by: 'THA', text: 'Request' },
		{ kind: 'insert', by: 'SGP', text: ' jointly' },
		{ kind: 'insert', by: 'THA', text: ' the ASEAN' },
		{ kind: 'delete', by: 'THA', text: 'to complete' },
		{ kind: 'insert', by: 'THA', text: 'to a' },
		{ kind: 'insert', by: 'THA', text: 'complish' },
	])
	expect(decided(server, 'accept')).toBe('Request jointly the ASEAN Senior Officials to accomplish the activities postponed from the ACCSM Work Plan 2016-2020;')
	expect(only(server, 'THA', 'SGP')).toBe('Request the ASEAN Senior Officials to accomplish the activities postponed from the ACCSM Work Plan 2016-2020;')
})

test('two delegations suggesting at the same spot at the same time: each one’s words stay whole, and each decision reads as meant', () => {
	const { server, page: open } = meeting()
	const adviser = open(ADVISER)
	const delegate = open(DELEGATE)
	const at = after(OP, 'Senior Officials')
	// Neither has the other's letters until both are done.
	expect(adviser.suggest(at, at, ' and experts', THA)).toEqual(Array(12).fill(null))
	expect(delegate.suggest(at, at, ' at all levels', SGP)).toEqual(Array(14).fill(null))
	adviser.sync()
	delegate.sync()
	expect(adviser.text()).toBe(delegate.text())
	expect(suggestionsOf(server).map((x) => x.text).sort()).toEqual([' and experts', ' at all levels'])
	expect(only(server, 'THA', 'SGP')).toBe(OP.replace('Officials', 'Officials and experts'))
	expect(only(server, 'SGP', 'THA')).toBe(OP.replace('Officials', 'Officials at all levels'))
	expect([OP.replace('Officials', 'Officials and experts at all levels'), OP.replace('Officials', 'Officials at all levels and experts')]).toContain(decided(server, 'accept'))
	expect(decided(server, 'reject')).toBe(OP)
})

test('typing into an empty paragraph and on either side of a reference; a split paragraph is left to the binding', () => {
	const server = new Y.Doc()
	writeBlocks(server, [
		{ type: 'paragraph', id: 'p1', kind: 'operative', text: 'Welcome the forum.' },
		{ type: 'paragraph', id: 'p2', kind: 'operative', text: '' },
	])
	const body = server.getXmlFragment(DOCUMENT_FRAGMENT)
	const second = body.get(1) as Y.XmlElement
	server.transact(() => {
		second.delete(0, second.length)
		const ref = new Y.XmlElement('paragraphRef')
		ref.setAttribute('to', 'p1')
		second.insert(0, [ref])
	})
	const guard = new DocumentGuard(server)
	guards.push(guard)
	const delegate = page(server, guard, DELEGATE)
	const start = delegate.state.doc.child(0).nodeSize + 1 // inside the second paragraph, before the reference
	expect(delegate.change(replaceAsSuggestion(delegate.state, start, start, 'See ', SGP))).toBeNull()
	const end = start + 'See '.length + 1
	expect(delegate.change(replaceAsSuggestion(delegate.state, end, end, ' above', SGP))).toBeNull()
	expect(delegate.bindingWrote).toBe(false)
	expect(readBlocks(server)[1]).toMatchObject({ text: 'See \uFFFC above', suggestions: [{ text: 'See ' }, { text: ' above' }] })
	// Enter splits a paragraph: not a text step, so the binding writes it as before.
	const before = Y.encodeStateVector(delegate.doc)
	let wrote = true
	delegate.doc.transact(() => (wrote = writeTextSteps(delegate.shared, delegate.state.tr.split(3))))
	expect(wrote).toBe(false)
	expect(Y.encodeStateVector(delegate.doc)).toEqual(before)
})

/** A paragraph written as y-prosemirror writes it: texts with formats, references between them. */
function paragraphOf(...parts: (string | [string, Record<string, unknown>] | { ref: string })[]) {
	const doc = new Y.Doc()
	writeBlocks(doc, [{ type: 'paragraph', id: 'p1', kind: 'operative', text: '' }])
	const element = doc.getXmlFragment(DOCUMENT_FRAGMENT).get(0) as Y.XmlElement
	doc.transact(() => {
		element.delete(0, element.length)
		let text: Y.XmlText | null = null
		for (const part of parts) {
			if (typeof part === 'object' && 'ref' in part) {
				const ref = new Y.XmlElement('paragraphRef')
				ref.setAttribute('to', part.ref)
				element.insert(element.length, [ref])
				text = null
				continue
			}
			if (!text) {
				text = new Y.XmlText()
				element.insert(element.length, [text])
			}
			const [words, attributes] = typeof part === 'string' ? [part, {}] : part
			text.insert(text.length, words, attributes)
		}
	})
	return doc
}
const ins = (id: string, by: string) => ({ [INSERTION_MARK]: { id, by, author: by } })
const del = (id: string, by: string) => ({ [DELETION_MARK]: { id, by, author: by } })

test('accept and reject at the edges of a paragraph and of each other', () => {
	const parts = [['Also ', ins('a', 'THA')], 'Task the ', ['ACCSM', del('b', 'THA')], ['ASEAN', ins('c', 'THA')], ' Senior Officials', [' now', ins('d', 'SGP')], ['.', del('e', 'SGP')]] as const
	const doc = () => paragraphOf(...(parts as unknown as [string, Record<string, unknown>][]))
	expect(decided(doc(), 'accept')).toBe('Also Task the ASEAN Senior Officials now')
	expect(decided(doc(), 'reject')).toBe('Task the ACCSM Senior Officials.')
	expect(only(doc(), 'THA', 'SGP')).toBe('Also Task the ASEAN Senior Officials.')
	expect(only(doc(), 'SGP', 'THA')).toBe('Task the ACCSM Senior Officials now')
	// What was decided, in the order of the text, for the record.
	const one = doc()
	expect(decideSuggestionsInText(one, { by: 'THA' }, 'accept').map((s) => [s.kind, s.text])).toEqual([
		['insert', 'Also '],
		['delete', 'ACCSM'],
		['insert', 'ASEAN'],
	])
	expect(suggestionsOf(one).map((s) => s.by)).toEqual(['SGP', 'SGP'])
})

test("one delegation's words inside another's: each suggestion is decided in all its pieces, the other's words stay", () => {
	// Singapore suggests " jointly" inside Thailand's insertion, and "new " inside Thailand's deletion.
	const doc = () =>
		paragraphOf(['Request', ins('t1', 'THA')], [' jointly', ins('s1', 'SGP')], [' the ', ins('t1', 'THA')], ['Task ', del('t2', 'THA')], ['new ', ins('s2', 'SGP')], ['activities ', del('t2', 'THA')], 'postponed')
	expect(decided(doc(), 'accept')).toBe('Request jointly the new postponed')
	expect(decided(doc(), 'reject')).toBe('Task activities postponed')
	expect(only(doc(), 'THA', 'SGP')).toBe('Request the postponed')
	// Singapore's words stay where they were put, even once Thailand's around them are gone.
	expect(only(doc(), 'SGP', 'THA')).toBe(' jointlyTask new activities postponed')
	const one = doc()
	expect(decideSuggestionsInText(one, { ids: ['t1'] }, 'accept').map((s) => s.text)).toEqual(['Request', ' the '])
})

test('suggestions on both sides of a reference, and after something in the text that is not a letter', () => {
	const doc = () => paragraphOf('Welcome ', ['the', del('a', 'THA')], { ref: 'p9' }, [' and', ins('b', 'THA')], ' the forum.')
	expect(decided(doc(), 'accept')).toBe('Welcome \uFFFC and the forum.')
	expect(decided(doc(), 'reject')).toBe('Welcome the\uFFFC the forum.')
	// An embed inside a text is one position in Yjs: the words after it are still the ones decided.
	const embedded = paragraphOf('Welcome ')
	const text = (embedded.getXmlFragment(DOCUMENT_FRAGMENT).get(0) as Y.XmlElement).get(0) as Y.XmlText
	text.insertEmbed(text.length, { note: 1 })
	text.insert(text.length, 'warmly ', ins('c', 'THA'))
	text.insert(text.length, 'the forum.', {})
	decideSuggestionsInText(embedded, { by: 'THA' }, 'reject')
	expect((text.toDelta() as { insert: unknown }[]).map((d) => d.insert)).toEqual(['Welcome ', { note: 1 }, 'the forum.'])
})
