import { data } from 'react-router'

/** Throws a Response (404, 403…) when the condition fails; narrows the value otherwise. */
export function invariantResponse(
	condition: unknown,
	message: string,
	init: ResponseInit = { status: 400 },
): asserts condition {
	if (!condition) throw data(message, init)
}

/** "3–5 August 2022", in the meeting's own calendar (dates carry no time of day). */
export function formatDateRange(start: Date | string, end: Date | string): string {
	const s = new Date(start)
	const e = new Date(end)
	const day = (d: Date) => d.getUTCDate()
	const month = (d: Date) => d.toLocaleString('en-GB', { month: 'long', timeZone: 'UTC' })
	if (s.getUTCFullYear() === e.getUTCFullYear() && s.getUTCMonth() === e.getUTCMonth()) {
		return s.getTime() === e.getTime()
			? `${day(s)} ${month(s)} ${s.getUTCFullYear()}`
			: `${day(s)}–${day(e)} ${month(s)} ${s.getUTCFullYear()}`
	}
	return `${day(s)} ${month(s)} ${s.getUTCFullYear()} – ${day(e)} ${month(e)} ${e.getUTCFullYear()}`
}

export const DOCUMENT_KIND_LABEL = {
	OUTCOME_STATEMENT: 'Outcome statement',
	ACTION_PLAN: 'Action plan',
	WORK_PLAN: 'Work plan',
} as const

export const FRAMEWORK_LABEL = { ACCSM: 'ACCSM', ACCSM_PLUS_3: 'ACCSM+3' } as const

/**
 * Form text as people meant it: control characters (NUL and the like, which the database
 * refuses and nobody types) are removed, tabs and line breaks kept. Every action parses its
 * form through this first.
 */
export function cleanFormData(formData: FormData): FormData {
	const clean = new FormData()
	// Also the bidirectional overrides and isolates, which make a name read as another.
	for (const [key, value] of formData) clean.append(key, typeof value === 'string' ? value.replace(/[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F\u202A-\u202E\u2066-\u2069]/g, '') : value)
	return clean
}

/** Whether text has anything visible (not only spaces and invisible format characters). */
export function hasVisibleText(text: string): boolean {
	return text.replace(/[\s\p{Cf}]/gu, '') !== ''
}

/**
 * An action's form, cleaned (cleanFormData). A body that is not a form (JSON, garbage) is
 * answered 415 with a sentence, not a server error.
 */
export async function readForm(request: Request): Promise<FormData> {
	try {
		return cleanFormData(await request.formData())
	} catch {
		throw data({ ok: false, error: 'Send this as a form (application/x-www-form-urlencoded or multipart/form-data).' }, { status: 415 })
	}
}

/**
 * The first problem of a form that did not parse, in words: a field's own message, or, for a
 * missing or unknown `intent` (never typed by a person), that the request was not understood.
 */
export function formError(errors: Record<string, string[] | null | undefined> | null | undefined): string {
	for (const [field, messages] of Object.entries(errors ?? {})) {
		if (field === 'intent' || field === '') continue
		const first = messages?.find(Boolean)
		if (first) return first
	}
	return 'That request was not understood.'
}
