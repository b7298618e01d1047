import { createContext, useContext } from 'react'

/**
 * The Content-Security-Policy nonce of this response (server/http-guard.ts), for the scripts
 * React Router renders. Empty in the browser: it reads nonces from the page, never from here.
 */
export const NonceContext = createContext('')

export const useNonce = () => useContext(NonceContext)
