import { Extension } from '@tiptap/core'
import Bold from '@tiptap/extension-bold'
import { isChangeOrigin } from '@tiptap/extension-collaboration'
import Document from '@tiptap/extension-document'
import Heading from '@tiptap/extension-heading'
import Italic from '@tiptap/extension-italic'
import Paragraph from '@tiptap/extension-paragraph'
import Text from '@tiptap/extension-text'
import { Plugin, PluginKey } from '@tiptap/pm/state'
import { newParagraphId, parseParagraphKind } from '#app/domain/statement.ts'

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

export const StatementDocument = Document.extend({ content: '(paragraph | heading)+' })

export const statementExtensions = [StatementDocument, Text, StatementParagraph, StatementHeading, Bold, Italic, BlockIds]
