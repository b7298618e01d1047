import { redirect } from 'react-router'
import { getUser } from '#app/utils/auth.server.ts'
import type { Route } from './+types/index'

export async function loader({ request }: Route.LoaderArgs) {
	throw redirect((await getUser(request)) ? '/meetings' : '/login')
}
