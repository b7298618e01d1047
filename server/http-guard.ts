/**
 * What every web response and every state-changing web request goes through, in front of
 * React Router (server/main.ts): the security headers, and the one check that a change comes
 * from Accord's own pages (ADR 014).
 */
import { randomBytes } from 'node:crypto'
import type { NextFunction, Request, Response } from 'express'
import { getSessionId } from '#app/utils/auth.server.ts'
import { isCsrfTokenValid } from '#app/utils/csrf.server.ts'
import { hasKnownDevice } from '#app/utils/known-device.server.ts'
import { addressWait, describeWait } from '#app/utils/rate-limit.server.ts'
import { isSafeMethod, provenanceOf } from './origin.ts'

export const FOREIGN_REQUEST_MESSAGE = 'Refused: this request did not come from Accord’s own pages, so nothing was changed. Reload Accord and try again from there.'

/**
 * Every POST, PUT, PATCH and DELETE — actions, resource routes, logout — is refused with 403
 * unless a page of this origin sent it. A client that sends neither Origin nor Sec-Fetch-Site
 * (no current browser) is let through when it holds no session (nothing of anyone's to abuse:
 * a script logging in) or sends the session's X-CSRF-Token.
 */
export function refuseForeignChanges(allowedOrigins: readonly string[]) {
	return (req: Request, res: Response, next: NextFunction) => {
		if (isSafeMethod(req.method)) return next()
		const provenance = provenanceOf(req.headers, allowedOrigins)
		if (provenance === 'own') return next()
		if (provenance === 'unknown') {
			void getSessionId(req.headers.cookie).then(
				(sessionId) => {
					if (!sessionId || isCsrfTokenValid(sessionId, req.get('x-csrf-token'))) return next()
					refuse(res)
				},
				(error: unknown) => next(error),
			)
			return
		}
		refuse(res)
	}
}

/**
 * The address a request came from: the socket's peer, or behind a reverse proxy that says so
 * (TRUST_PROXY=true) the first address of X-Forwarded-For. Never trusted by default: a client
 * could name any address and escape its login throttle.
 */
export function clientAddress(req: Request, trustProxy: boolean): string {
	const forwarded = trustProxy ? req.headers['x-forwarded-for'] : undefined
	const first = (Array.isArray(forwarded) ? forwarded[0] : forwarded)?.split(',')[0]?.trim()
	return first || req.socket.remoteAddress || 'unknown'
}

/**
 * A login from an address that must wait (app/utils/rate-limit.server.ts) is answered here, before
 * the app reads the form or renders a page: a spray of logins costs the server next to nothing.
 * React Router's own requests (`/login.data`, a page with scripts) go on to the login action,
 * which says the same within the form.
 */
export function throttleLogins(addressOf: (req: Request) => string) {
	return (req: Request, res: Response, next: NextFunction) => {
		if (req.method !== 'POST' || req.path !== '/login') return next()
		const waitMs = addressWait(addressOf(req))
		if (waitMs === 0) return next()
		// A browser that logged in before is judged by the login itself (it does not wait for the address).
		void hasKnownDevice(req.headers.cookie).then(
			(known) => (known ? next() : tooManyLogins(res, waitMs)),
			(error: unknown) => next(error),
		)
	}
}

function tooManyLogins(res: Response, waitMs: number) {
	const message = `Too many failed attempts from this network address. Try again in ${describeWait(waitMs)}.`
	res
		.status(429)
		.set({ 'Retry-After': String(Math.ceil(waitMs / 1000)), 'Cache-Control': 'no-store' })
		.type('html')
		.send(plainPage('Try again shortly · Accord', message, '/login', 'Back to log in'))
}

function refuse(res: Response) {
	res.status(403).set({ 'Cache-Control': 'no-store' })
	// A person whose browser was sent here by another site reads a page; a script, a sentence.
	if (res.req.accepts(['text/plain', 'text/html']) === 'text/html') res.type('html').send(plainPage('Request refused · Accord', FOREIGN_REQUEST_MESSAGE, '/meetings', 'Go to your meetings'))
	else res.type('text/plain').send(FOREIGN_REQUEST_MESSAGE)
}

const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`)

/** A small page of one sentence, in Accord's look, for answers given before the app. */
function plainPage(title: string, message: string, href: string, link: string): string {
	return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>${escapeHtml(title)}</title></head>
<body style="margin:0;font:18px/1.5 system-ui,sans-serif;background:#f9fafb;color:#111827">
<main style="max-width:36rem;margin:4rem auto;padding:2rem;background:#fff;border:1px solid #e5e7eb;border-radius:.5rem">
<p style="margin:0 0 1rem;font-weight:700;color:#1e3a8a">Accord</p><p style="margin:0 0 1.5rem">${escapeHtml(message)}</p>
<a href="${escapeHtml(href)}" style="color:#1d4ed8">${escapeHtml(link)}</a></main></body></html>`
}

/**
 * The headers of every response. In production also a Content-Security-Policy with a fresh
 * nonce per response (React Router's scripts carry it: app/entry.server.tsx): scripts only from
 * this origin or with the nonce, styles from this origin plus inline style attributes (the
 * editor and React set them; ADR 014), fonts and images from this origin, the socket to this
 * host. HSTS when the cookie is HTTPS-only (then the site is served over HTTPS).
 */
export function securityHeaders({ csp, hsts }: { csp: boolean; hsts: boolean }) {
	return (req: Request, res: Response, next: NextFunction) => {
		res.setHeader('X-Content-Type-Options', 'nosniff')
		res.setHeader('Referrer-Policy', 'same-origin')
		res.setHeader('X-Frame-Options', 'DENY')
		if (hsts) res.setHeader('Strict-Transport-Security', 'max-age=31536000')
		if (csp) {
			const nonce = randomBytes(16).toString('base64')
			res.locals.cspNonce = nonce
			res.setHeader('Content-Security-Policy', contentSecurityPolicy(nonce, req.headers.host))
		}
		next()
	}
}

export function contentSecurityPolicy(nonce: string, host: string | undefined): string {
	// 'self' covers ws: and wss: of this host in CSP 3; named too, for browsers before it.
	const socket = host && /^[a-z0-9.:[\]-]+$/i.test(host) ? ` ws://${host} wss://${host}` : ''
	return [
		"default-src 'self'",
		`script-src 'self' 'nonce-${nonce}'`,
		"style-src 'self' 'unsafe-inline'",
		"img-src 'self' data:",
		"font-src 'self'",
		`connect-src 'self'${socket}`,
		"object-src 'none'",
		"base-uri 'self'",
		"form-action 'self'",
		"frame-ancestors 'none'",
	].join('; ')
}
