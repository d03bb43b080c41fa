import { randomBytes, scryptSync, timingSafeEqual } from 'node:crypto';
import { AwsError } from '../core/errors.ts';
import type { ResolvedResource } from '../core/types.ts';

export interface PasswordPolicy {
  readonly minimumLength: number;
  readonly requireLowercase: boolean;
  readonly requireUppercase: boolean;
  readonly requireNumbers: boolean;
  readonly requireSymbols: boolean;
  readonly temporaryPasswordValidityDays: number;
}

export interface PoolConfig {
  readonly id: string;
  readonly name: string;
  readonly arn: string;
  readonly passwordPolicy: PasswordPolicy;
  /** `email` / `phone_number` when users sign in with them instead of a user name. */
  readonly usernameAttributes: readonly string[];
  readonly aliasAttributes: readonly string[];
  readonly autoVerifiedAttributes: readonly string[];
  readonly caseSensitive: boolean;
  readonly allowAdminCreateUserOnly: boolean;
  /** Trigger name (PreSignUp, PostConfirmation, PreTokenGeneration, ...) → function ARN. */
  readonly triggers: Readonly<Record<string, string>>;
  /** Attribute names users may have (standard ones and `custom:*` from the schema). */
  readonly attributes: ReadonlySet<string>;
  readonly requiredAttributes: readonly string[];
  readonly schema: readonly Record<string, unknown>[];
  readonly properties: Record<string, unknown>;
  readonly created: Date;
}

export interface ClientConfig {
  readonly id: string;
  readonly poolId: string;
  readonly name: string;
  readonly secret: string | undefined;
  readonly explicitAuthFlows: readonly string[];
  readonly idTokenSeconds: number;
  readonly accessTokenSeconds: number;
  readonly refreshTokenSeconds: number;
  readonly preventUserExistenceErrors: boolean;
  readonly properties: Record<string, unknown>;
  readonly created: Date;
}

export interface GroupConfig {
  readonly name: string;
  readonly poolId: string;
  readonly description?: string;
  readonly precedence?: number;
  readonly roleArn?: string;
  readonly created: Date;
}

export type UserStatus = 'UNCONFIRMED' | 'CONFIRMED' | 'FORCE_CHANGE_PASSWORD' | 'RESET_REQUIRED';

export interface StoredUser {
  username: string;
  attributes: Record<string, string>;
  passwordHash?: string;
  status: UserStatus;
  enabled: boolean;
  created: number; // epoch ms
  modified: number;
  groups: string[];
  confirmationCode?: string;
  /** Sign-in sessions (the tokens' `origin_jti`); GlobalSignOut revokes them. */
  sessions: string[];
}

export const standardAttributes = [
  'sub',
  'name',
  'given_name',
  'family_name',
  'middle_name',
  'nickname',
  'preferred_username',
  'profile',
  'picture',
  'website',
  'email',
  'email_verified',
  'gender',
  'birthdate',
  'zoneinfo',
  'locale',
  'phone_number',
  'phone_number_verified',
  'address',
  'updated_at',
];

const bool = (value: unknown, fallback: boolean): boolean =>
  value === undefined ? fallback : value === true || value === 'true';

/** Triggers the local pool invokes; others fail the start instead of being silently skipped. */
const supportedTriggers = [
  'PreSignUp',
  'PostConfirmation',
  'PreTokenGeneration',
  'PreAuthentication',
  'PostAuthentication',
];
const ignoredTriggerKeys = ['CustomMessage', 'CustomEmailSender', 'CustomSMSSender', 'KMSKeyID'];

export const poolFromResource = (resource: ResolvedResource): PoolConfig => {
  const p = resource.properties;
  const where = `${resource.logicalId} (AWS::Cognito::UserPool)`;
  const policy = (p.Policies?.PasswordPolicy ?? {}) as Record<string, unknown>;
  const triggers: Record<string, string> = {};
  for (const [key, value] of Object.entries((p.LambdaConfig ?? {}) as Record<string, unknown>)) {
    if (key === 'PreTokenGenerationConfig') {
      const lambdaArn = (value as { LambdaArn?: string }).LambdaArn;
      if (lambdaArn) triggers.PreTokenGeneration = lambdaArn;
    } else if (supportedTriggers.includes(key)) {
      triggers[key] = String(value);
    } else if (!ignoredTriggerKeys.includes(key)) {
      throw new Error(`${where}: the ${key} trigger is not supported locally`);
    }
  }
  const schema = Array.isArray(p.Schema) ? (p.Schema as Record<string, unknown>[]) : [];
  const attributes = new Set(standardAttributes);
  const requiredAttributes: string[] = [];
  for (const entry of schema) {
    const name = String(entry.Name);
    const full = standardAttributes.includes(name) ? name : `custom:${name}`;
    attributes.add(full);
    if (bool(entry.Required, false)) requiredAttributes.push(full);
  }
  const id = resource.physicalId;
  return {
    id,
    name: String(p.UserPoolName ?? resource.logicalId),
    arn: resource.attributes.Arn ?? `arn:aws:cognito-idp:${id.split('_')[0]}:000000000000:userpool/${id}`,
    passwordPolicy: {
      minimumLength: Number(policy.MinimumLength ?? 8),
      requireLowercase: bool(policy.RequireLowercase, true),
      requireUppercase: bool(policy.RequireUppercase, true),
      requireNumbers: bool(policy.RequireNumbers, true),
      requireSymbols: bool(policy.RequireSymbols, true),
      temporaryPasswordValidityDays: Number(policy.TemporaryPasswordValidityDays ?? 7),
    },
    usernameAttributes: Array.isArray(p.UsernameAttributes) ? p.UsernameAttributes.map(String) : [],
    aliasAttributes: Array.isArray(p.AliasAttributes) ? p.AliasAttributes.map(String) : [],
    autoVerifiedAttributes: Array.isArray(p.AutoVerifiedAttributes) ? p.AutoVerifiedAttributes.map(String) : [],
    caseSensitive: bool((p.UsernameConfiguration as { CaseSensitive?: unknown } | undefined)?.CaseSensitive, true),
    allowAdminCreateUserOnly: bool(
      (p.AdminCreateUserConfig as { AllowAdminCreateUserOnly?: unknown } | undefined)?.AllowAdminCreateUserOnly,
      false,
    ),
    triggers,
    attributes,
    requiredAttributes,
    schema,
    properties: p,
    created: new Date(),
  };
};

const validitySeconds = (value: unknown, unit: unknown, fallback: number): number => {
  if (value === undefined) return fallback;
  const factor: Record<string, number> = { seconds: 1, minutes: 60, hours: 3600, days: 86400 };
  return Number(value) * (factor[String(unit)] ?? 0);
};

export const clientFromResource = (resource: ResolvedResource): ClientConfig => {
  const p = resource.properties;
  const units = (p.TokenValidityUnits ?? {}) as Record<string, unknown>;
  const refreshUnit = units.RefreshToken ?? 'days';
  return {
    id: resource.physicalId,
    poolId: String(p.UserPoolId),
    name: String(p.ClientName ?? resource.logicalId),
    secret: bool(p.GenerateSecret, false) ? resource.attributes.ClientSecret : undefined,
    explicitAuthFlows: Array.isArray(p.ExplicitAuthFlows)
      ? p.ExplicitAuthFlows.map(String)
      : ['ALLOW_USER_SRP_AUTH', 'ALLOW_CUSTOM_AUTH', 'ALLOW_REFRESH_TOKEN_AUTH'],
    idTokenSeconds: validitySeconds(p.IdTokenValidity, units.IdToken ?? 'hours', 3600),
    accessTokenSeconds: validitySeconds(p.AccessTokenValidity, units.AccessToken ?? 'hours', 3600),
    refreshTokenSeconds: validitySeconds(p.RefreshTokenValidity, refreshUnit, 30 * 86400),
    preventUserExistenceErrors: p.PreventUserExistenceErrors === 'ENABLED',
    properties: p,
    created: new Date(),
  };
};

/** Cognito's InvalidPasswordException messages, checked in its order. */
export const checkPassword = (policy: PasswordPolicy, password: string): void => {
  const fail = (why: string) => {
    throw new AwsError('InvalidPasswordException', `Password did not conform with policy: ${why}`);
  };
  if (password.length < policy.minimumLength) fail('Password not long enough');
  if (policy.requireLowercase && !/[a-z]/.test(password)) fail('Password must have lowercase characters');
  if (policy.requireUppercase && !/[A-Z]/.test(password)) fail('Password must have uppercase characters');
  if (policy.requireNumbers && !/[0-9]/.test(password)) fail('Password must have numeric characters');
  if (policy.requireSymbols && !/[\^$*.[\]{}()?"!@#%&/\\,><':;|_~`=+\- ]/.test(password)) {
    fail('Password must have symbol characters');
  }
};

/** A salted scrypt hash (cheap parameters: this is a local emulator, not a password vault). */
export const hashPassword = (password: string): string => {
  const salt = randomBytes(16);
  const hash = scryptSync(password, salt, 32, { N: 1024 });
  return `${salt.toString('base64')}:${hash.toString('base64')}`;
};

export const passwordMatches = (stored: string | undefined, password: string): boolean => {
  if (!stored) return false;
  const [salt, hash] = stored.split(':');
  if (!salt || !hash) return false;
  const candidate = scryptSync(password, Buffer.from(salt, 'base64'), 32, { N: 1024 });
  return timingSafeEqual(candidate, Buffer.from(hash, 'base64'));
};

/** A temporary password that satisfies the pool's policy. */
export const temporaryPassword = (policy: PasswordPolicy): string => {
  const random = randomBytes(96)
    .toString('base64url')
    .replace(/[^A-Za-z0-9]/g, 'x');
  return `${random.slice(0, Math.max(8, policy.minimumLength - 4))}Aa1!`;
};
