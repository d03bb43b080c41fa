import type { APIGatewayProxyEvent } from 'aws-lambda';
import type { Caller } from '#shared/auth';
import type { ProfileItems, ProfileRecord, ProfileRepository } from './profile-repository';

/** `GET /profile` answer. */
export interface ProfileView extends ProfileRecord {
  addresses: ProfileItems['addresses'];
  favorites: ProfileItems['favorites'];
}

/** The e-mail claim the authorizer put in the context ('' when the token had none). */
export function emailFromEvent(event: Pick<APIGatewayProxyEvent, 'requestContext'>): string {
  const email = event.requestContext?.authorizer?.email;
  return typeof email === 'string' ? email : '';
}

/** A display name when Cognito has none: the e-mail's local part. */
export function defaultName(email: string): string {
  return email.split('@')[0] ?? '';
}

/**
 * The caller's profile. Users who never went through sign-up confirmation (created by an admin, like the seeded
 * demo users) have no record from the post-confirmation trigger: the first read creates it from the verified
 * token's claims, conditionally, so it never overwrites one the trigger wrote.
 */
export async function readProfile(
  caller: Caller,
  email: string,
  repository: ProfileRepository,
  now: () => Date = () => new Date(),
): Promise<ProfileView> {
  const items = await repository.load(caller.userId);
  const profile =
    items.profile ??
    (await repository.createProfile(
      { userId: caller.userId, email, name: defaultName(email), createdAt: now().toISOString() },
      'token',
    ));
  return { ...profile, addresses: items.addresses, favorites: items.favorites };
}
