import { Extension } from '@tiptap/core'
import { Plugin, PluginKey, TextSelection, type EditorState } from '@tiptap/pm/state'
import * as Y from 'yjs'
import { absolutePositionToRelativePosition, relativePositionToAbsolutePosition, ySyncPluginKey } from '@tiptap/y-tiptap'

/**
 * Keeps the local caret and selection where Yjs says they are when other people's changes
 * arrive (docs/decisions/013-text-stays-whole.md).
 *
 * The binding (@tiptap/y-tiptap 3.0.9 to 3.3.0, `recoverSelectionEndpoint`) distrusts its own
 * relative positions whenever the caret's paragraph text changed, which is always the case when
 * someone else types in the same paragraph, and then puts the caret at the same numeric offset
 * in that paragraph (our paragraphs carry a distinctive `id`). Words another delegation inserts
 * before the caret then push it in front of the letter just typed, and the next letters come out
 * reversed ("khmword drowoal"). This plugin runs after the binding's remote change, in the same
 * dispatch, and puts the selection back where Yjs alone resolves it:
 * - a caret stays right after the character it followed, whoever types around it;
 * - a selection keeps exactly the characters it held: its start sticks to the first of them, its
 *   end to the last, so words someone types just before or just after selected words stay out
 *   of it (the binding anchors both ends to the character on their left, and a replacement
 *   typed over the selection would delete the other delegation's fresh words with it).
 *
 * It reads only the binding's exported helpers and plugin state, so it keeps working if the
 * heuristic is fixed upstream (it then changes nothing) or if the binding is upgraded.
 */
export const KeepCaret = Extension.create({
	name: 'keepCaret',
	addProseMirrorPlugins() {
		/** The selection as Yjs positions, taken before each Yjs transaction (as the binding does). */
		let before: { anchor: unknown; head: unknown; anchorShift: number; headShift: number } | null = null
		let view: { state: EditorState } | null = null
		let attached: SyncBinding | null = null
		const capture = () => {
			if (before || !view || !attached) return
			before = relativeSelection(view.state, attached)
		}
		const release = () => {
			before = null
		}
		const attach = (state: EditorState) => {
			const binding = bindingOf(state)
			if (binding === attached) return
			attached?.doc.off('beforeAllTransactions', capture)
			attached?.doc.off('afterAllTransactions', release)
			attached = binding
			attached?.doc.on('beforeAllTransactions', capture)
			attached?.doc.on('afterAllTransactions', release)
		}
		return [
			new Plugin({
				key: new PluginKey('keepCaret'),
				view: (editorView) => {
					view = editorView
					attach(editorView.state)
					return {
						update: (v) => attach(v.state),
						destroy: () => {
							attached?.doc.off('beforeAllTransactions', capture)
							attached?.doc.off('afterAllTransactions', release)
							attached = null
							view = null
						},
					}
				},
				appendTransaction: (transactions, _old, state) => {
					type SyncMeta = { isChangeOrigin?: boolean; isUndoRedoOperation?: boolean } | undefined
					const metas = transactions.map((tr) => tr.getMeta(ySyncPluginKey) as SyncMeta)
					// Undo and redo put back the selection they stored: the binding's answer stands.
					if (!metas.some((m) => m?.isChangeOrigin) || metas.some((m) => m?.isUndoRedoOperation) || !before) return null
					const binding = bindingOf(state)
					if (!binding) return null
					const resolve = (position: unknown, shift: number) => {
						const at = relativePositionToAbsolutePosition(binding.doc, binding.type, position as never, binding.mapping)
						if (at === null) return null
						// "After the first selected letter, minus one" only while that letter is there: once
						// someone deleted it, the position is where it was, and the shift would take in the
						// character before the selection.
						return shift !== 0 && isDeletedAt(binding.doc, position as Y.RelativePosition) ? at : at + shift
					}
					const anchor = resolve(before.anchor, before.anchorShift)
					const head = resolve(before.head, before.headShift)
					const size = state.doc.content.size
					// A position whose words are gone: the binding's own fallback stands.
					if (anchor === null || head === null || anchor < 0 || head < 0 || anchor > size || head > size) return null
					if (state.selection.anchor === anchor && state.selection.head === head) return null
					const selection = TextSelection.between(state.doc.resolve(anchor), state.doc.resolve(head))
					return state.tr.setSelection(selection).setMeta('addToHistory', false)
				},
			}),
		]
	},
})

/**
 * A text selection as Yjs positions. A caret is the position after the character before it.
 * A range's start is taken as "after its first character", minus one, so that it moves with
 * that character and not with whatever is typed in front of it; its end is after its last.
 * Null for node and whole-document selections (the binding's answer stands for those).
 */
function relativeSelection(state: EditorState, binding: SyncBinding) {
	const selection = state.selection
	if (!(selection instanceof TextSelection)) return null
	const toRelative = (pos: number) => absolutePositionToRelativePosition(pos, binding.type, binding.mapping)
	if (selection.empty) {
		const at = toRelative(selection.head)
		return { anchor: at, head: at, anchorShift: 0, headShift: 0 }
	}
	const { from, to } = selection
	// The first selected position holds a character of the same text (not a block boundary).
	const $from = state.doc.resolve(from)
	const firstIsText = $from.parent.isTextblock && from < $from.end() && state.doc.textBetween(from, from + 1).length === 1
	const start = firstIsText ? { position: toRelative(from + 1), shift: -1 } : { position: toRelative(from), shift: 0 }
	const end = { position: toRelative(to), shift: 0 }
	const forward = selection.anchor <= selection.head
	const [a, h] = forward ? [start, end] : [end, start]
	return { anchor: a.position, head: h.position, anchorShift: a.shift, headShift: h.shift }
}

function isDeletedAt(doc: Y.Doc, position: Y.RelativePosition): boolean {
	if (!position.item) return false
	try {
		return Y.getItem(doc.store, position.item).deleted
	} catch {
		return true
	}
}

function bindingOf(state: EditorState): SyncBinding | null {
	return (ySyncPluginKey.getState(state) as { binding?: SyncBinding } | undefined)?.binding ?? null
}

/** What this plugin reads of y-tiptap's ProsemirrorBinding. */
type SyncBinding = {
	doc: Parameters<typeof relativePositionToAbsolutePosition>[0]
	type: Parameters<typeof relativePositionToAbsolutePosition>[1]
	mapping: Parameters<typeof relativePositionToAbsolutePosition>[3]
}
