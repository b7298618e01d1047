/**
 * The one result shape from models to routes: done (with what it produced), or refused with an
 * HTTP status and a sentence for the person. Routes answer it as it is (app/utils/respond.server.ts);
 * the domain's rules give their own reasons with a code (RuleResult), which models turn into this.
 */
export type RefusedStatus = 400 | 401 | 403 | 404 | 409 | 429

export type Refused = { ok: false; status: RefusedStatus; message: string }

export type Result<T extends object = object> = ({ ok: true } & T) | Refused

export const refused = (status: RefusedStatus, message: string): Refused => ({ ok: false, status, message })

/** A domain rule's verdict: allowed, or not with a code and the sentence to show. */
export type RuleResult<Code extends string> = { ok: true } | { ok: false; code: Code; message: string }
