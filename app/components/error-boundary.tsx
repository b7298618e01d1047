import { isRouteErrorResponse, Link, useRouteError } from 'react-router'

const MESSAGES: Record<number, { title: string; body: string }> = {
	400: { title: 'That request did not make sense', body: 'Something in the request was not valid. Go back and try again.' },
	401: { title: 'Please log in', body: 'You need to be logged in to see this page.' },
	403: { title: 'Not open to your delegation', body: 'Your delegation does not take part in this meeting or document. If you think it should, ask the Secretariat.' },
	404: { title: 'Page not found', body: 'There is no meeting or document at this address. It may have been moved, or the link may be incomplete.' },
	500: { title: 'Something went wrong on our side', body: 'Nothing you typed in a document is lost. Reload the page in a moment; if it keeps happening, tell the Secretariat.' },
}

export function GeneralErrorBoundary() {
	const error = useRouteError()
	const status = isRouteErrorResponse(error) ? error.status : 500
	const known = MESSAGES[status] ?? MESSAGES[500]!
	const detail = isRouteErrorResponse(error) && typeof error.data === 'string' && status < 500 ? error.data : null
	if (!isRouteErrorResponse(error)) console.error(error)
	return (
		<main className="mx-auto max-w-2xl px-6 py-20">
			<p className="text-sm font-semibold tracking-wide text-accord-700 uppercase">Error {status}</p>
			<h1 className="mt-2 text-3xl font-bold text-gray-900">{known.title}</h1>
			<p className="mt-4 text-lg text-gray-700">{known.body}</p>
			{detail && detail !== known.title ? <p className="mt-2 text-gray-600">{detail}</p> : null}
			<div className="mt-8 flex gap-4">
				<Link to="/meetings" className="rounded-md bg-accord-700 px-4 py-2 font-semibold text-white hover:bg-accord-800">
					Your meetings
				</Link>
				<Link to="/login" className="rounded-md border border-gray-300 px-4 py-2 font-semibold text-gray-800 hover:bg-gray-50">
					Log in
				</Link>
			</div>
		</main>
	)
}
