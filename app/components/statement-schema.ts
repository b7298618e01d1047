import { Extension, Mark, mergeAttributes } from '@tiptap/core'
import Bold from '@tiptap/extension-bold'
import { isChangeOrigin } from '@tiptap/extension-collaboration'
import Document from '@tiptap/extension-document'
import Heading from '@tiptap/extension-heading'
import Italic from '@tiptap/extension-italic'
import Paragraph from '@tiptap/extension-paragraph'
import Text from '@tiptap/extension-text'
import type { Node as PMNode } from '@tiptap/pm/model'
import { Plugin, PluginKey, type Transaction } from '@tiptap/pm/state'
import { AddMarkStep, AttrStep, RemoveMarkStep } from '@tiptap/pm/transform'
import { isFrozen, parseParagraphStatus, PARAGRAPH_STATUS_LABELS } from '#app/domain/negotiation.ts'
import { BRACKET_MARK, newParagraphId, parseParagraphKind } from '#app/domain/statement.ts'

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
					const seen = new Set<string>()
					const tr = state.tr
					state.doc.forEach((node, offset) => {
						const id = node.attrs.id as string | null | undefined
						if (id === undefined) return
						if (!id || seen.has(id)) tr.setNodeMarkup(offset, undefined, { ...node.attrs, id: newParagraphId() })
						else seen.add(id)
					})
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

export type RefusedEdit = 'frozen' | 'bracket'

/**
 * The page's side of the server's guard (server/guard.ts): a local change that touches a
 * frozen paragraph, or that adds, removes or deletes a whole bracket, is not made at all, and
 * the page says why. Changes from other people pass (the server checked them).
 */
export const NegotiationGuard = Extension.create<{ onRefused: (why: RefusedEdit) => void }>({
	name: 'negotiationGuard',
	addOptions() {
		return { onRefused: () => {} }
	},
	addProseMirrorPlugins() {
		const options = this.options
		return [
			new Plugin({
				key: new PluginKey('negotiationGuard'),
				filterTransaction: (tr) => {
					if (!tr.docChanged || isChangeOrigin(tr)) return true
					const why = refusal(tr)
					if (why) options.onRefused(why)
					return why === null
				},
			}),
		]
	},
})

function refusal(tr: Transaction): RefusedEdit | null {
	for (let i = 0; i < tr.steps.length; i++) {
		const step = tr.steps[i]!
		const doc = tr.docs[i]!
		if (step instanceof AddMarkStep || step instanceof RemoveMarkStep) {
			if (step.mark.type.name === BRACKET_MARK) return 'bracket'
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
	const before = bracketIds(tr.before)
	const after = bracketIds(tr.doc)
	if (before.size !== after.size || [...before].some((id) => !after.has(id))) return 'bracket'
	return null
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

export const StatementDocument = Document.extend({ content: '(paragraph | heading)+' })

export const statementExtensions = [StatementDocument, Text, StatementParagraph, StatementHeading, Bold, Italic, Bracket, BlockIds]
