import type * as Y from 'yjs'
import {
	canBracket,
	canProposeAlternative,
	canResolveBracket,
	canSetParagraphStatus,
	canSupport,
	isFrozen,
	PARAGRAPH_STATUS_LABELS,
	type NegotiationRole,
	type ParagraphStatus,
	type PreambleStyle,
} from '#app/domain/negotiation.ts'
import {
	addBracketMark,
	newId,
	numberBlocks,
	readBlocks,
	resolveBracketInText,
	setParagraphStatusInText,
	type StatementBlock,
} from '#app/domain/statement.ts'
import { decideSuggestionsInText } from '#app/domain/suggestions.ts'
import type { Document, User } from '#app/generated/prisma/client.ts'
import { getDb } from '#app/utils/db.server.ts'
import { AdoptedTextError, getLiveDocuments } from '#app/utils/live-documents.server.ts'
import { refused, type Result } from '#app/domain/result.ts'

/**
 * The negotiation of a document (issue 4): statuses and brackets are written into the live
 * text by the server (the sync server refuses them from clients), and recorded here with who,
 * which delegation and when. Every action ends with a notice to the pages that have the
 * document open, which refetch.
 */
export type Actor = {
	userId: User['id']
	delegationId: string
	delegationCode: string
	role: NegotiationRole
}

export type NegotiationResult<T extends object = object> = Result<T>


/** "OP 3", "PP (b)", "PP" — how delegates name a paragraph. */
function paragraphName(blocks: StatementBlock[], paragraphId: string, preamble: PreambleStyle): string {
	const block = numberBlocks(blocks, preamble).find((b) => b.id === paragraphId)
	if (!block || block.type !== 'paragraph') return 'a paragraph'
	return block.kind === 'operative' ? `OP ${block.number}` : block.label ? `PP ${block.label}` : 'a preambular paragraph'
}

function preambleOf(style: Document['preambleStyle']): PreambleStyle {
	return style === 'LETTERS' ? 'letters' : 'none'
}

async function record(input: {
	documentId: string
	actor: Actor
	kind: string
	summary: string
	paragraphId?: string | null
	bracketId?: string | null
	detail?: object
}) {
	await getDb().negotiationEvent.create({
		data: {
			documentId: input.documentId,
			kind: input.kind,
			summary: input.summary,
			paragraphId: input.paragraphId ?? null,
			bracketId: input.bracketId ?? null,
			detail: JSON.stringify(input.detail ?? {}),
			userId: input.actor.userId,
			delegationId: input.actor.delegationId,
		},
	})
	getLiveDocuments().notify(input.documentId, { type: 'negotiation', summary: input.summary })
}

/** A change to the live text; once the text is adopted, a 409 instead. */
async function liveEdit<T>(documentId: string, who: { userId: string; delegationId: string }, change: (doc: Y.Doc) => T): Promise<T | { ok: false; status: 409; message: string }> {
	try {
		return await getLiveDocuments().edit(documentId, who, change)
	} catch (error) {
		if (error instanceof AdoptedTextError) return { ok: false, status: 409, message: error.message }
		throw error
	}
}

/** Alternatives and support are the negotiation of an open text: an adopted one has none left. */
async function adoptedRefusal(documentId: string) {
	const document = await getDb().document.findUnique({ where: { id: documentId }, select: { adoptedRevisionId: true } })
	return document?.adoptedRevisionId ? refused(409, 'This text is adopted: it is final and cannot change.') : null
}

function author(actor: Actor) {
	return { userId: actor.userId, delegationId: actor.delegationId }
}

export async function setParagraphStatus(input: {
	document: Pick<Document, 'id' | 'preambleStyle'>
	paragraphId: string
	to: ParagraphStatus
	actor: Actor
}): Promise<NegotiationResult<{ summary: string }>> {
	const outcome = await liveEdit(input.document.id, author(input.actor), (doc) => {
		const blocks = readBlocks(doc)
		const block = blocks.find((b) => b.id === input.paragraphId)
		if (!block || block.type !== 'paragraph') return refused(404, 'That paragraph is no longer in the text.')
		const rule = canSetParagraphStatus(input.actor.role, block.status, input.to, {
			brackets: new Set(block.brackets.map((b) => b.id)).size,
			suggestions: new Set(block.suggestions.map((s) => s.id)).size,
		})
		if (!rule.ok) return refused(rule.code === 'NotModerator' ? 403 : 409, rule.message)
		const error = setParagraphStatusInText(doc, input.paragraphId, input.to)
		if (error) return refused(404, error.message)
		const name = paragraphName(blocks, input.paragraphId, preambleOf(input.document.preambleStyle))
		return { ok: true as const, from: block.status, name }
	})
	if (!outcome.ok) return outcome
	const verb = input.to === 'open' ? 'reopened' : `marked ${PARAGRAPH_STATUS_LABELS[input.to].toLowerCase()}`
	const summary = `${input.actor.delegationCode} ${verb} ${outcome.name} (was ${PARAGRAPH_STATUS_LABELS[outcome.from].toLowerCase()})`
	await record({
		documentId: input.document.id,
		actor: input.actor,
		kind: 'paragraph.status',
		paragraphId: input.paragraphId,
		summary,
		detail: { from: outcome.from, to: input.to },
	})
	return { ok: true, summary }
}

export async function createBracket(input: {
	document: Pick<Document, 'id' | 'preambleStyle'>
	paragraphId: string
	start: number
	end: number
	text: string
	actor: Actor
}): Promise<NegotiationResult<{ bracketId: string }>> {
	const bracketId = newId('b')
	const live = getLiveDocuments()
	const outcome = await liveEdit(input.document.id, author(input.actor), (doc) => {
		const blocks = readBlocks(doc)
		const block = blocks.find((b) => b.id === input.paragraphId)
		if (!block || block.type !== 'paragraph') return refused(404, 'Brackets go in paragraphs; that one is no longer in the text.')
		const rule = canBracket(input.actor.role, block.status, input.text)
		if (!rule.ok) return refused(rule.code === 'NotDelegate' ? 403 : rule.code === 'Frozen' ? 409 : 400, rule.message)
		const error = addBracketMark(doc, {
			paragraphId: input.paragraphId,
			start: input.start,
			end: input.end,
			expected: input.text,
			bracket: { id: bracketId, owner: input.actor.delegationCode },
		})
		if (error) return refused(409, error.message)
		return { ok: true as const, name: paragraphName(blocks, input.paragraphId, preambleOf(input.document.preambleStyle)) }
	})
	if (!outcome.ok) return outcome
	try {
		await getDb().bracket.create({
			data: {
				id: bracketId,
				documentId: input.document.id,
				paragraphId: input.paragraphId,
				ownerDelegationId: input.actor.delegationId,
				createdById: input.actor.userId,
				text: input.text,
			},
		})
	} catch (error) {
		// No record, no bracket: take the mark out again rather than leave one nobody can resolve.
		await liveEdit(input.document.id, author(input.actor), (doc) => resolveBracketInText(doc, bracketId, { kind: 'keep' }))
		throw error
	}
	await record({
		documentId: input.document.id,
		actor: input.actor,
		kind: 'bracket.create',
		paragraphId: input.paragraphId,
		bracketId,
		summary: `${input.actor.delegationCode} bracketed “${clip(input.text)}” in ${outcome.name}`,
		detail: { text: input.text },
	})
	return { ok: true, bracketId }
}

/** The bracket's record and where it stands in the live text (its paragraph's status). */
async function loadBracket(documentId: string, bracketId: string, actor: Actor) {
	const bracket = await getDb().bracket.findFirst({
		where: { id: bracketId, documentId },
		include: {
			alternatives: { select: { id: true, delegationId: true } },
			supports: { select: { target: true, delegationId: true } },
		},
	})
	if (!bracket) return null
	void actor
	const place = await getLiveDocuments().read(documentId, (doc: Y.Doc) => {
		for (const block of readBlocks(doc)) {
			if (block.type === 'paragraph' && block.brackets.some((b) => b.id === bracketId)) return { paragraphStatus: block.status, inText: true }
		}
		return { paragraphStatus: 'open' as ParagraphStatus, inText: false }
	})
	return { bracket, ...place }
}

export async function proposeAlternative(input: {
	documentId: string
	bracketId: string
	text: string
	actor: Actor
}): Promise<NegotiationResult<{ alternativeId: string }>> {
	const adopted = await adoptedRefusal(input.documentId)
	if (adopted) return adopted
	const found = await loadBracket(input.documentId, input.bracketId, input.actor)
	if (!found) return refused(404, 'No such bracket in this document.')
	const text = input.text.trim()
	const rule = canProposeAlternative(input.actor.role, { status: found.inText ? lower(found.bracket.status) : 'resolved', paragraphStatus: found.paragraphStatus }, text)
	if (!rule.ok) return refused(rule.code === 'NotDelegate' ? 403 : rule.code === 'Closed' || rule.code === 'Frozen' ? 409 : 400, rule.message)
	const alternative = await getDb().$transaction(async (tx) => {
		const last = await tx.bracketAlternative.findFirst({ where: { bracketId: input.bracketId }, orderBy: { number: 'desc' }, select: { number: true } })
		return tx.bracketAlternative.create({
			data: { bracketId: input.bracketId, number: (last?.number ?? 0) + 1, text, delegationId: input.actor.delegationId, authorId: input.actor.userId },
		})
	})
	await record({
		documentId: input.documentId,
		actor: input.actor,
		kind: 'bracket.alternative',
		paragraphId: found.bracket.paragraphId,
		bracketId: input.bracketId,
		summary: `${input.actor.delegationCode} proposed Alt ${alternative.number}: “${clip(text)}”`,
		detail: { alternativeId: alternative.id, number: alternative.number, text },
	})
	return { ok: true, alternativeId: alternative.id }
}

export async function supportBracket(input: {
	documentId: string
	bracketId: string
	/** "text" (the bracketed words) or an alternative's id. */
	target: string
	actor: Actor
}): Promise<NegotiationResult> {
	const adopted = await adoptedRefusal(input.documentId)
	if (adopted) return adopted
	const found = await loadBracket(input.documentId, input.bracketId, input.actor)
	if (!found) return refused(404, 'No such bracket in this document.')
	const { bracket } = found
	const alternative = input.target === 'text' ? null : bracket.alternatives.find((a) => a.id === input.target)
	if (input.target !== 'text' && !alternative) return refused(404, 'No such alternative for this bracket.')
	const rule = canSupport(
		input.actor.role,
		{ status: found.inText ? lower(bracket.status) : 'resolved', paragraphStatus: found.paragraphStatus },
		{
			proposerDelegationId: alternative ? alternative.delegationId : bracket.ownerDelegationId,
			supporterDelegationIds: bracket.supports.filter((s) => s.target === input.target).map((s) => s.delegationId),
		},
		input.actor.delegationId,
	)
	if (!rule.ok) return refused(rule.code === 'NotDelegate' ? 403 : 409, rule.message)
	try {
		await getDb().bracketSupport.create({
			data: {
				bracketId: bracket.id,
				target: input.target,
				alternativeId: alternative?.id ?? null,
				delegationId: input.actor.delegationId,
				userId: input.actor.userId,
			},
		})
	} catch (error) {
		if ((error as { code?: string }).code === 'P2002') return refused(409, 'Your delegation already supports this text.')
		throw error
	}
	const what = alternative ? `Alt ${(await getDb().bracketAlternative.findUniqueOrThrow({ where: { id: alternative.id } })).number}` : `“${clip(bracket.text)}”`
	await record({
		documentId: input.documentId,
		actor: input.actor,
		kind: 'bracket.support',
		paragraphId: bracket.paragraphId,
		bracketId: bracket.id,
		summary: `${input.actor.delegationCode} supports ${what}`,
		detail: { target: input.target },
	})
	return { ok: true }
}

export async function resolveBracket(input: {
	documentId: string
	bracketId: string
	/** "keep" the bracketed words, "delete" them, or an alternative's id to put in their place. */
	choice: string
	actor: Actor
}): Promise<NegotiationResult<{ summary: string }>> {
	const bracket = await getDb().bracket.findFirst({
		where: { id: input.bracketId, documentId: input.documentId },
		include: { alternatives: true },
	})
	if (!bracket) return refused(404, 'No such bracket in this document.')
	const alternative = bracket.alternatives.find((a) => a.id === input.choice) ?? null
	if (input.choice !== 'keep' && input.choice !== 'delete' && !alternative) return refused(400, 'Choose the bracketed text, an alternative, or deleting the words.')
	const outcome = await liveEdit(input.documentId, author(input.actor), (doc) => {
		const block = readBlocks(doc).find((b) => b.type === 'paragraph' && b.brackets.some((x) => x.id === bracket.id))
		const paragraphStatus = block?.type === 'paragraph' ? block.status : 'open'
		const rule = canResolveBracket(input.actor.role, { status: block ? lower(bracket.status) : 'resolved', paragraphStatus })
		if (!rule.ok) return refused(rule.code === 'NotModerator' ? 403 : 409, rule.message)
		const result = resolveBracketInText(
			doc,
			bracket.id,
			alternative ? { kind: 'replace', text: alternative.text } : input.choice === 'delete' ? { kind: 'delete' } : { kind: 'keep' },
		)
		if ('code' in result) return refused(409, result.message)
		return { ok: true as const, text: result.text }
	})
	if (!outcome.ok) return outcome
	await getDb().bracket.update({
		where: { id: bracket.id },
		data: {
			status: 'RESOLVED',
			resolution: alternative ? 'alternative' : input.choice,
			resolvedText: outcome.text,
			resolvedById: input.actor.userId,
			resolvedAt: new Date(),
		},
	})
	const how = alternative ? `with Alt ${alternative.number}` : input.choice === 'delete' ? 'by deleting the words' : 'keeping the text'
	const summary = `${input.actor.delegationCode} resolved the bracket on “${clip(bracket.text)}” ${how}`
	await record({
		documentId: input.documentId,
		actor: input.actor,
		kind: 'bracket.resolve',
		paragraphId: bracket.paragraphId,
		bracketId: bracket.id,
		summary,
		detail: { choice: alternative ? 'alternative' : input.choice, alternativeId: alternative?.id ?? null, text: outcome.text },
	})
	return { ok: true, summary }
}

/** The Chair or the Secretariat accepts or rejects one suggestion, or all of one delegation. */
export async function decideSuggestions(input: {
	documentId: string
	which: { id: string } | { by: string }
	decision: 'accept' | 'reject'
	actor: Actor
}): Promise<NegotiationResult<{ summary: string }>> {
	if (input.actor.role !== 'chair' && input.actor.role !== 'secretariat') return refused(403, 'Only the Chair or the Secretariat accepts or rejects suggestions.')
	const outcome = await liveEdit(input.documentId, author(input.actor), (doc) => {
		const matches = (s: { id: string; by: string }) => ('id' in input.which ? s.id === input.which.id : s.by === input.which.by)
		const blocks = readBlocks(doc)
		// Suggestions in agreed paragraphs wait for the paragraph to be reopened.
		const open = blocks.flatMap((b) => (b.type === 'paragraph' && !isFrozen(b.status) ? b.suggestions.filter(matches) : []))
		const inFrozen = blocks.some((b) => b.type === 'paragraph' && isFrozen(b.status) && b.suggestions.some(matches))
		if (open.length === 0 && inFrozen) return refused(409, 'That suggestion is in an agreed paragraph: reopen it first.')
		const decided = decideSuggestionsInText(doc, { ids: [...new Set(open.map((s) => s.id))] }, input.decision)
		if (decided.length === 0) return refused(404, 'That suggestion is no longer in the text.')
		return { ok: true as const, decided }
	})
	if (!outcome.ok) return outcome
	const first = outcome.decided[0]!
	const what =
		'id' in input.which
			? `${first.by}’s suggestion to ${first.kind === 'insert' ? 'insert' : 'delete'} “${clip(outcome.decided.map((d) => d.text).join(''))}”`
			: `all ${outcome.decided.length} suggestion${outcome.decided.length === 1 ? '' : 's'} of ${input.which.by}`
	const summary = `${input.actor.delegationCode} ${input.decision === 'accept' ? 'accepted' : 'rejected'} ${what}`
	await record({
		documentId: input.documentId,
		actor: input.actor,
		kind: `suggestion.${input.decision}`,
		summary,
		detail: { decided: outcome.decided.map(({ id, kind, by, author: who, text }) => ({ id, kind, by, author: who, text })) },
	})
	return { ok: true, summary }
}

export async function setPreambleStyle(input: { documentId: string; style: Document['preambleStyle']; actor: Actor }): Promise<NegotiationResult> {
	if (input.actor.role !== 'chair' && input.actor.role !== 'secretariat') return refused(403, 'Only the Chair or the Secretariat sets how preambular paragraphs are labelled.')
	const document = await getDb().document.findUnique({ where: { id: input.documentId }, select: { adoptedRevisionId: true } })
	if (document?.adoptedRevisionId) return refused(409, 'This text is adopted: it is final and cannot change.')
	await getDb().document.update({ where: { id: input.documentId }, data: { preambleStyle: input.style } })
	await record({
		documentId: input.documentId,
		actor: input.actor,
		kind: 'document.preamble',
		summary: `${input.actor.delegationCode} set preambular paragraphs to ${input.style === 'LETTERS' ? 'lettered (a), (b) …' : 'unlettered'}`,
		detail: { style: input.style },
	})
	return { ok: true }
}

/** What the document page shows beside the text: brackets with their details, the audit list. */
export async function getNegotiation({ documentId }: { documentId: Document['id'] }) {
	const [brackets, events] = await Promise.all([
		getDb().bracket.findMany({
			where: { documentId },
			orderBy: { createdAt: 'asc' },
			select: {
				id: true,
				paragraphId: true,
				text: true,
				status: true,
				resolution: true,
				resolvedText: true,
				resolvedAt: true,
				createdAt: true,
				owner: { select: { id: true, code: true } },
				createdBy: { select: { name: true } },
				resolvedBy: { select: { name: true } },
				alternatives: {
					orderBy: { number: 'asc' },
					select: { id: true, number: true, text: true, createdAt: true, delegation: { select: { id: true, code: true } }, author: { select: { name: true } } },
				},
				supports: { orderBy: { createdAt: 'asc' }, select: { target: true, delegation: { select: { id: true, code: true } } } },
			},
		}),
		getDb().negotiationEvent.findMany({
			where: { documentId },
			orderBy: { createdAt: 'desc' },
			take: 50,
			select: { id: true, kind: true, summary: true, createdAt: true, paragraphId: true, user: { select: { name: true } }, delegation: { select: { code: true } } },
		}),
	])
	return { brackets, events }
}

function lower(status: 'OPEN' | 'RESOLVED'): 'open' | 'resolved' {
	return status === 'OPEN' ? 'open' : 'resolved'
}

function clip(text: string, max = 60): string {
	return text.length > max ? `${text.slice(0, max - 1)}…` : text
}
