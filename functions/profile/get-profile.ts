import { documentClient } from '#shared/clients';
import { requiredEnv } from '#shared/env';
import { jsonResponse } from '#shared/http';
import { apiRoute } from '#shared/middleware';
import { emailFromEvent, readProfile } from './profile-reads';
import { ProfileRepository } from './profile-repository';

const repository = new ProfileRepository(documentClient(), requiredEnv('PROFILE_TABLE_NAME'));

/** GET /profile: 200 `{userId, email, name, createdAt, addresses, favorites}` of the caller, never anyone else. */
export const handler = apiRoute(async ({ event, caller, requestId }) =>
  jsonResponse(200, await readProfile(caller, emailFromEvent(event), repository), requestId),
);
