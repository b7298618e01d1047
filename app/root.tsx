import { useEffect } from 'react'
import { Form, Link, Links, Meta, Outlet, Scripts, ScrollRestoration, useRouteLoaderData } from 'react-router'
import type { Route } from './+types/root'
import './app.css'
import { GeneralErrorBoundary } from './components/error-boundary.tsx'
import { getUser, getSessionId } from './utils/auth.server.ts'
import { csrfTokenFor } from './utils/csrf.server.ts'
import { useNonce } from './utils/nonce.ts'

export async function loader({ request }: Route.LoaderArgs) {
	const user = await getUser(request)
	const sessionId = user ? await getSessionId(request.headers.get('Cookie')) : null
	// For clients that send neither Origin nor Sec-Fetch-Site (ADR 014): their changes carry it.
	return { user, csrfToken: sessionId ? csrfTokenFor(sessionId) : null }
}

export const links: Route.LinksFunction = () => [{ rel: 'icon', href: '/favicon.svg', type: 'image/svg+xml' }]

export const meta: Route.MetaFunction = () => [{ title: 'Accord' }]

export function Layout({ children }: { children: React.ReactNode }) {
	const data = useRouteLoaderData<typeof loader>('root')
	const nonce = useNonce()
	return (
		<html lang="en">
			<head>
				<meta charSet="utf-8" />
				<meta name="viewport" content="width=device-width, initial-scale=1" />
				{data?.csrfToken ? <meta name="csrf-token" content={data.csrfToken} /> : null}
				<Meta />
				<Links />
			</head>
			<body className="min-h-screen bg-gray-50 font-sans text-gray-900 antialiased">
				<header className="border-b border-gray-200 bg-white">
					<div className="mx-auto flex max-w-6xl items-center justify-between gap-4 px-6 py-3">
						<Link to="/" className="flex items-center gap-2 text-xl font-bold tracking-tight text-accord-800">
							<span aria-hidden className="inline-block h-6 w-6 rounded bg-accord-700 text-center text-sm leading-6 text-white">A</span>
							Accord
						</Link>
						{data?.user ? (
							<div className="flex items-center gap-4 text-sm">
								<span className="text-gray-700" data-testid="current-user">{data.user.name}</span>
								<Form method="post" action="/logout">
									<button type="submit" className="rounded-md border border-gray-300 px-3 py-1.5 font-medium text-gray-700 hover:bg-gray-50">
										Log out
									</button>
								</Form>
							</div>
						) : null}
					</div>
				</header>
				{children}
				<ScrollRestoration nonce={nonce} />
				<Scripts nonce={nonce} />
			</body>
		</html>
	)
}

export default function App() {
	useEffect(() => {
		// React Router abandons a page load that a newer one replaces (a live page's refresh, a
		// form's own revalidation) and leaves the rejection of its half-read body unhandled
		// (remix-run/react-router#14761). Nothing failed, so nothing is reported; other errors are.
		const quiet = (event: PromiseRejectionEvent) => {
			if (event.reason instanceof DOMException && event.reason.name === 'AbortError') event.preventDefault()
		}
		window.addEventListener('unhandledrejection', quiet)
		return () => window.removeEventListener('unhandledrejection', quiet)
	}, [])
	return <Outlet />
}

export function ErrorBoundary() {
	return <GeneralErrorBoundary />
}
