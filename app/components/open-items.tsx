import { describeOpenParagraph, NOT_IN_TEXT, type OpenParagraph } from '#app/domain/adoption.ts'

/**
 * What is still open in a text, paragraph by paragraph: the paragraph's name and first words,
 * then what is open in it (status, brackets with their owners, suggestions, comment threads).
 */
export function OpenItemsList({ paragraphs, testId = 'open-items', narrow = false }: { paragraphs: readonly OpenParagraph[]; testId?: string; narrow?: boolean }) {
	return (
		<ul className="divide-y divide-amber-200/70 text-sm" data-testid={testId}>
			{paragraphs.map((p) => (
				<li key={p.paragraphId ?? NOT_IN_TEXT} className={`grid gap-x-3 py-1.5 ${narrow ? 'grid-cols-[3rem_1fr]' : 'grid-cols-[4.5rem_1fr]'}`} data-paragraph={p.name}>
					<span className="font-bold text-accord-800">{p.name}</span>
					<div className="min-w-0">
						<p className="font-medium text-gray-900">{describeOpenParagraph(p)}</p>
						{p.excerpt ? <p className="truncate font-serif text-xs text-gray-600">{p.excerpt}</p> : null}
						{p.brackets.length > 0 || p.suggestions.length > 0 || p.threads.length > 0 ? (
							<ul className="mt-0.5 space-y-0.5 text-xs text-gray-700">
								{p.brackets.map((b, i) => (
									<li key={`b${i}`}>
										<span className="font-serif">[{b.text}]</span> <span className="font-semibold text-amber-900">{b.owner}</span>
									</li>
								))}
								{p.suggestions.map((s, i) => (
									<li key={`s${i}`}>
										{s.kind === 'insert' ? 'insert' : 'delete'} <span className="font-serif">“{s.text.trim()}”</span> <span className="font-semibold">{s.by}</span>
									</li>
								))}
								{p.threads.map((t, i) => (
									<li key={`t${i}`}>
										comment by <span className="font-semibold">{t.delegation}</span> on <span className="font-serif">“{clip(t.quote)}”</span>
									</li>
								))}
							</ul>
						) : null}
					</div>
				</li>
			))}
		</ul>
	)
}

function clip(text: string, max = 70): string {
	return text.length > max ? `${text.slice(0, max - 1)}…` : text
}
