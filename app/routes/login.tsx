import { getFormProps, getInputProps, useForm } from '@conform-to/react'
import { getZodConstraint, parseWithZod } from '@conform-to/zod/v4'
import { data, Form, useActionData, useNavigation, useSearchParams } from 'react-router'
import { z } from '#app/utils/zod.ts'
import { DELEGATION_KIND_LABEL } from '#app/domain/delegations.ts'
import { listDemoAccounts } from '#app/models/demo.server.ts'
import { verifyLogin } from '#app/models/user.server.ts'
import { login, requireAnonymous, safeRedirect } from '#app/utils/auth.server.ts'
import { isKnownDevice, rememberDevice } from '#app/utils/known-device.server.ts'
import { HashingBusyError } from '#app/utils/password.server.ts'
import { describeWait, loginWait, recordLoginFailure, recordLoginSuccess } from '#app/utils/rate-limit.server.ts'
import { DEMO_PASSWORD } from '#prisma/seed-data.ts'
import type { Route } from './+types/login'

const LoginSchema = z.object({
	email: z.email('Enter an email address like vnm.head@example.org').max(254),
	password: z.string('Enter your password').min(1, 'Enter your password').max(200),
	redirectTo: z.string().optional(),
})

export async function loader({ request }: Route.LoaderArgs) {
	await requireAnonymous(request)
	const accounts = await listDemoAccounts()
	return { demo: accounts.length > 0 ? { password: DEMO_PASSWORD, accounts } : null }
}

export async function action({ request, context }: Route.ActionArgs) {
	const formData = await request.formData()
	const cookieHeader = request.headers.get('Cookie')
	const address = context?.clientAddress ?? 'unknown'
	let busy = false
	let throttledMs = 0
	const submission = await parseWithZod(formData, {
		schema: LoginSchema.transform(async (value, ctx) => {
			const knownDevice = await isKnownDevice(cookieHeader, value.email)
			const wait = loginWait({ email: value.email, address, knownDevice })
			if (wait) {
				throttledMs = wait.waitMs
				const what = wait.reason === 'account' ? 'this account' : 'this network address'
				ctx.addIssue({ code: 'custom', message: `Too many failed attempts for ${what}. Try again in ${describeWait(wait.waitMs)}.` })
				return z.NEVER
			}
			let user: Awaited<ReturnType<typeof verifyLogin>>
			try {
				// A browser that logged in to this account before goes ahead of a spray in the queue.
				user = await verifyLogin(value, { priority: knownDevice })
			} catch (error) {
				if (!(error instanceof HashingBusyError)) throw error
				busy = true
				ctx.addIssue({ code: 'custom', message: 'Many people are logging in at this moment. Try again in a few seconds.' })
				return z.NEVER
			}
			if (!user) {
				recordLoginFailure({ email: value.email, address, knownDevice })
				ctx.addIssue({ code: 'custom', message: 'That email and password do not match an account.' })
				return z.NEVER
			}
			recordLoginSuccess({ email: value.email, address })
			return { ...value, user }
		}),
		async: true,
	})
	if (submission.status !== 'success') {
		// Throttled attempts are answered at once, with when to come back (429, 503), never queued.
		const retryAfter = busy ? 3 : throttledMs > 0 ? Math.ceil(throttledMs / 1000) : 0
		const status = busy ? 503 : throttledMs > 0 ? 429 : 400
		return data({ result: submission.reply({ hideFields: ['password'] }) }, { status, headers: retryAfter ? { 'Retry-After': String(retryAfter) } : undefined })
	}
	return login({
		userId: submission.value.user.id,
		redirectTo: safeRedirect(submission.value.redirectTo),
		setCookies: [await rememberDevice(cookieHeader, submission.value.email)],
	})
}

export const meta: Route.MetaFunction = () => [{ title: 'Log in · Accord' }]

export default function LoginPage({ loaderData }: Route.ComponentProps) {
	const actionData = useActionData<typeof action>()
	const [searchParams] = useSearchParams()
	const redirectTo = searchParams.get('redirectTo') ?? '/meetings'
	const navigation = useNavigation()
	const busy = navigation.state !== 'idle' && navigation.formAction === '/login' + (searchParams.size ? `?${searchParams}` : '')
	const [form, fields] = useForm({
		id: 'login',
		lastResult: actionData?.result,
		constraint: getZodConstraint(LoginSchema),
		shouldRevalidate: 'onBlur',
		onValidate: ({ formData }) => parseWithZod(formData, { schema: LoginSchema }),
	})
	return (
		<main className="mx-auto grid max-w-6xl gap-10 px-6 py-12 lg:grid-cols-[24rem_1fr]">
			<section>
				<h1 className="text-3xl font-bold">Log in</h1>
				<p className="mt-2 text-gray-600">Live drafting for multilateral meetings.</p>
				<Form method="post" className="mt-8 space-y-5" {...getFormProps(form)}>
					<input type="hidden" name="redirectTo" value={redirectTo} />
					<div>
						<label htmlFor={fields.email.id} className="block font-medium">Email</label>
						<input
							{...getInputProps(fields.email, { type: 'email' })}
							autoComplete="username"
							autoFocus
							className="mt-1 w-full rounded-md border border-gray-300 px-3 py-2 text-lg focus:border-accord-700 focus:ring-2 focus:ring-accord-700/30 focus:outline-none"
						/>
						<FieldError id={fields.email.errorId} errors={fields.email.errors} />
					</div>
					<div>
						<label htmlFor={fields.password.id} className="block font-medium">Password</label>
						<input
							{...getInputProps(fields.password, { type: 'password' })}
							autoComplete="current-password"
							className="mt-1 w-full rounded-md border border-gray-300 px-3 py-2 text-lg focus:border-accord-700 focus:ring-2 focus:ring-accord-700/30 focus:outline-none"
						/>
						<FieldError id={fields.password.errorId} errors={fields.password.errors} />
					</div>
					<FieldError id={form.errorId} errors={form.errors} />
					<button
						type="submit"
						disabled={busy}
						className="w-full rounded-md bg-accord-700 px-4 py-2.5 text-lg font-semibold text-white hover:bg-accord-800 disabled:opacity-60"
					>
						{busy ? 'Logging in…' : 'Log in'}
					</button>
				</Form>
			</section>
			{loaderData.demo ? <DemoAccounts demo={loaderData.demo} redirectTo={redirectTo} /> : null}
		</main>
	)
}

function FieldError({ id, errors }: { id: string; errors?: string[] }) {
	if (!errors?.length) return null
	return (
		<p id={id} role="alert" className="mt-1 text-sm font-medium text-red-700">
			{errors.join(' ')}
		</p>
	)
}

function DemoAccounts({
	demo,
	redirectTo,
}: {
	demo: NonNullable<Awaited<ReturnType<typeof loader>>['demo']>
	redirectTo: string
}) {
	return (
		<section aria-labelledby="demo-accounts" className="rounded-lg border border-amber-200 bg-amber-50 p-5">
			<h2 id="demo-accounts" className="text-lg font-semibold">Demo accounts (ACCSM 21, Ha Noi)</h2>
			<p className="mt-1 text-sm text-gray-700">
				Every demo account has the password <code className="rounded bg-white px-1.5 py-0.5 font-mono">{demo.password}</code>.
				Choose one to log in at once.
			</p>
			<ul className="mt-4 grid max-h-[32rem] gap-1 overflow-y-auto pr-1 sm:grid-cols-2">
				{demo.accounts.map((account) => (
					<li key={account.email}>
						<Form method="post">
							<input type="hidden" name="email" value={account.email} />
							<input type="hidden" name="password" value={demo.password} />
							<input type="hidden" name="redirectTo" value={redirectTo} />
							<button type="submit" className="w-full rounded-md px-2 py-1.5 text-left hover:bg-white focus:bg-white">
								<span className="font-mono text-xs font-bold text-accord-800">{account.delegation.code}</span>{' '}
								<span className="font-medium">{account.name}</span>
								<span className="block text-xs text-gray-600">
									{account.email} · {account.role === 'HEAD' && account.delegation.kind !== 'OBSERVER' && account.delegation.kind !== 'SECRETARIAT' ? 'Head of delegation' : account.role === 'DELEGATE' ? 'Delegate' : account.role === 'ADVISER' ? 'Adviser (suggests changes)' : DELEGATION_KIND_LABEL[account.delegation.kind]}
								</span>
							</button>
						</Form>
					</li>
				))}
			</ul>
		</section>
	)
}
