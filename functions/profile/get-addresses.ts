import { documentClient } from '#shared/clients';
import { requiredEnv } from '#shared/env';
import { jsonResponse } from '#shared/http';
import { apiRoute } from '#shared/middleware';
import { ProfileRepository } from './profile-repository';

const repository = new ProfileRepository(documentClient(), requiredEnv('PROFILE_TABLE_NAME'));

/** GET /profile/addresses: 200 `{addresses}` of the caller (removed ones left out). */
export const handler = apiRoute(async ({ caller, requestId }) => {
  const { addresses } = await repository.load(caller.userId);
  return jsonResponse(200, { addresses }, requestId);
});
