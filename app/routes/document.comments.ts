import { parseWithZod } from '@conform-to/zod/v4'
import { data } from 'react-router'
import { z } from '#app/utils/zod.ts'
import { MAX_COMMENT_LENGTH, MAX_POSITION_NOTE_LENGTH, POSITION_KINDS, POSITION_LABELS } from '#app/domain/comments.ts'
import { canModerate, getNegotiationRole } from '#app/domain/negotiation.ts'
import { createThread, markRead, reply, setPosition, setThreadStatus, type CommentActor, type Result } from '#app/models/comments.server.ts'
import { requireUser } from '#app/utils/auth.server.ts'
import { formError, hasVisibleText, readForm } from '#app/utils/misc.ts'
import { accessOf } from '#app/utils/permissions.server.ts'
import { respond } from '#app/utils/respond.server.ts'
import type { Route } from './+types/document.comments'

const Id = z.string().trim().min(1).max(64)
const Body = z
	.string({ error: 'Write the comment first.' })
	.max(MAX_COMMENT_LENGTH, `A comment holds at most ${MAX_COMMENT_LENGTH.toLocaleString('en')} characters.`)
	.refine(hasVisibleText, 'Write the comment first.')
const B64 = z.string().max(512).regex(/^[A-Za-z0-9+/=]+$/, 'That selection could not be read; select the words again.')

export const CommentSchema = z.discriminatedUnion('intent', [
	z.object({
		intent: z.literal('thread'),
		paragraphId: Id,
		quote: z.string().min(1, 'Select the words to comment on.').max(2_000, 'Comment on at most 2,000 characters of text at a time.'),
		anchorStart: B64,
		anchorEnd: B64,
		body: Body,
	}),
	z.object({ intent: z.literal('reply'), threadId: Id, body: Body }),
	z.object({ intent: z.literal('status'), threadId: Id, status: z.enum(['OPEN', 'RESOLVED'], { error: 'A thread is open or resolved.' }) }),
	z.object({
		intent: z.literal('position'),
		paragraphId: Id,
		// "SILENT" withdraws the delegation's position.
		kind: z.enum(['SILENT', ...POSITION_KINDS] as [string, ...string[]], { error: `Choose a position: ${POSITION_KINDS.map((k) => POSITION_LABELS[k]).join(', ')}, or none.` }),
		note: z.string().max(MAX_POSITION_NOTE_LENGTH, `A note holds at most ${MAX_POSITION_NOTE_LENGTH.toLocaleString('en')} characters.`).default(''),
		threadId: Id.optional(),
	}),
	z.object({ intent: z.literal('read'), upTo: z.coerce.date({ error: 'Say up to when.' }) }),
])

/**
 * `POST /documents/<slug>/comments`: threads, replies, resolving, positions, read markers.
 * Answers JSON `{ ok, error }` with 400 / 403 / 404 / 409 as the negotiation route does.
 */
export async function action({ request, params }: Route.ActionArgs) {
	const access = await accessOf(await requireUser(request), params.slug)
	if (!access.ok) return respond(access)
	const { user, context, participation } = access
	const submission = parseWithZod(await readForm(request), { schema: CommentSchema })
	if (submission.status !== 'success') {
		return data({ ok: false as const, error: formError(submission.error) }, { status: 400 })
	}
	const actor: CommentActor = {
		userId: user.id,
		name: user.name,
		delegationId: participation.delegationId,
		delegationCode: participation.delegationCode,
		delegationKind: participation.delegationKind,
		role: participation.role,
		access: context.access,
		moderator: canModerate(
			getNegotiationRole({ delegationKind: participation.delegationKind, role: participation.role, stateCode: participation.stateCode }, context.access, context.meeting),
		),
	}
	const document = { id: context.document.id, meetingId: context.meeting.id }
	const value = submission.value
	let result: Result
	switch (value.intent) {
		case 'thread':
			result = await createThread({ document, actor, paragraphId: value.paragraphId, quote: value.quote, anchor: { start: value.anchorStart, end: value.anchorEnd }, body: value.body })
			break
		case 'reply':
			result = await reply({ document, actor, threadId: value.threadId, body: value.body })
			break
		case 'status':
			result = await setThreadStatus({ documentId: document.id, actor, threadId: value.threadId, status: value.status })
			break
		case 'position':
			result = await setPosition({ document, actor, paragraphId: value.paragraphId, kind: value.kind === 'SILENT' ? null : (value.kind as (typeof POSITION_KINDS)[number]), note: value.note, threadId: value.threadId ?? null })
			break
		case 'read':
			await markRead({ userId: user.id, documentId: document.id, upTo: value.upTo })
			result = { ok: true }
			break
	}
	return respond(result)
}
