import { documentClient } from '#shared/clients';
import { requiredEnv } from '#shared/env';
import { jsonResponse } from '#shared/http';
import { apiRoute } from '#shared/middleware';
import { ProfileRepository } from './profile-repository';

const repository = new ProfileRepository(documentClient(), requiredEnv('PROFILE_TABLE_NAME'));

/** GET /profile/favorites: 200 `{favorites: [{restaurantId, addedAt}]}`, oldest first. */
export const handler = apiRoute(async ({ caller, requestId }) => {
  const { favorites } = await repository.load(caller.userId);
  return jsonResponse(200, { favorites }, requestId);
});
