import { Link } from 'react-router'
import { DELEGATION_ROLE_LABEL } from '#app/domain/delegations.ts'
import { listMeetingsForUser } from '#app/models/meeting.server.ts'
import { requireUser } from '#app/utils/auth.server.ts'
import { formatDateRange, FRAMEWORK_LABEL } from '#app/utils/misc.ts'
import type { Route } from './+types/meetings'

export async function loader({ request }: Route.LoaderArgs) {
	const user = await requireUser(request)
	return { meetings: await listMeetingsForUser({ userId: user.id }) }
}

export const meta: Route.MetaFunction = () => [{ title: 'Your meetings · Accord' }]

export default function MeetingsPage({ loaderData: { meetings } }: Route.ComponentProps) {
	return (
		<main className="mx-auto max-w-6xl px-6 py-10">
			<h1 className="text-3xl font-bold">Your meetings</h1>
			{meetings.length === 0 ? (
				<p className="mt-6 rounded-lg border border-dashed border-gray-300 bg-white p-8 text-gray-600">
					You are not in any delegation yet. The Secretariat adds delegates to meetings; ask them to add you.
				</p>
			) : (
				<ul className="mt-6 grid gap-4">
					{meetings.map((meeting) => (
						<li key={meeting.id}>
							<Link
								to={`/meetings/${meeting.slug}`}
								className="block rounded-lg border border-gray-200 bg-white p-6 shadow-sm hover:border-accord-700 focus:border-accord-700 focus:outline-none"
							>
								<div className="flex flex-wrap items-baseline justify-between gap-2">
									<h2 className="text-2xl font-semibold text-accord-800">{meeting.shortTitle}</h2>
									<span className="text-gray-600">
										{meeting.city} · {formatDateRange(meeting.startsOn, meeting.endsOn)}
									</span>
								</div>
								<p className="mt-1 text-lg text-gray-800">{meeting.title}</p>
								<p className="mt-3 text-sm text-gray-600">
									{FRAMEWORK_LABEL[meeting.framework]} · Chair: {meeting.chairStateCode} · {meeting._count.delegations} delegations ·{' '}
									{meeting._count.documents} documents · You: {meeting.delegation.code}, {DELEGATION_ROLE_LABEL[meeting.delegation.role].toLowerCase()}
								</p>
							</Link>
						</li>
					))}
				</ul>
			)}
		</main>
	)
}
