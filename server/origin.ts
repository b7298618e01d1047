/**
 * Where a request comes from, decided once for every way in: the web app's state-changing
 * requests (server/main.ts) and the sync socket's upgrades (server/index.ts). A browser names
 * the page that sent a request in `Origin` and, since 2020, in `Sec-Fetch-Site`; a page on
 * another port of the same host is "same-site" but not same-origin, which SameSite cookies do
 * not stop (ADR 014).
 */

export type RequestHeaders = {
	origin?: string | undefined
	host?: string | undefined
	'sec-fetch-site'?: string | string[] | undefined
}

/**
 * - `own`: a page of this server (or of an origin in ALLOWED_ORIGINS) sent it;
 * - `foreign`: a browser says another page sent it;
 * - `unknown`: no browser headers at all (a script, a command-line client, a very old browser).
 */
export type Provenance = 'own' | 'foreign' | 'unknown'

export function provenanceOf(headers: RequestHeaders, allowedOrigins: readonly string[]): Provenance {
	const origin = headers.origin
	const site = typeof headers['sec-fetch-site'] === 'string' ? headers['sec-fetch-site'] : undefined
	if (origin !== undefined && origin !== '') {
		if (allowedOrigins.some((allowed) => sameOrigin(allowed, origin))) return 'own'
		// "null": a sandboxed frame, a data: URL, a redirect across origins — never our own page.
		if (origin === 'null' || !sameHost(origin, headers.host)) return 'foreign'
		// An Origin naming us from a browser that also says the request crossed sites is not ours
		// (a proxy rewriting Host would make Origin look right).
		return site === 'cross-site' || site === 'same-site' ? 'foreign' : 'own'
	}
	if (site !== undefined) return site === 'same-origin' || site === 'none' ? 'own' : 'foreign'
	return 'unknown'
}

/** Whether a page of `origin` is on the host the request was sent to (a default port written out or not). */
function sameHost(origin: string, host: string | undefined): boolean {
	if (!host) return false
	try {
		const page = new URL(origin)
		return page.host === new URL(`${page.protocol}//${host}`).host
	} catch {
		return false
	}
}

/** Two origins compared as browsers do (case, a trailing slash, a default port do not matter). */
function sameOrigin(a: string, b: string): boolean {
	try {
		return new URL(a).origin === new URL(b).origin
	} catch {
		return false
	}
}

/** Methods that change nothing: browsers may send them from anywhere (links, images). */
export function isSafeMethod(method: string | undefined): boolean {
	return method === 'GET' || method === 'HEAD' || method === 'OPTIONS'
}
