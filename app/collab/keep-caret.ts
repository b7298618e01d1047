import { Extension } from '@tiptap/core'
import { Plugin, PluginKey, TextSelection } from '@tiptap/pm/state'
import { relativePositionToAbsolutePosition, ySyncPluginKey } from '@tiptap/y-tiptap'

/**
 * Keeps the local caret where Yjs says it is when other people's changes arrive
 * (docs/decisions/013-text-stays-whole.md).
 *
 * The binding (@tiptap/y-tiptap 3.0.9 to 3.3.0, `recoverSelectionEndpoint`) distrusts its own
 * relative positions whenever the caret's paragraph text changed, which is always the case when
 * someone else types in the same paragraph, and then puts the caret at the same numeric offset
 * in that paragraph (our paragraphs carry a distinctive `id`). Words another delegation inserts
 * before the caret then push it in front of the letter just typed, and the next letters come out
 * reversed ("khmword drowoal"). This plugin runs after the binding's remote change, in the same
 * dispatch, and puts the caret back at the binding's own relative positions, resolved by Yjs
 * alone: each end stays right after the character it followed, whoever typed around it.
 *
 * It reads only the binding's public state and exported helpers, so it keeps working if the
 * heuristic is fixed upstream (it then changes nothing) or if the binding is upgraded.
 */
export const KeepCaret = Extension.create({
	name: 'keepCaret',
	addProseMirrorPlugins() {
		return [
			new Plugin({
				key: new PluginKey('keepCaret'),
				appendTransaction: (transactions, _old, state) => {
					const remote = transactions.some((tr) => (tr.getMeta(ySyncPluginKey) as { isChangeOrigin?: boolean } | undefined)?.isChangeOrigin)
					if (!remote) return null
					const binding = (ySyncPluginKey.getState(state) as { binding?: SyncBinding } | undefined)?.binding
					const before = binding?.beforeTransactionSelection
					// Only a text caret or range; node and whole-document selections keep the binding's answer.
					if (!binding || !before || before.type !== 'text' || !before.anchor || !before.head) return null
					const anchor = relativePositionToAbsolutePosition(binding.doc, binding.type, before.anchor, binding.mapping)
					const head = relativePositionToAbsolutePosition(binding.doc, binding.type, before.head, binding.mapping)
					// A position whose words are gone: the binding's own fallback stands.
					if (anchor === null || head === null) return null
					const size = state.doc.content.size
					if (anchor > size || head > size) return null
					if (state.selection.anchor === anchor && state.selection.head === head) return null
					const selection = TextSelection.between(state.doc.resolve(anchor), state.doc.resolve(head))
					return state.tr.setSelection(selection).setMeta('addToHistory', false)
				},
			}),
		]
	},
})

/** What this plugin reads of y-tiptap's ProsemirrorBinding. */
type SyncBinding = {
	doc: Parameters<typeof relativePositionToAbsolutePosition>[0]
	type: Parameters<typeof relativePositionToAbsolutePosition>[1]
	mapping: Parameters<typeof relativePositionToAbsolutePosition>[3]
	beforeTransactionSelection: { type: string; anchor: unknown; head: unknown } | null
}
