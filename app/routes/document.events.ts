import { EVENT_STREAM_HEARTBEAT_MS, EVENT_STREAM_RETRY_MS, MAX_EVENT_STREAM_BACKLOG, RECHECK_ACCESS_MS } from '#app/domain/constants.ts'
import { documentAccess } from '#app/utils/permissions.server.ts'
import { subscribeDocumentEvents } from '#app/utils/document-events.server.ts'
import { onAccessChanged, onSessionEnded } from '#app/utils/session-events.server.ts'
import type { Route } from './+types/document.events'

/**
 * `GET /documents/<slug>/events`: a Server-Sent Events stream of the document's notices (a
 * position recorded, an answer to a call for approval, a revision issued), for pages that show
 * them without a sync socket (docs/decisions/011-event-streams.md). Each event's data is
 * `{ "type": …, "summary": … }`; the page refetches what it shows. Errors are plain statuses,
 * which make a browser's EventSource stop instead of retrying: 401 not logged in, 403 no access,
 * 404 no document, 429 too many streams for this person, 503 too many in all.
 */
export async function loader({ request, params }: Route.LoaderArgs) {
	const access = await documentAccess(request, params.slug)
	if (!access.ok) return plain(access.message, access.status)
	const { user, context } = access

	const encoder = new TextEncoder()
	let stop = () => {}
	let refused: 'too-many' | 'too-many-for-user' | null = null
	const body = new ReadableStream<Uint8Array>({
		start(controller) {
			const send = (text: string) => {
				// A reader that stopped reading (a frozen tab) is let go rather than queued for without end.
				if ((controller.desiredSize ?? 0) < -MAX_EVENT_STREAM_BACKLOG) return stop()
				try {
					controller.enqueue(encoder.encode(text))
				} catch {
					stop()
				}
			}
			const subscription = subscribeDocumentEvents(context.document.id, user.id, (notice) => send(`data: ${JSON.stringify(notice)}\n\n`))
			if (!subscription.ok) {
				refused = subscription.reason
				return
			}
			const heartbeat = setInterval(() => send(': still here\n\n'), EVENT_STREAM_HEARTBEAT_MS)
			// Logged out (here or elsewhere), or no longer in the meeting: end the stream, as the sync
			// server closes such sockets (server/access-watch.ts). The page then stops listening.
			const recheck = () =>
				void documentAccess(request, params.slug).then(
					(now) => (!now.ok ? stop() : undefined),
					(error: unknown) => console.warn('[events] re-checking a stream failed (kept open):', (error as Error).message),
				)
			const stopSessions = onSessionEnded((ended) => ended.userId === user.id && recheck())
			const stopAccess = onAccessChanged((meetingId) => meetingId === context.meeting.id && recheck())
			const stopListening = () => {
				stopSessions()
				stopAccess()
			}
			const rechecker = setInterval(recheck, RECHECK_ACCESS_MS)
			stop = () => {
				stop = () => {}
				subscription.unsubscribe()
				stopListening()
				clearInterval(heartbeat)
				clearInterval(rechecker)
				request.signal.removeEventListener('abort', stop)
				try {
					controller.close()
				} catch {
					// Already closed by the reader going away.
				}
			}
			request.signal.addEventListener('abort', stop)
			send(`retry: ${EVENT_STREAM_RETRY_MS}\n: listening to ${context.document.slug}\n\n`)
		},
		cancel() {
			stop()
		},
	})
	if (refused === 'too-many-for-user') return plain('Too many open event streams for one person; the page refreshes itself instead', 429)
	if (refused === 'too-many') return plain('Too many open event streams; the page refreshes itself instead', 503)
	return new Response(body, {
		headers: {
			'Content-Type': 'text/event-stream; charset=utf-8',
			'Cache-Control': 'no-store',
			// Proxies (nginx) must pass each event on as it comes.
			'X-Accel-Buffering': 'no',
		},
	})
}

function plain(message: string, status: number) {
	return new Response(message, { status, headers: { 'Content-Type': 'text/plain; charset=utf-8', 'Cache-Control': 'no-store' } })
}
