import { parseWithZod } from '@conform-to/zod/v4'
import { data, Form, Link, useActionData } from 'react-router'
import { z } from '#app/utils/zod.ts'
import { GeneralErrorBoundary } from '#app/components/error-boundary.tsx'
import { delegationColor, DELEGATION_KIND_LABEL, DELEGATION_ROLE_LABEL } from '#app/domain/delegations.ts'
import { finalTitle } from '#app/domain/adoption.ts'
import { getDocumentAccess } from '#app/domain/permissions.ts'
import { canAuthoriseAnswer } from '#app/domain/revisions.ts'
import { getMeetingForUser, getMembership, setMayAnswer } from '#app/models/meeting.server.ts'
import { requireUser } from '#app/utils/auth.server.ts'
import { DOCUMENT_KIND_LABEL, formatDateRange, FRAMEWORK_LABEL, formError, invariantResponse, readForm } from '#app/utils/misc.ts'
import type { Route } from './+types/meeting'

export async function loader({ request, params }: Route.LoaderArgs) {
	const user = await requireUser(request)
	const found = await getMeetingForUser({ slug: params.meetingSlug, userId: user.id })
	invariantResponse(found, 'No meeting at this address', { status: 404 })
	if (!found.participation) throw data('Your delegation does not take part in this meeting', { status: 403 })
	const access = getDocumentAccess(found.participation, found.meeting)
	return { meeting: found.meeting, participation: found.participation, access }
}

const AuthoriseSchema = z.object({
	memberId: z.string({ error: 'Say which member.' }).trim().min(1, 'Say which member.').max(64),
	mayAnswer: z.enum(['true', 'false'], { error: 'Say whether they may answer: true or false.' }),
})

/** The head of a member state's delegation authorises a delegate to answer calls for approval. */
export async function action({ request, params }: Route.ActionArgs) {
	const user = await requireUser(request)
	const found = await getMeetingForUser({ slug: params.meetingSlug, userId: user.id })
	invariantResponse(found, 'No meeting at this address', { status: 404 })
	const submission = parseWithZod(await readForm(request), { schema: AuthoriseSchema })
	if (submission.status !== 'success') return data({ error: formError(submission.error) }, { status: 400 })
	const { memberId, mayAnswer } = submission.value
	const member = await getMembership({ memberId })
	if (!member || member.delegation.meetingId !== found.meeting.id) return data({ error: 'No such member of this meeting.' }, { status: 404 })
	if (!found.participation || !canAuthoriseAnswer(found.participation, member)) {
		return data({ error: 'Only the head of the delegation authorises its delegates to answer calls for approval.' }, { status: 403 })
	}
	await setMayAnswer({ memberId, mayAnswer: mayAnswer === 'true' })
	return data({ error: null })
}

export const meta: Route.MetaFunction = ({ data }) => [{ title: data ? `${data.meeting.shortTitle} · Accord` : 'Meeting · Accord' }]

export default function MeetingPage({ loaderData: { meeting, participation, access } }: Route.ComponentProps) {
	const result = useActionData<typeof action>()
	return (
		<main className="mx-auto max-w-6xl px-6 py-10">
			<nav className="text-sm text-gray-600">
				<Link to="/meetings" className="hover:underline">Your meetings</Link> / {meeting.shortTitle}
			</nav>
			<h1 className="mt-2 text-3xl font-bold">{meeting.title}</h1>
			<p className="mt-1 text-lg text-gray-700">
				{meeting.city} · {formatDateRange(meeting.startsOn, meeting.endsOn)} · {FRAMEWORK_LABEL[meeting.framework]} · Chair:{' '}
				{meeting.chair.name}
			</p>

			{result?.error ? <p role="alert" className="mt-4 rounded-md border border-red-300 bg-red-50 px-4 py-2 text-red-900">{result.error}</p> : null}
			<div className="mt-8 grid gap-8 lg:grid-cols-[1fr_22rem]">
				<section aria-labelledby="documents">
					<h2 id="documents" className="text-xl font-semibold">Documents</h2>
					{meeting.documents.length === 0 ? (
						<p className="mt-3 rounded-lg border border-dashed border-gray-300 bg-white p-6 text-gray-600">No documents have been circulated yet.</p>
					) : (
						<ul className="mt-3 grid gap-3">
							{meeting.documents.map((doc) => (
								<li key={doc.id}>
									<Link
										to={`/documents/${doc.slug}`}
										className="block rounded-lg border border-gray-200 bg-white p-5 shadow-sm hover:border-accord-700 focus:border-accord-700 focus:outline-none"
									>
										<span className="text-xs font-semibold tracking-wide text-gray-500 uppercase">{DOCUMENT_KIND_LABEL[doc.kind]}</span>
										<span className="mt-1 block text-lg font-semibold text-accord-800">{doc.adoptedRevisionId ? finalTitle(doc.title) : doc.title}</span>
										<span className="mt-1 block text-sm text-gray-600">
											{doc.adoptedRevisionId ? 'Adopted: the text is final' : access === 'edit' ? 'You can edit' : access === 'suggest' ? 'You can suggest changes' : 'Read only for your delegation'}
										</span>
									</Link>
								</li>
							))}
						</ul>
					)}
				</section>

				<section aria-labelledby="delegations">
					<h2 id="delegations" className="text-xl font-semibold">Delegations ({meeting.delegations.length})</h2>
					<p className="mt-1 text-sm text-gray-600">
						You are in the delegation of {participation.delegationCode} as {DELEGATION_ROLE_LABEL[participation.role].toLowerCase()}.
					</p>
					<ul className="mt-3 divide-y divide-gray-200 rounded-lg border border-gray-200 bg-white">
						{meeting.delegations.map((d) => (
							<li key={d.id} className="px-4 py-3" data-testid={`delegation-${d.code}`}>
								<div className="flex items-center gap-2">
									<span aria-hidden className="inline-block h-3 w-3 rounded-full" style={{ backgroundColor: delegationColor(d.code) }} />
									<span className="font-mono text-sm font-bold">{d.code}</span>
									<span className="font-medium">{d.name}</span>
									{meeting.chairStateCode === d.stateCode ? (
										<span className="rounded bg-accord-50 px-1.5 py-0.5 text-xs font-semibold text-accord-800">Chair</span>
									) : null}
								</div>
								<p className="mt-0.5 text-xs text-gray-600">
									{DELEGATION_KIND_LABEL[d.kind]}
									{d.members.length > 0 ? ' · ' : ''}
									{d.members.map((m) => `${m.user.name} (${m.role === 'HEAD' ? 'head' : m.role === 'ADVISER' ? 'adviser' : 'delegate'}${m.mayAnswer ? ', answers approvals' : ''})`).join(', ')}
								</p>
								{participation.role === 'HEAD' && participation.delegationId === d.id && d.kind === 'MEMBER'
									? d.members
											.filter((m) => m.role === 'DELEGATE')
											.map((m) => (
												<Form method="post" key={m.id} className="mt-1 text-xs">
													<input type="hidden" name="memberId" value={m.id} />
													<input type="hidden" name="mayAnswer" value={m.mayAnswer ? 'false' : 'true'} />
													<button className="text-accord-700 underline">
														{m.mayAnswer ? `Stop ${m.user.name} answering calls for approval` : `Authorise ${m.user.name} to answer calls for approval`}
													</button>
												</Form>
											))
									: null}
							</li>
						))}
					</ul>
				</section>
			</div>
		</main>
	)
}

export function ErrorBoundary() {
	return <GeneralErrorBoundary />
}
