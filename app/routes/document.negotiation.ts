import { parseWithZod } from '@conform-to/zod/v4'
import { data } from 'react-router'
import { z } from '#app/utils/zod.ts'
import { getNegotiationRole, MAX_BRACKET_TEXT, PARAGRAPH_STATUSES } from '#app/domain/negotiation.ts'
import {
	createBracket,
	decideSuggestions,
	proposeAlternative,
	resolveBracket,
	setParagraphStatus,
	setPreambleStyle,
	supportBracket,
	type Actor,
	type NegotiationResult,
} from '#app/models/negotiation.server.ts'
import { requireUser } from '#app/utils/auth.server.ts'
import { formError, readForm } from '#app/utils/misc.ts'
import { accessOf } from '#app/utils/permissions.server.ts'
import { respond } from '#app/utils/respond.server.ts'
import type { Route } from './+types/document.negotiation'

const Id = z.string().trim().min(1).max(64)
const SELECT_AGAIN = 'That selection could not be read; select the words again.'

/** Every negotiation action of the document page, one schema per intent. */
export const NegotiationSchema = z.discriminatedUnion('intent', [
	z.object({ intent: z.literal('set-status'), paragraphId: Id, status: z.enum(PARAGRAPH_STATUSES as [string, ...string[]], { error: 'A paragraph is open, agreed ad ref., or agreed.' }) }),
	z.object({
		intent: z.literal('bracket'),
		paragraphId: Id,
		start: z.coerce.number({ error: SELECT_AGAIN }).int(SELECT_AGAIN).min(0, SELECT_AGAIN),
		end: z.coerce.number({ error: SELECT_AGAIN }).int(SELECT_AGAIN).min(1, SELECT_AGAIN),
		text: z.string({ error: 'Select the words to bracket.' }).min(1, 'Select the words to bracket.').max(MAX_BRACKET_TEXT, `A bracket holds at most ${MAX_BRACKET_TEXT} characters.`),
	}),
	z.object({
		intent: z.literal('alternative'),
		bracketId: Id,
		text: z.string({ error: 'Write the alternative text.' }).trim().min(1, 'Write the alternative text.').max(MAX_BRACKET_TEXT, `An alternative holds at most ${MAX_BRACKET_TEXT} characters.`),
	}),
	z.object({ intent: z.literal('support'), bracketId: Id, target: Id }),
	z.object({ intent: z.literal('resolve'), bracketId: Id, choice: Id }),
	z.object({ intent: z.literal('preamble'), style: z.enum(['NONE', 'LETTERS']) }),
	z.object({ intent: z.literal('suggestion'), decision: z.enum(['accept', 'reject']), id: Id.optional(), by: Id.optional() }),
])

/**
 * `POST /documents/<slug>/negotiation`: statuses, brackets, alternatives, support and
 * resolutions. Answers JSON: `{ ok: true, … }`, or `{ ok: false, error }` with 400 (bad
 * input), 403 (not allowed for your role), 404 (gone) or 409 (the text moved on).
 */
export async function action({ request, params }: Route.ActionArgs) {
	const access = await accessOf(await requireUser(request), params.slug)
	if (!access.ok) return respond(access)
	const { user, context, participation } = access
	const submission = parseWithZod(await readForm(request), { schema: NegotiationSchema })
	if (submission.status !== 'success') {
		return data({ ok: false as const, error: formError(submission.error) }, { status: 400 })
	}
	const actor: Actor = {
		userId: user.id,
		delegationId: participation.delegationId,
		delegationCode: participation.delegationCode,
		role: getNegotiationRole(
			{ delegationKind: participation.delegationKind, role: participation.role, stateCode: participation.stateCode },
			context.access,
			context.meeting,
		),
	}
	const value = submission.value
	const document = { id: context.document.id, preambleStyle: context.document.preambleStyle }
	let result: NegotiationResult
	switch (value.intent) {
		case 'set-status':
			result = await setParagraphStatus({ document, paragraphId: value.paragraphId, to: value.status as (typeof PARAGRAPH_STATUSES)[number], actor })
			break
		case 'bracket':
			result = await createBracket({ document, paragraphId: value.paragraphId, start: value.start, end: value.end, text: value.text, actor })
			break
		case 'alternative':
			result = await proposeAlternative({ documentId: document.id, bracketId: value.bracketId, text: value.text, actor })
			break
		case 'support':
			result = await supportBracket({ documentId: document.id, bracketId: value.bracketId, target: value.target, actor })
			break
		case 'resolve':
			result = await resolveBracket({ documentId: document.id, bracketId: value.bracketId, choice: value.choice, actor })
			break
		case 'preamble':
			result = await setPreambleStyle({ documentId: document.id, style: value.style, actor })
			break
		case 'suggestion': {
			const which = value.id ? { id: value.id } : value.by ? { by: value.by } : null
			if (!which) return data({ ok: false as const, error: 'Say which suggestion: one id, or a delegation.' }, { status: 400 })
			result = await decideSuggestions({ documentId: document.id, which, decision: value.decision, actor })
			break
		}
	}
	return respond(result)
}
