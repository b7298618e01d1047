import Collaboration from '@tiptap/extension-collaboration'
import CollaborationCaret from '@tiptap/extension-collaboration-caret'
import { EditorContent, useEditor, useEditorState, type Editor } from '@tiptap/react'
import { useEffect, useRef } from 'react'
import type { SyncSession } from '#app/collab/use-sync.ts'
import { DOCUMENT_FRAGMENT } from '#app/domain/constants.ts'
import type { ParagraphKind } from '#app/domain/statement.ts'
import type { PreambleStyle } from '#app/domain/negotiation.ts'
import { KeepCaret } from '#app/collab/keep-caret.ts'
import { NegotiationGuard, ParagraphRef, statementExtensions, SuggestionMode, type RefusedEdit } from './statement-schema.ts'
import { numberBlocks, PARAGRAPH_REF_NODE, paragraphNames, parseParagraphKind } from '#app/domain/statement.ts'

export type EditorUser = { name: string; delegation: string; color: string }

/** The live text: Tiptap bound to the document's Y.Doc, carets of everyone else in it. */
export function DraftEditor({
	session,
	user,
	editable,
	title,
	preamble = 'none',
	lineNumbers = false,
	onEditor,
	onRefused,
	suggesting = false,
	suggestOnly = false,
}: {
	session: SyncSession
	user: EditorUser
	editable: boolean
	title: string
	preamble?: PreambleStyle
	lineNumbers?: boolean
	onEditor?: (editor: Editor | null) => void
	onRefused?: (why: RefusedEdit) => void
	/** Typing makes suggestions (switched on by the person, or always for an adviser). */
	suggesting?: boolean
	/** The server takes only suggestions from this person: the page refuses anything else first. */
	suggestOnly?: boolean
}) {
	const refused = useRef(onRefused)
	refused.current = onRefused
	const mode = useRef({ suggesting, suggestOnly, user, preamble })
	mode.current = { suggesting: suggesting || suggestOnly, suggestOnly, user, preamble }
	const editor = useEditor(
		{
			immediatelyRender: false,
			editable,
			extensions: [
				...statementExtensions,
				NegotiationGuard.configure({
					onRefused: (why) => refused.current?.(why),
					suggestOnly: () => mode.current.suggestOnly,
					delegation: () => mode.current.user.delegation,
				}),
				ParagraphRef.configure({ preamble: () => mode.current.preamble }),
				SuggestionMode.configure({
					active: () => mode.current.suggesting,
					suggester: () => ({ by: mode.current.user.delegation, author: mode.current.user.name }),
					onRefused: (why) => refused.current?.(why),
				}),
				Collaboration.configure({ document: session.doc, field: DOCUMENT_FRAGMENT }),
				KeepCaret,
				CollaborationCaret.configure({
					provider: session.provider,
					user,
					render: (u: Record<string, unknown>) => {
						const caret = document.createElement('span')
						caret.classList.add('collaboration-carets__caret')
						caret.style.borderColor = String(u.color ?? '#374151')
						const label = document.createElement('span')
						label.classList.add('collaboration-carets__label')
						label.style.backgroundColor = String(u.color ?? '#374151')
						label.textContent = `${String(u.name ?? 'Someone')} · ${String(u.delegation ?? '')}`
						caret.append(label)
						return caret
					},
				}),
			],
			editorProps: {
				attributes: {
					class: 'statement',
					role: 'textbox',
					'aria-multiline': 'true',
					'aria-label': title,
					'data-testid': 'statement-editor',
				},
			},
		},
		[session],
	)

	useEffect(() => {
		editor?.setEditable(editable)
	}, [editor, editable])

	// Lettering switched: names in references change with it.
	useEffect(() => {
		if (editor && !editor.isDestroyed) editor.view.dispatch(editor.state.tr.setMeta('paragraphRefNames', true))
	}, [editor, preamble])

	useEffect(() => {
		onEditor?.(editor)
		return () => onEditor?.(null)
	}, [editor, onEditor])

	return (
		<div>
			{/* An adviser's only changes are suggested words: no block, mark or reference buttons. */}
			{editable && editor && !suggestOnly ? <Toolbar editor={editor} preamble={preamble} /> : null}
			<div
				className={`relative rounded-b-lg border border-gray-200 bg-white px-8 py-8 shadow-sm sm:px-12 ${preamble === 'letters' ? 'preamble-letters' : ''} ${lineNumbers ? 'with-line-numbers' : ''}`}
			>
				{editor ? <EditorContent editor={editor} /> : <p className="text-gray-500">Loading the text…</p>}
				{editor && lineNumbers ? <LineNumbers editor={editor} /> : null}
			</div>
		</div>
	)
}

function Toolbar({ editor, preamble }: { editor: NonNullable<ReturnType<typeof useEditor>>; preamble: PreambleStyle }) {
	const state = useEditorState({
		editor,
		selector: ({ editor: e }) => ({
			kind: (e.getAttributes('paragraph').kind as ParagraphKind | undefined) ?? null,
			inParagraph: e.isActive('paragraph'),
			heading: e.isActive('heading'),
			bold: e.isActive('bold'),
			italic: e.isActive('italic'),
		}),
	})
	const setKind = (kind: ParagraphKind) =>
		editor.chain().focus().setParagraph().updateAttributes('paragraph', { kind }).run()
	const button = (pressed: boolean) =>
		`rounded px-2.5 py-1 text-sm font-medium ${pressed ? 'bg-accord-700 text-white' : 'text-gray-700 hover:bg-gray-100'}`
	return (
		<div role="toolbar" aria-label="Paragraph" className="flex flex-wrap items-center gap-1 rounded-t-lg border border-b-0 border-gray-200 bg-gray-50 px-3 py-2">
			<button type="button" className={button(state.inParagraph && state.kind === 'preambular')} aria-pressed={state.inParagraph && state.kind === 'preambular'} onClick={() => setKind('preambular')}>
				Preambular
			</button>
			<button type="button" className={button(state.inParagraph && state.kind === 'operative')} aria-pressed={state.inParagraph && state.kind === 'operative'} onClick={() => setKind('operative')}>
				Operative
			</button>
			<button type="button" className={button(state.heading)} aria-pressed={state.heading} onClick={() => editor.chain().focus().toggleHeading({ level: 2 }).run()}>
				Heading
			</button>
			<span aria-hidden className="mx-2 h-5 w-px bg-gray-300" />
			<button type="button" className={`${button(state.bold)} font-bold`} aria-pressed={state.bold} aria-label="Bold" onClick={() => editor.chain().focus().toggleBold().run()}>
				B
			</button>
			<button type="button" className={`${button(state.italic)} italic`} aria-pressed={state.italic} aria-label="Italic" onClick={() => editor.chain().focus().toggleItalic().run()}>
				I
			</button>
			<span aria-hidden className="mx-2 h-5 w-px bg-gray-300" />
			<ReferencePicker editor={editor} preamble={preamble} />
		</div>
	)
}

/**
 * Line numbers in the margin, as delegations cite them ("line 15"): one per line of text as
 * laid out on this screen, counted from the top, re-measured when the text or the width changes.
 */
function LineNumbers({ editor }: { editor: Editor }) {
	const ref = useRef<HTMLDivElement>(null)
	useEffect(() => {
		const root = editor.view.dom as HTMLElement
		const layer = ref.current
		if (!layer) return
		let frame = 0
		const measure = () => {
			cancelAnimationFrame(frame)
			frame = requestAnimationFrame(() => {
				const box = layer.getBoundingClientRect()
				const tops: number[] = []
				const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT)
				const range = document.createRange()
				for (let node = walker.nextNode(); node; node = walker.nextNode()) {
					if (!node.textContent?.trim() || (node.parentElement && node.parentElement.closest('.collaboration-carets__caret'))) continue
					range.selectNodeContents(node)
					for (const rect of range.getClientRects()) {
						const top = Math.round(rect.top - box.top)
						if (rect.height > 0 && !tops.some((t) => Math.abs(t - top) < rect.height / 2)) tops.push(top)
					}
				}
				tops.sort((a, b) => a - b)
				layer.replaceChildren(
					...tops.map((top, i) => {
						const n = document.createElement('span')
						n.className = 'line-number'
						n.style.top = `${top}px`
						n.textContent = String(i + 1)
						return n
					}),
				)
			})
		}
		measure()
		editor.on('update', measure)
		const resize = new ResizeObserver(measure)
		resize.observe(root)
		return () => {
			cancelAnimationFrame(frame)
			editor.off('update', measure)
			resize.disconnect()
		}
	}, [editor])
	return <div ref={ref} aria-hidden className="line-numbers pointer-events-none absolute inset-0" data-testid="line-numbers" />
}

/** Inserts a reference to another paragraph at the cursor ("see OP 7"), which follows renumbering. */
function ReferencePicker({ editor, preamble }: { editor: Editor; preamble: PreambleStyle }) {
	const options = useEditorState({
		editor,
		selector: ({ editor: e }) => {
			const blocks: { id: string; type: string; kind: ReturnType<typeof parseParagraphKind> }[] = []
			e.state.doc.forEach((node) => blocks.push({ id: String(node.attrs.id ?? ''), type: node.type.name, kind: parseParagraphKind(node.attrs.kind) }))
			return [...paragraphNames(numberBlocks(blocks, preamble))].filter(([, name]) => name !== 'PP')
		},
		equalityFn: (a, b) => JSON.stringify(a) === JSON.stringify(b),
	})
	return (
		<label className="inline-flex items-center gap-1 text-sm text-gray-700">
			<span className="sr-only">Insert a reference to a paragraph</span>
			<select
				className="rounded border border-gray-300 bg-white px-1.5 py-0.5 text-sm"
				value=""
				aria-label="Insert a reference to a paragraph"
				onChange={(e) => {
					const to = e.target.value
					if (to) editor.chain().focus().insertContent({ type: PARAGRAPH_REF_NODE, attrs: { to } }).run()
				}}
			>
				<option value="">Refer to…</option>
				{options.map(([id, name]) => (
					<option key={id} value={id}>
						{name}
					</option>
				))}
			</select>
		</label>
	)
}
