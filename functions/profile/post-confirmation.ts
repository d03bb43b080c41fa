import type { PostConfirmationTriggerEvent } from 'aws-lambda';
import { documentClient } from '#shared/clients';
import { requiredEnv } from '#shared/env';
import { instrumented } from '#shared/middleware';
import { logger } from '#shared/powertools';
import { defaultName } from './profile-reads';
import { ProfileRepository } from './profile-repository';

/**
 * Creates the profile record of a user who just confirmed their sign-up (name and e-mail from the user's
 * attributes). Conditional, so Cognito's retries and a record created earlier from a token are left alone. A
 * password-reset confirmation fires the same trigger and is ignored.
 */
export async function createProfileOnConfirmation(
  event: PostConfirmationTriggerEvent,
  repository: ProfileRepository,
  now: () => Date = () => new Date(),
): Promise<PostConfirmationTriggerEvent> {
  if (event.triggerSource !== 'PostConfirmation_ConfirmSignUp') return event;
  const attributes = event.request.userAttributes;
  const userId = attributes.sub ?? event.userName;
  const email = attributes.email ?? '';
  await repository.createProfile(
    { userId, email, name: attributes.name || defaultName(email), createdAt: now().toISOString() },
    'sign-up',
  );
  logger.info('Profile created on sign-up confirmation', { userId });
  return event;
}

const repository = new ProfileRepository(documentClient(), requiredEnv('PROFILE_TABLE_NAME'));

/** `PostConfirmation`: the user pool's trigger; it must return the event for Cognito to go on. */
export const handler = instrumented<PostConfirmationTriggerEvent, PostConfirmationTriggerEvent>((event) =>
  createProfileOnConfirmation(event, repository),
);
