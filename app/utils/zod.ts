import { z } from 'zod'

/**
 * Zod, set up once before any schema is made (every module that makes one imports z from here,
 * so this runs first): no compiled parsers. Zod probes for them with `new Function`, which the
 * Content-Security-Policy forbids and Chromium reports as a violation even though Zod catches it
 * (ADR 014); the parsers without it are as correct.
 */
z.config({ jitless: true })

export { z }
