import { Extension, Mark, mergeAttributes, Node } from '@tiptap/core'
import Bold from '@tiptap/extension-bold'
import { isChangeOrigin } from '@tiptap/extension-collaboration'
import Document from '@tiptap/extension-document'
import Heading from '@tiptap/extension-heading'
import Italic from '@tiptap/extension-italic'
import Paragraph from '@tiptap/extension-paragraph'
import Text from '@tiptap/extension-text'
import type { Node as PMNode } from '@tiptap/pm/model'
import { Plugin, PluginKey, TextSelection, type EditorState, type Transaction } from '@tiptap/pm/state'
import { Decoration, DecorationSet, type EditorView } from '@tiptap/pm/view'
import { AddMarkStep, AttrStep, RemoveMarkStep } from '@tiptap/pm/transform'
import { isFrozen, parseParagraphStatus, PARAGRAPH_STATUS_LABELS } from '#app/domain/negotiation.ts'
import { BRACKET_MARK, newId, newParagraphId, numberBlocks, PARAGRAPH_REF_NODE, paragraphNames, parseParagraphKind } from '#app/domain/statement.ts'
import type { PreambleStyle } from '#app/domain/negotiation.ts'
import type { RefusalCode } from '#app/domain/refusals.ts'
import { DELETION_MARK, INSERTION_MARK } from '#app/domain/suggestions.ts'
import { writeThroughBinding } from './write-text-steps.ts'

/**
 * The editor's schema for negotiated texts (app/domain/statement.ts describes it): blocks are
 * paragraphs (with a stable id and a kind) and headings (with a stable id).
 */
const idAttribute = {
	id: {
		default: null as string | null,
		parseHTML: (el: HTMLElement) => el.getAttribute('data-id'),
		renderHTML: (attrs: Record<string, unknown>) => (attrs.id ? { 'data-id': attrs.id } : {}),
	},
}

export const StatementParagraph = Paragraph.extend({
	addAttributes() {
		return {
			...idAttribute,
			kind: {
				default: 'operative',
				parseHTML: (el: HTMLElement) => parseParagraphKind(el.getAttribute('data-kind')),
				renderHTML: (attrs: Record<string, unknown>) => ({ 'data-kind': parseParagraphKind(attrs.kind) }),
			},
			// Written by the server only (app/domain/negotiation.ts); null is open, so an open
			// paragraph never gets the attribute written by an editor.
			status: {
				default: null as string | null,
				parseHTML: () => null,
				renderHTML: (attrs: Record<string, unknown>) => {
					const status = parseParagraphStatus(attrs.status)
					return status === 'open' ? {} : { 'data-status': status, 'data-status-label': PARAGRAPH_STATUS_LABELS[status] }
				},
			},
		}
	},
})

export const StatementHeading = Heading.extend({
	// Text only (app/domain/document-shape.ts): a reference to a paragraph belongs in a paragraph.
	content: 'text*',
	addAttributes() {
		return { ...this.parent?.(), ...idAttribute }
	},
}).configure({ levels: [2] })

/**
 * Gives every block a stable id: new blocks get one, and the second half of a split paragraph
 * (which ProseMirror creates with a copy of the first half's attributes) gets a fresh one.
 * Changes that arrive from other delegates are left alone: their author already did this.
 */
export const BlockIds = Extension.create({
	name: 'blockIds',
	addProseMirrorPlugins() {
		const editor = this.editor
		return [
			new Plugin({
				key: new PluginKey('blockIds'),
				appendTransaction: (transactions, _old, state) => {
					// Read-only readers never write, not even ids.
					if (!editor.isEditable) return null
					if (!transactions.some((tr) => tr.docChanged) || transactions.every((tr) => isChangeOrigin(tr))) return null
					// Of two blocks with one id (a split), the id stays with the words: Enter at the start
					// of a paragraph leaves an empty block above, which gets the new id.
					const byId = new Map<string, { node: PMNode; offset: number }[]>()
					const tr = state.tr
					state.doc.forEach((node, offset) => {
						const id = node.attrs.id as string | null | undefined
						if (id === undefined) return
						if (!id) tr.setNodeMarkup(offset, undefined, { ...node.attrs, id: newParagraphId() })
						else byId.set(id, [...(byId.get(id) ?? []), { node, offset }])
					})
					for (const blocks of byId.values()) {
						if (blocks.length < 2) continue
						const keeper = blocks.find((b) => b.node.content.size > 0) ?? blocks[0]!
						for (const b of blocks) if (b !== keeper) tr.setNodeMarkup(b.offset, undefined, { ...b.node.attrs, id: newParagraphId() })
					}
					if (!tr.docChanged) return null
					return tr.setMeta('addToHistory', false)
				},
			}),
		]
	},
})

/**
 * Words in dispute: `[ … ]` with the owning delegation's code. The server writes and removes
 * the mark (app/models/negotiation.server.ts); typing inside a bracket stays inside it, typing
 * at its edges does not extend it.
 */
export const Bracket = Mark.create({
	name: BRACKET_MARK,
	// Outermost mark, so bold words inside a bracket do not split it into two.
	priority: 1000,
	inclusive: false,
	addAttributes() {
		return {
			id: { default: null as string | null, parseHTML: (el: HTMLElement) => el.getAttribute('data-bracket-id'), renderHTML: (a: Record<string, unknown>) => ({ 'data-bracket-id': a.id }) },
			owner: { default: '', parseHTML: (el: HTMLElement) => el.getAttribute('data-owner') ?? '', renderHTML: (a: Record<string, unknown>) => ({ 'data-owner': a.owner }) },
		}
	},
	parseHTML() {
		return [{ tag: 'span[data-bracket-id]' }]
	},
	renderHTML({ HTMLAttributes }) {
		return ['span', mergeAttributes(HTMLAttributes, { class: 'bracket' }), 0]
	},
})

const suggestionAttributes = () => ({
	id: { default: null as string | null, parseHTML: (el: HTMLElement) => el.getAttribute('data-suggestion-id'), renderHTML: (a: Record<string, unknown>) => ({ 'data-suggestion-id': a.id }) },
	by: { default: '', parseHTML: (el: HTMLElement) => el.getAttribute('data-by') ?? '', renderHTML: (a: Record<string, unknown>) => ({ 'data-by': a.by }) },
	author: { default: '', parseHTML: (el: HTMLElement) => el.getAttribute('data-author') ?? '', renderHTML: (a: Record<string, unknown>) => ({ 'data-author': a.author, title: `Suggested by ${String(a.author)} (${String(a.by)})` }) },
})

/** A suggestion mark: `ins` for proposed words, `del` for words proposed for removal. */
function suggestionMark(name: string, tag: 'ins' | 'del') {
	return Mark.create({
		name,
		inclusive: false,
		excludes: `${INSERTION_MARK} ${DELETION_MARK}`,
		addAttributes: suggestionAttributes,
		parseHTML: () => [{ tag: `${tag}[data-suggestion-id]` }],
		renderHTML: ({ HTMLAttributes }) => [tag, mergeAttributes(HTMLAttributes, { class: `suggestion suggestion-${tag === 'ins' ? 'insert' : 'delete'}` }), 0],
	})
}

/** Words proposed for insertion (app/domain/suggestions.ts). */
export const Insertion = suggestionMark(INSERTION_MARK, 'ins')
/** Words proposed for removal. */
export const Deletion = suggestionMark(DELETION_MARK, 'del')

export type Suggester = { by: string; author: string }

/**
 * Suggestion mode: typing inserts words marked as a suggestion of the delegation, deleting
 * marks words for removal (or takes back the delegation's own suggested words), pasting
 * inserts plain text as a suggestion. New paragraphs are not suggested (Enter does nothing).
 * `active()` is read at each keystroke: an adviser is always in it, others switch it on.
 * What it changes, and every typed letter, reaches the shared text step by step
 * (`writeTextSteps`), not through the binding's diff of the paragraph.
 */
export const SuggestionMode = Extension.create<{ active: () => boolean; suggester: () => Suggester; onRefused: (why: RefusedEdit) => void }>({
	name: 'suggestionMode',
	// Before the editor's own keymaps: in suggestion mode Backspace marks words, it does not delete them.
	priority: 1000,
	addOptions() {
		return { active: () => false, suggester: () => ({ by: '', author: '' }), onRefused: () => {} }
	},
	addProseMirrorPlugins() {
		const options = this.options
		return [
			new Plugin({
				key: new PluginKey('suggestionMode'),
				// Every filter has let the change through: it goes into the shared text now, before the
				// binding compares the paragraph with it (in the view's update, right after).
				appendTransaction: (transactions, oldState) => {
					const tr = transactions.find((t) => t.getMeta(EXACT_TEXT_META))
					if (tr) writeThroughBinding(oldState, tr)
					return null
				},
				props: {
					handleTextInput: (view, from, to, text, deflt) => {
						if (options.active()) return suggestReplace(view, from, to, text, options.suggester())
						const tr = typeInsideTheirs(view.state, from, to, text, options.suggester()) ?? deflt()
						view.dispatch(tr.setMeta(EXACT_TEXT_META, true).scrollIntoView())
						return true
					},
					handleKeyDown: (view, event) => {
						if (!options.active() || event.isComposing) return false
						if (event.key === 'Enter') {
							options.onRefused('new-paragraph')
							return true
						}
						if (event.key !== 'Backspace' && event.key !== 'Delete') return false
						const { from, to, empty } = view.state.selection
						const $from = view.state.selection.$from
						let start = from
						let end = to
						if (empty) {
							if (event.key === 'Backspace') start = Math.max($from.start(), from - 1)
							else end = Math.min($from.end(), to + 1)
							if (start === end) return true // at a paragraph's edge: no joining in suggestion mode
						}
						view.dispatch(removeAsSuggestion(view.state, start, end, options.suggester(), event.key === 'Backspace' ? 'start' : 'end').scrollIntoView())
						return true
					},
					handlePaste: (view, event) => {
						if (!options.active()) return false
						const text = event.clipboardData?.getData('text/plain')?.replace(/\s*\n\s*/g, ' ')
						if (!text) return true
						const { from, to } = view.state.selection
						return suggestReplace(view, from, to, text, options.suggester())
					},
					handleDrop: () => options.active(),
					handleDOMEvents: {
						// Cut in suggestion mode: the words go to the clipboard and are proposed for removal.
						cut: (view, event) => {
							if (!options.active()) return false
							const { from, to, empty } = view.state.selection
							if (empty) return false
							event.preventDefault()
							event.clipboardData?.setData('text/plain', view.state.doc.textBetween(from, to, ' '))
							view.dispatch(removeAsSuggestion(view.state, from, to, options.suggester(), 'end'))
							return true
						},
					},
				},
			}),
		]
	},
})

/** Marks a suggestion-mode transaction: the page's guard lets an adviser's edits through only with it. */
export const SUGGESTION_META = 'accordSuggestion'

/** Marks a transaction whose steps `writeTextSteps` writes to the shared text itself. */
const EXACT_TEXT_META = 'accordExactText'

function suggestReplace(view: EditorView, from: number, to: number, text: string, who: Suggester): boolean {
	view.dispatch(replaceAsSuggestion(view.state, from, to, text, who).scrollIntoView())
	return true
}

/**
 * Replaces [from, to) with `text` as a suggestion of `who`: the words there are proposed for
 * removal (one's own suggested words go at once), the new words follow them, marked as
 * inserted, and the caret after them.
 */
export function replaceAsSuggestion(state: EditorState, from: number, to: number, text: string, who: Suggester): Transaction {
	const tr = state.tr
	if (from < to) markRemoval(tr, from, to, who)
	const at = tr.mapping.map(to, 1)
	const id = adjacentInsertion(tr, at, who) ?? newId('s')
	const $at = tr.doc.resolve(at)
	const marks = $at.marks().filter((m) => m.type.name !== DELETION_MARK && m.type.name !== INSERTION_MARK && m.type.name !== BRACKET_MARK)
	const mark = state.schema.marks[INSERTION_MARK]!.create({ id, by: who.by, author: who.author })
	// Inside a bracket the words stay in it.
	const bracket = $at.marks().find((m) => m.type.name === BRACKET_MARK)
	tr.insert(at, state.schema.text(text, [...marks, ...(bracket ? [bracket] : []), mark]))
	return tr.setSelection(TextSelection.create(tr.doc, at + text.length)).setMeta(SUGGESTION_META, true).setMeta(EXACT_TEXT_META, true)
}

/** Proposes [from, to) for removal as a suggestion of `who`; the caret goes to the start or the end of the words. */
export function removeAsSuggestion(state: EditorState, from: number, to: number, who: Suggester, caret: 'start' | 'end'): Transaction {
	const tr = state.tr
	markRemoval(tr, from, to, who)
	const at = caret === 'start' ? tr.mapping.map(from, -1) : tr.mapping.map(to, 1)
	return tr.setSelection(TextSelection.create(tr.doc, at)).setMeta(SUGGESTION_META, true).setMeta(EXACT_TEXT_META, true)
}

/**
 * Typing, not suggesting, inside another delegation's suggestion: the letters are one's own,
 * without their mark. Null where no other delegation's suggestion is (plain typing).
 */
export function typeInsideTheirs(state: EditorState, from: number, to: number, text: string, who: Suggester): Transaction | null {
	const marks = state.storedMarks ?? state.doc.resolve(from).marks()
	const theirs = marks.filter((m) => (m.type.name === INSERTION_MARK || m.type.name === DELETION_MARK) && m.attrs.by !== who.by)
	if (theirs.length === 0) return null
	return state.tr.replaceWith(from, to, state.schema.text(text, marks.filter((m) => !theirs.includes(m))))
}

/** The id of the delegation's own insertion right before `at`, to keep typing in one suggestion. */
function adjacentInsertion(tr: Transaction, at: number, who: Suggester): string | null {
	const before = tr.doc.resolve(at).nodeBefore
	const mark = before?.marks.find((m) => m.type.name === INSERTION_MARK)
	return mark && mark.attrs.by === who.by ? String(mark.attrs.id) : null
}

/** Proposes [from, to) for removal: own suggested words go at once, others get a deletion mark. */
function markRemoval(tr: Transaction, from: number, to: number, who: Suggester) {
	const schema = tr.doc.type.schema
	const own: [number, number][] = []
	const plain: [number, number][] = []
	tr.doc.nodesBetween(from, to, (node, pos) => {
		if (!node.isText) return true
		const start = Math.max(from, pos)
		const end = Math.min(to, pos + node.nodeSize)
		const insertion = node.marks.find((m) => m.type.name === INSERTION_MARK)
		if (insertion && insertion.attrs.by === who.by) own.push([start, end])
		else if (!insertion && !node.marks.some((m) => m.type.name === DELETION_MARK)) plain.push([start, end])
		return false
	})
	const id = newId('s')
	for (const [start, end] of plain) tr.addMark(start, end, schema.marks[DELETION_MARK]!.create({ id, by: who.by, author: who.author }))
	for (const [start, end] of own.reverse()) tr.delete(start, end)
}


/** What the page refuses before sending, in the vocabulary the server uses (app/domain/refusals.ts). */
export type RefusedEdit = Extract<RefusalCode, 'frozen' | 'bracket' | 'suggestion' | 'suggest-only' | 'new-paragraph'>

/**
 * The page's side of the server's guard (server/guard.ts): a local change that touches a
 * frozen paragraph, or that adds, removes or deletes a whole bracket, is not made at all, and
 * the page says why. Changes from other people pass (the server checked them).
 */
export const NegotiationGuard = Extension.create<{ onRefused: (why: RefusedEdit) => void; suggestOnly: () => boolean; delegation: () => string }>({
	name: 'negotiationGuard',
	addOptions() {
		return { onRefused: () => {}, suggestOnly: () => false, delegation: () => '' }
	},
	addProseMirrorPlugins() {
		const options = this.options
		const editor = this.editor
		return [
			new Plugin({
				key: new PluginKey('negotiationGuard'),
				filterTransaction: (tr, state) => {
					if (!tr.docChanged || isChangeOrigin(tr)) return true
					const why = refusal(tr, options.delegation()) ?? (options.suggestOnly() && !tr.getMeta(SUGGESTION_META) ? 'suggest-only' : null)
					if (why) {
						options.onRefused(why)
						keepCaretOfRefused(tr, state, () => (editor.isDestroyed ? null : editor.view))
					}
					return why === null
				},
			}),
		]
	},
})

/**
 * A refused change read from the page (typing) carries the caret where the person put it. A
 * click into a frozen paragraph followed at once by a key reaches the editor as one change,
 * caret and text together: refusing it must not leave the caret where it was before the click,
 * or the next keys would land there (elsewhere in the text). The caret goes where the person
 * put it, so the next keys are refused in place too. A command (Backspace over a bracket) keeps
 * the selection it had.
 */
function keepCaretOfRefused(tr: Transaction, state: EditorState, view: () => EditorView | null) {
	if (!tr.selectionSet) return
	const back = tr.mapping.invert()
	const anchor = back.map(tr.selection.anchor, -1)
	const head = back.map(tr.selection.head, -1)
	if (state.selection.anchor === anchor && state.selection.head === head) return
	// After the refusal is done (the editor redraws what the page had changed first).
	queueMicrotask(() => {
		const v = view()
		if (!v || v.state.doc !== state.doc) return
		const doc = v.state.doc
		v.dispatch(v.state.tr.setSelection(TextSelection.between(doc.resolve(anchor), doc.resolve(head))).setMeta('addToHistory', false))
	})
}

function refusal(tr: Transaction, delegation: string): RefusedEdit | null {
	for (let i = 0; i < tr.steps.length; i++) {
		const step = tr.steps[i]!
		const doc = tr.docs[i]!
		if (step instanceof AddMarkStep || step instanceof RemoveMarkStep) {
			if (step.mark.type.name === BRACKET_MARK) return 'bracket'
			if ((step.mark.type.name === INSERTION_MARK || step.mark.type.name === DELETION_MARK) && step.mark.attrs.by !== delegation) return 'suggestion'
			if (touchesFrozen(doc, step.from, step.to, false)) return 'frozen'
			continue
		}
		if (step instanceof AttrStep) {
			if (touchesFrozen(doc, step.pos, step.pos + 1, false)) return 'frozen'
			continue
		}
		let frozen = false
		step.getMap().forEach((oldStart, oldEnd) => {
			if (touchesFrozen(doc, oldStart, oldEnd, oldStart === oldEnd)) frozen = true
		})
		if (frozen) return 'frozen'
	}
	// Brackets and suggestions can only vanish or appear when words are removed or marked words
	// come in: plain typing (most keystrokes) skips the two walks over the whole text.
	if (!tr.steps.some(removesOrBringsMarks)) return null
	const before = bracketIds(tr.before)
	const after = bracketIds(tr.doc)
	if (before.size !== after.size || [...before].some((id) => !after.has(id))) return 'bracket'
	// Another delegation's suggestion is decided by the Chair, not deleted with the words around it.
	const remaining = suggestionIds(tr.doc)
	const gone = [...suggestionIds(tr.before)].filter(([id, by]) => by !== delegation && !remaining.has(id))
	if (gone.length > 0) return 'suggestion'
	return null
}

const TRACKED_MARKS = new Set([BRACKET_MARK, INSERTION_MARK, DELETION_MARK])

function removesOrBringsMarks(step: Transaction['steps'][number]): boolean {
	let found = false
	step.getMap().forEach((oldStart, oldEnd) => {
		if (oldEnd > oldStart) found = true
	})
	const slice = (step as { slice?: { content: { descendants(f: (node: PMNode) => boolean | void): void } } }).slice
	slice?.content.descendants((node) => {
		if (node.marks.some((m) => TRACKED_MARKS.has(m.type.name))) found = true
		return !found
	})
	return found
}

function suggestionIds(doc: PMNode): Map<string, string> {
	const ids = new Map<string, string>()
	doc.descendants((node) => {
		for (const mark of node.marks) {
			if ((mark.type.name === INSERTION_MARK || mark.type.name === DELETION_MARK) && mark.attrs.id) ids.set(String(mark.attrs.id), String(mark.attrs.by))
		}
		return true
	})
	return ids
}

/** Whether [from, to] reaches into a frozen block (an insertion counts only strictly inside one). */
function touchesFrozen(doc: PMNode, from: number, to: number, insertion: boolean): boolean {
	let hit = false
	doc.forEach((node, offset) => {
		if (hit || !isFrozen(parseParagraphStatus(node.attrs.status))) return
		const start = offset
		const end = offset + node.nodeSize
		hit = insertion ? start < from && from < end : from < end && to > start
	})
	return hit
}

function bracketIds(doc: PMNode): Set<string> {
	const ids = new Set<string>()
	doc.descendants((node) => {
		for (const mark of node.marks) if (mark.type.name === BRACKET_MARK && mark.attrs.id) ids.add(String(mark.attrs.id))
		return true
	})
	return ids
}

/**
 * A reference to another paragraph, shown as its current name ("OP 7"): the node holds the
 * paragraph's id, a decoration writes the name, so it follows renumbering and says so when the
 * paragraph is gone. `preamble()` gives the current lettering of preambular paragraphs.
 */
export const ParagraphRef = Node.create<{ preamble: () => PreambleStyle }>({
	name: PARAGRAPH_REF_NODE,
	group: 'inline',
	inline: true,
	atom: true,
	selectable: true,
	addOptions() {
		return { preamble: () => 'none' as PreambleStyle }
	},
	addAttributes() {
		return { to: { default: '', parseHTML: (el: HTMLElement) => el.getAttribute('data-to') ?? '', renderHTML: (a: Record<string, unknown>) => ({ 'data-to': a.to }) } }
	},
	parseHTML() {
		return [{ tag: 'span[data-to].paragraph-ref' }]
	},
	renderHTML({ HTMLAttributes }) {
		return ['span', mergeAttributes(HTMLAttributes, { class: 'paragraph-ref' })]
	},
	renderText({ node }) {
		return `[${String(node.attrs.to)}]`
	},
	addProseMirrorPlugins() {
		const options = this.options
		const names = (doc: PMNode) => {
			const blocks: { id: string; type: string; kind: ReturnType<typeof parseParagraphKind> }[] = []
			doc.forEach((node) => blocks.push({ id: String(node.attrs.id ?? ''), type: node.type.name, kind: parseParagraphKind(node.attrs.kind) }))
			return paragraphNames(numberBlocks(blocks, options.preamble()))
		}
		const decorate = (doc: PMNode) => {
			const current = names(doc)
			const decorations: Decoration[] = []
			doc.descendants((node, pos) => {
				if (node.type.name !== PARAGRAPH_REF_NODE) return true
				const name = current.get(String(node.attrs.to))
				decorations.push(Decoration.node(pos, pos + node.nodeSize, { 'data-label': name ?? 'deleted paragraph', class: name ? '' : 'paragraph-ref-missing' }))
				return false
			})
			return decorations.length === 0 ? DecorationSet.empty : DecorationSet.create(doc, decorations)
		}
		return [
			new Plugin({
				key: new PluginKey('paragraphRefNames'),
				state: {
					init: (_config, state) => decorate(state.doc),
					// With no reference in the text and none coming in, there is nothing to name.
					apply: (tr, old, _oldState, state) => {
						if (tr.getMeta('paragraphRefNames')) return decorate(state.doc)
						if (!tr.docChanged) return old
						if (old === DecorationSet.empty && !tr.steps.some(bringsReference)) return old
						return decorate(state.doc)
					},
				},
				props: {
					decorations(state) {
						return this.getState(state)
					},
				},
			}),
		]
	},
})

function bringsReference(step: Transaction['steps'][number]): boolean {
	const slice = (step as { slice?: { content: { descendants(f: (node: PMNode) => boolean | void): void } } }).slice
	let found = false
	slice?.content.descendants((node) => {
		if (node.type.name === PARAGRAPH_REF_NODE) found = true
		return !found
	})
	return found
}

export const StatementDocument = Document.extend({ content: '(paragraph | heading)+' })

export const statementExtensions = [StatementDocument, Text, StatementParagraph, StatementHeading, Bold, Italic, Bracket, Insertion, Deletion, BlockIds]
// ParagraphRef is configured by the editor (it needs the document's preamble style).
