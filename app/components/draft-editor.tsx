import Collaboration from '@tiptap/extension-collaboration'
import CollaborationCaret from '@tiptap/extension-collaboration-caret'
import { EditorContent, useEditor, useEditorState } from '@tiptap/react'
import { useEffect } from 'react'
import type { SyncSession } from '#app/collab/use-sync.ts'
import { DOCUMENT_FRAGMENT } from '#app/domain/constants.ts'
import type { ParagraphKind } from '#app/domain/statement.ts'
import { statementExtensions } from './statement-schema.ts'

export type EditorUser = { name: string; delegation: string; color: string }

/** The live text: Tiptap bound to the document's Y.Doc, carets of everyone else in it. */
export function DraftEditor({
	session,
	user,
	editable,
	title,
}: {
	session: SyncSession
	user: EditorUser
	editable: boolean
	title: string
}) {
	const editor = useEditor(
		{
			immediatelyRender: false,
			editable,
			extensions: [
				...statementExtensions,
				Collaboration.configure({ document: session.doc, field: DOCUMENT_FRAGMENT }),
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

	return (
		<div>
			{editable && editor ? <Toolbar editor={editor} /> : null}
			<div className="rounded-b-lg border border-gray-200 bg-white px-8 py-8 shadow-sm sm:px-12">
				{editor ? <EditorContent editor={editor} /> : <p className="text-gray-500">Loading the text…</p>}
			</div>
		</div>
	)
}

function Toolbar({ editor }: { editor: NonNullable<ReturnType<typeof useEditor>> }) {
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
		</div>
	)
}
