/** What server/main.ts hands every loader and action besides the request. */
declare module 'react-router' {
	interface AppLoadContext {
		/** The address the request came from (the socket's peer, or X-Forwarded-For with TRUST_PROXY=true). */
		clientAddress?: string
		/** This response's Content-Security-Policy nonce (production only). */
		cspNonce?: string
	}
}

export {}
