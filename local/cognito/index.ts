import { createHmac, randomBytes, randomInt, randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { AwsError } from '../core/errors.ts';
import type { Cloud, LocalContext, ResolvedResource, Route, Service, ServiceFactory } from '../core/types.ts';
import {
  type ClientConfig,
  checkPassword,
  clientFromResource,
  type GroupConfig,
  hashPassword,
  type PoolConfig,
  passwordMatches,
  poolFromResource,
  type StoredUser,
  temporaryPassword,
} from './model.ts';
import { loadSigningKey, type SigningKey, signJwt, verifyJwt } from './tokens.ts';

/** The Cognito service plus the hooks tests and the console use. */
export interface CognitoService extends Service {
  /**
   * The confirmation code last issued to a user by SignUp (also written to the log at info level). Local pools
   * accept exactly this code, so a wrong one answers CodeMismatchException as Cognito does.
   */
  confirmationCode(userPoolId: string, username: string): string | undefined;
}

interface PoolState {
  users: Record<string, StoredUser>;
  refreshTokens: Record<string, { clientId: string; username: string; expires: number; session: string }>;
  revokedSessions: string[];
}

interface Pool {
  config: PoolConfig;
  clients: Map<string, ClientConfig>;
  groups: Map<string, GroupConfig>;
  state: PoolState;
}

type Input = Record<string, any>;
type AttributeList = { Name: string; Value: string }[];

/** Sign-in sessions kept per user (older ones lose their refresh token, like a device limit). */
const maxSessionsPerUser = 50;
/** Revoked sessions remembered (access tokens live an hour by default; older entries no longer matter). */
const maxRevokedSessions = 5000;

const seconds = (ms: number) => ms / 1000;
const nowSeconds = () => Math.floor(Date.now() / 1000);

const notFound = (what: string) => new AwsError('ResourceNotFoundException', what);
const userNotFound = () => new AwsError('UserNotFoundException', 'User does not exist.');
const badCredentials = () => new AwsError('NotAuthorizedException', 'Incorrect username or password.');

const attributeList = (attributes: Record<string, string>, only?: readonly string[]): AttributeList =>
  Object.entries(attributes)
    .filter(([name]) => !only || only.includes(name))
    .map(([Name, Value]) => ({ Name, Value }));

const maskedEmail = (email: string): string => {
  const [local = '', domain = ''] = email.split('@');
  return `${local.slice(0, 1)}***@${domain.slice(0, 1)}***`;
};

class LocalCognito {
  readonly pools = new Map<string, Pool>();
  private readonly clients = new Map<string, ClientConfig>();
  private readonly challenges = new Map<
    string,
    { poolId: string; clientId: string; username: string; expires: number }
  >();
  private key: SigningKey | undefined;

  constructor(
    private readonly ctx: LocalContext,
    private readonly cloud: Cloud,
  ) {}

  signingKey(): SigningKey {
    this.key ??= loadSigningKey(this.ctx.dataDir);
    return this.key;
  }

  private file(poolId: string): string | undefined {
    return this.ctx.dataDir ? path.join(this.ctx.dataDir, 'cognito', `${poolId}.json`) : undefined;
  }

  private save(pool: Pool): void {
    const file = this.file(pool.config.id);
    if (!file) return;
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(`${file}.tmp`, JSON.stringify(pool.state));
    fs.renameSync(`${file}.tmp`, file);
  }

  private load(poolId: string): PoolState {
    const file = this.file(poolId);
    if (file && fs.existsSync(file)) return JSON.parse(fs.readFileSync(file, 'utf8')) as PoolState;
    return { users: {}, refreshTokens: {}, revokedSessions: [] };
  }

  provision(resources: readonly ResolvedResource[]): void {
    for (const resource of resources) {
      if (resource.type !== 'AWS::Cognito::UserPool') continue;
      const config = poolFromResource(resource);
      if (!/^[\w-]+_[0-9a-zA-Z]+$/.test(config.id)) {
        this.ctx.log.warn(`User pool id ${config.id} is not shaped like <region>_<id>; aws-jwt-verify will refuse it`);
      }
      this.pools.set(config.id, { config, clients: new Map(), groups: new Map(), state: this.load(config.id) });
    }
    for (const resource of resources) {
      const p = resource.properties;
      if (resource.type === 'AWS::Cognito::UserPoolClient') {
        const client = clientFromResource(resource);
        this.pool(client.poolId).clients.set(client.id, client);
        this.clients.set(client.id, client);
      } else if (resource.type === 'AWS::Cognito::UserPoolGroup') {
        const pool = this.pool(String(p.UserPoolId));
        pool.groups.set(resource.physicalId, {
          name: resource.physicalId,
          poolId: pool.config.id,
          description: p.Description,
          precedence: p.Precedence === undefined ? undefined : Number(p.Precedence),
          roleArn: p.RoleArn,
          created: new Date(),
        });
      }
    }
    for (const resource of resources) {
      const p = resource.properties;
      if (resource.type === 'AWS::Cognito::UserPoolUser') {
        const pool = this.pool(String(p.UserPoolId));
        if (!this.findUser(pool, String(p.Username ?? resource.physicalId))) {
          this.createUser(
            pool,
            String(p.Username ?? resource.physicalId),
            (p.UserAttributes ?? []) as AttributeList,
            'FORCE_CHANGE_PASSWORD',
          );
          this.save(pool);
        }
      } else if (resource.type === 'AWS::Cognito::UserPoolUserToGroupAttachment') {
        const pool = this.pool(String(p.UserPoolId));
        const user = this.findUser(pool, String(p.Username));
        if (user && !user.groups.includes(String(p.GroupName))) {
          user.groups.push(String(p.GroupName));
          this.save(pool);
        }
      }
    }
  }

  pool(id: unknown): Pool {
    const pool = this.pools.get(String(id));
    if (!pool) throw notFound(`User pool ${String(id)} does not exist.`);
    return pool;
  }

  client(id: unknown): { client: ClientConfig; pool: Pool } {
    const client = this.clients.get(String(id));
    if (!client) throw notFound(`User pool client ${String(id)} does not exist.`);
    return { client, pool: this.pool(client.poolId) };
  }

  private key_(pool: Pool, username: string): string {
    return pool.config.caseSensitive ? username : username.toLowerCase();
  }

  /** Find by user name, by `sub`, or by e-mail/phone when the pool signs in with them. */
  findUser(pool: Pool, name: string): StoredUser | undefined {
    const direct = pool.state.users[this.key_(pool, name)];
    if (direct) return direct;
    const lookups = [...pool.config.usernameAttributes, ...pool.config.aliasAttributes, 'sub'];
    const lower = name.toLowerCase();
    return Object.values(pool.state.users).find((user) =>
      lookups.some((attribute) => user.attributes[attribute]?.toLowerCase() === lower),
    );
  }

  requireUser(pool: Pool, name: unknown): StoredUser {
    const user = this.findUser(pool, String(name ?? ''));
    if (!user) throw userNotFound();
    return user;
  }

  private checkAttributes(pool: Pool, attributes: Record<string, string>): void {
    for (const name of Object.keys(attributes)) {
      if (!pool.config.attributes.has(name)) {
        throw new AwsError(
          'InvalidParameterException',
          `Attributes did not conform to the schema: ${name}: Attribute does not exist in the schema.`,
        );
      }
    }
  }

  createUser(
    pool: Pool,
    username: string,
    list: AttributeList,
    status: StoredUser['status'],
    password?: string,
  ): StoredUser {
    const attributes: Record<string, string> = {};
    for (const { Name, Value } of list) attributes[Name] = String(Value);
    delete attributes.sub;
    this.checkAttributes(pool, attributes);
    const sub = randomUUID();
    let name = username;
    const signInAttribute = pool.config.usernameAttributes.find((a) =>
      a === 'email' ? username.includes('@') : /^\+\d+$/.test(username),
    );
    if (pool.config.usernameAttributes.length) {
      if (!signInAttribute) {
        const expected = pool.config.usernameAttributes.includes('email') ? 'an email' : 'a phone number';
        throw new AwsError('InvalidParameterException', `Username should be ${expected}.`);
      }
      attributes[signInAttribute] = username;
      name = sub;
    }
    if (this.findUser(pool, username) || (signInAttribute && this.findUser(pool, attributes[signInAttribute] ?? ''))) {
      throw new AwsError(
        'UsernameExistsException',
        signInAttribute ? `An account with the given ${signInAttribute} already exists.` : 'User already exists',
      );
    }
    const now = Date.now();
    const user: StoredUser = {
      username: name,
      attributes: { sub, ...attributes },
      ...(password ? { passwordHash: hashPassword(password) } : {}),
      status,
      enabled: true,
      created: now,
      modified: now,
      groups: [],
      sessions: [],
    };
    pool.state.users[this.key_(pool, name)] = user;
    return user;
  }

  async trigger(
    pool: Pool,
    name: string,
    source: string,
    user: StoredUser,
    request: Record<string, unknown>,
    clientId?: string,
  ): Promise<Record<string, any>> {
    const functionArn = pool.config.triggers[name];
    if (!functionArn) return {};
    const event = {
      version: '1',
      region: this.ctx.region,
      userPoolId: pool.config.id,
      userName: user.username,
      callerContext: { awsSdkVersion: 'aws-sdk-unknown-unknown', clientId: clientId ?? 'CLIENT_ID_NOT_APPLICABLE' },
      triggerSource: source,
      request: { userAttributes: { ...user.attributes, 'cognito:user_status': user.status }, ...request },
      response: {},
    };
    const answer = await this.cloud.call<{ FunctionError?: string; Payload: string }>(
      'lambda',
      'Invoke',
      { FunctionName: functionArn, InvocationType: 'RequestResponse', Payload: JSON.stringify(event) },
      'cognito-idp',
    );
    const payload = answer.Payload ? JSON.parse(answer.Payload) : null;
    if (answer.FunctionError) {
      throw new AwsError(
        'UserLambdaValidationException',
        `${name} failed with error ${payload?.errorMessage ?? 'unknown'}.`,
      );
    }
    return (payload?.response ?? {}) as Record<string, any>;
  }

  checkSecretHash(client: ClientConfig, username: string, secretHash: unknown): void {
    if (!client.secret) return;
    const expected = createHmac('sha256', client.secret)
      .update(username + client.id)
      .digest('base64');
    if (secretHash !== expected) {
      throw new AwsError(
        'NotAuthorizedException',
        `Client ${client.id} is configured with secret but SECRET_HASH was not received`,
      );
    }
  }

  issueConfirmationCode(pool: Pool, user: StoredUser): string {
    const code = String(randomInt(0, 1_000_000)).padStart(6, '0');
    user.confirmationCode = code;
    this.ctx.log.info(
      `Cognito confirmation code for ${user.attributes.email ?? user.username} in ${pool.config.id}: ${code}`,
    );
    return code;
  }

  /** ID, access and refresh tokens for a signed-in user (the refresh token is omitted on refresh). */
  async tokens(
    pool: Pool,
    client: ClientConfig,
    user: StoredUser,
    source: 'Authentication' | 'RefreshTokens',
    session?: string,
  ) {
    const iat = nowSeconds();
    const originJti = session ?? randomUUID();
    const eventId = randomUUID();
    const iss = `https://cognito-idp.${this.ctx.region}.amazonaws.com/${pool.config.id}`;
    let groups = [...user.groups].sort(
      (a, b) =>
        (pool.groups.get(a)?.precedence ?? Number.MAX_SAFE_INTEGER) -
        (pool.groups.get(b)?.precedence ?? Number.MAX_SAFE_INTEGER),
    );
    const idAttributes: Record<string, unknown> = {};
    for (const [name, value] of Object.entries(user.attributes)) {
      idAttributes[name] = name.endsWith('_verified') ? value === 'true' : value;
    }
    let addClaims: Record<string, unknown> = {};
    let suppress: string[] = [];
    if (pool.config.triggers.PreTokenGeneration) {
      const response = await this.trigger(
        pool,
        'PreTokenGeneration',
        `TokenGeneration_${source}`,
        user,
        { groupConfiguration: { groupsToOverride: groups, iamRolesToOverride: [], preferredRole: null } },
        client.id,
      );
      const details = response.claimsOverrideDetails ?? {};
      addClaims = details.claimsToAddOrOverride ?? {};
      suppress = details.claimsToSuppress ?? [];
      if (Array.isArray(details.groupOverrideDetails?.groupsToOverride))
        groups = details.groupOverrideDetails.groupsToOverride;
    }
    const groupClaim = groups.length ? { 'cognito:groups': groups } : {};
    const idClaims: Record<string, unknown> = {
      ...idAttributes,
      ...groupClaim,
      iss,
      'cognito:username': user.username,
      origin_jti: originJti,
      aud: client.id,
      event_id: eventId,
      token_use: 'id',
      auth_time: iat,
      exp: iat + client.idTokenSeconds,
      iat,
      jti: randomUUID(),
      ...addClaims,
    };
    for (const claim of suppress) delete idClaims[claim];
    const accessClaims = {
      sub: user.attributes.sub,
      ...groupClaim,
      iss,
      client_id: client.id,
      origin_jti: originJti,
      event_id: eventId,
      token_use: 'access',
      scope: 'aws.cognito.signin.user.admin',
      auth_time: iat,
      exp: iat + client.accessTokenSeconds,
      iat,
      jti: randomUUID(),
      username: user.username,
    };
    const key = this.signingKey();
    const result: Record<string, unknown> = {
      AccessToken: signJwt(key, accessClaims),
      ExpiresIn: client.accessTokenSeconds,
      TokenType: 'Bearer',
      IdToken: signJwt(key, idClaims),
    };
    if (source === 'Authentication') {
      const refreshToken = randomBytes(96).toString('base64url');
      pool.state.refreshTokens[refreshToken] = {
        clientId: client.id,
        username: user.username,
        expires: Date.now() + client.refreshTokenSeconds * 1000,
        session: originJti,
      };
      user.sessions.push(originJti);
      result.RefreshToken = refreshToken;
      this.prune(pool, user);
      this.save(pool);
    }
    return result;
  }

  /** USER_PASSWORD_AUTH / ADMIN_USER_PASSWORD_AUTH / REFRESH_TOKEN_AUTH. */
  async authenticate(
    pool: Pool,
    client: ClientConfig,
    flow: string,
    parameters: Record<string, string>,
    admin: boolean,
  ) {
    const allowed = (flow_: string) =>
      client.explicitAuthFlows.includes(`ALLOW_${flow_}`) || client.explicitAuthFlows.includes(flow_);
    if (flow === 'REFRESH_TOKEN_AUTH' || flow === 'REFRESH_TOKEN') {
      const stored = pool.state.refreshTokens[parameters.REFRESH_TOKEN ?? ''];
      if (!stored || stored.clientId !== client.id || stored.expires < Date.now()) {
        throw new AwsError('NotAuthorizedException', 'Invalid Refresh Token');
      }
      const user = this.findUser(pool, stored.username);
      if (!user?.enabled) throw new AwsError('NotAuthorizedException', 'Invalid Refresh Token');
      return {
        AuthenticationResult: await this.tokens(pool, client, user, 'RefreshTokens', stored.session),
        ChallengeParameters: {},
      };
    }
    const passwordFlow = admin ? ['ADMIN_USER_PASSWORD_AUTH', 'ADMIN_NO_SRP_AUTH'] : ['USER_PASSWORD_AUTH'];
    if (!passwordFlow.includes(flow)) {
      throw new AwsError('InvalidParameterException', `${flow} is not supported by the local user pool`);
    }
    if (
      !allowed(admin ? 'ADMIN_USER_PASSWORD_AUTH' : 'USER_PASSWORD_AUTH') &&
      !(admin && allowed('ADMIN_NO_SRP_AUTH'))
    ) {
      throw new AwsError('InvalidParameterException', `${flow} flow not enabled for this client`);
    }
    const username = parameters.USERNAME ?? '';
    const user = this.findUser(pool, username);
    if (!user) throw client.preventUserExistenceErrors ? badCredentials() : userNotFound();
    this.checkSecretHash(client, username, parameters.SECRET_HASH);
    if (!user.enabled) throw new AwsError('NotAuthorizedException', 'User is disabled.');
    await this.trigger(
      pool,
      'PreAuthentication',
      'PreAuthentication_Authentication',
      user,
      { validationData: {} },
      client.id,
    );
    if (!passwordMatches(user.passwordHash, parameters.PASSWORD ?? '')) throw badCredentials();
    if (user.status === 'UNCONFIRMED') throw new AwsError('UserNotConfirmedException', 'User is not confirmed.');
    if (user.status === 'FORCE_CHANGE_PASSWORD') {
      const session = randomBytes(48).toString('base64url');
      this.challenges.set(session, {
        poolId: pool.config.id,
        clientId: client.id,
        username: user.username,
        expires: Date.now() + 180_000,
      });
      const { sub: _sub, ...visible } = user.attributes;
      return {
        ChallengeName: 'NEW_PASSWORD_REQUIRED',
        Session: session,
        ChallengeParameters: {
          USER_ID_FOR_SRP: user.username,
          requiredAttributes: '[]',
          userAttributes: JSON.stringify(visible),
        },
      };
    }
    const result = await this.tokens(pool, client, user, 'Authentication');
    await this.trigger(
      pool,
      'PostAuthentication',
      'PostAuthentication_Authentication',
      user,
      { newDeviceUsed: false },
      client.id,
    );
    return { AuthenticationResult: result, ChallengeParameters: {} };
  }

  async respondToChallenge(input: Input) {
    const { client, pool } = this.client(input.ClientId);
    const challenge = this.challenges.get(String(input.Session ?? ''));
    if (!challenge || challenge.clientId !== client.id || challenge.expires < Date.now()) {
      throw new AwsError('NotAuthorizedException', 'Invalid session for the user, session is expired.');
    }
    if (input.ChallengeName !== 'NEW_PASSWORD_REQUIRED') {
      throw new AwsError('InvalidParameterException', `${input.ChallengeName} is not supported by the local user pool`);
    }
    const responses = (input.ChallengeResponses ?? {}) as Record<string, string>;
    const user = this.requireUser(pool, challenge.username);
    checkPassword(pool.config.passwordPolicy, responses.NEW_PASSWORD ?? '');
    for (const [name, value] of Object.entries(responses)) {
      if (name.startsWith('userAttributes.')) user.attributes[name.slice('userAttributes.'.length)] = value;
    }
    user.passwordHash = hashPassword(responses.NEW_PASSWORD ?? '');
    user.status = 'CONFIRMED';
    user.modified = Date.now();
    this.challenges.delete(String(input.Session));
    return { AuthenticationResult: await this.tokens(pool, client, user, 'Authentication'), ChallengeParameters: {} };
  }

  /** The user an access token belongs to; NotAuthorizedException when it is invalid, expired or revoked. */
  userOfAccessToken(token: unknown): { pool: Pool; user: StoredUser; claims: Record<string, unknown> } {
    const claims = verifyJwt(this.signingKey(), String(token ?? ''));
    if (claims?.token_use !== 'access') throw new AwsError('NotAuthorizedException', 'Invalid Access Token');
    if (Number(claims.exp) < nowSeconds()) throw new AwsError('NotAuthorizedException', 'Access Token has expired');
    const pool = this.pool(String(claims.iss).split('/').pop());
    if (pool.state.revokedSessions.includes(String(claims.origin_jti))) {
      throw new AwsError('NotAuthorizedException', 'Access Token has been revoked');
    }
    const user = this.findUser(pool, String(claims.username));
    if (!user) throw userNotFound();
    return { pool, user, claims };
  }

  /** Keep the stored sessions bounded: expired refresh tokens go, and a user keeps the newest sessions only. */
  private prune(pool: Pool, user: StoredUser): void {
    const now = Date.now();
    for (const [token, stored] of Object.entries(pool.state.refreshTokens)) {
      if (stored.expires < now) delete pool.state.refreshTokens[token];
    }
    if (user.sessions.length <= maxSessionsPerUser) return;
    const dropped = new Set(user.sessions.splice(0, user.sessions.length - maxSessionsPerUser));
    for (const [token, stored] of Object.entries(pool.state.refreshTokens)) {
      if (dropped.has(stored.session)) delete pool.state.refreshTokens[token];
    }
  }

  signOut(pool: Pool, user: StoredUser): void {
    pool.state.revokedSessions.push(...user.sessions);
    pool.state.revokedSessions.splice(0, Math.max(0, pool.state.revokedSessions.length - maxRevokedSessions));
    user.sessions = [];
    for (const [token, stored] of Object.entries(pool.state.refreshTokens)) {
      if (stored.username === user.username) delete pool.state.refreshTokens[token];
    }
    this.save(pool);
  }

  deleteUser(pool: Pool, user: StoredUser): void {
    const key = Object.keys(pool.state.users).find((k) => pool.state.users[k] === user);
    if (key) delete pool.state.users[key];
    this.signOut(pool, user);
  }

  persist(pool: Pool): void {
    this.save(pool);
  }
}

const userView = (user: StoredUser, attributeKey: 'Attributes' | 'UserAttributes' = 'Attributes') => ({
  Username: user.username,
  [attributeKey]: attributeList(user.attributes),
  UserCreateDate: seconds(user.created),
  UserLastModifiedDate: seconds(user.modified),
  Enabled: user.enabled,
  UserStatus: user.status,
});

const groupView = (group: GroupConfig) => ({
  GroupName: group.name,
  UserPoolId: group.poolId,
  ...(group.description ? { Description: group.description } : {}),
  ...(group.precedence !== undefined ? { Precedence: group.precedence } : {}),
  ...(group.roleArn ? { RoleArn: group.roleArn } : {}),
  CreationDate: seconds(group.created.getTime()),
  LastModifiedDate: seconds(group.created.getTime()),
});

const page = <T>(items: T[], token: unknown, limit: unknown, max = 60): { items: T[]; next?: string } => {
  const start = typeof token === 'string' && token ? Number(token) : 0;
  const size = Math.min(Number(limit ?? max) || max, max);
  const slice = items.slice(start, start + size);
  return start + size < items.length ? { items: slice, next: String(start + size) } : { items: slice };
};

/** `attribute = "value"` and `attribute ^= "value"` filters of ListUsers. */
const userFilter = (filter: unknown): ((user: StoredUser) => boolean) => {
  if (typeof filter !== 'string' || !filter.trim()) return () => true;
  const match = /^\s*([\w:]+)\s*(\^?=)\s*"(.*)"\s*$/.exec(filter);
  if (!match) throw new AwsError('InvalidParameterException', 'Error while parsing filter.');
  const [, attribute = '', operator, value = ''] = match;
  const read = (user: StoredUser): string | undefined => {
    if (attribute === 'username') return user.username;
    if (attribute === 'cognito:user_status') return user.status;
    if (attribute === 'status') return user.enabled ? 'Enabled' : 'Disabled';
    return user.attributes[attribute];
  };
  return (user) => {
    const actual = read(user);
    if (actual === undefined) return false;
    return operator === '=' ? actual === value : actual.startsWith(value);
  };
};

/** The local Cognito user pools service (the subset the app and common tools use; see the support matrix). */
export const createCognitoService: ServiceFactory = (ctx, cloud) => {
  const cognito = new LocalCognito(ctx, cloud);

  const adminUser = (input: Input) => {
    const pool = cognito.pool(input.UserPoolId);
    return { pool, user: cognito.requireUser(pool, input.Username) };
  };

  /** Admin and self-service attribute updates: only attributes of the pool's schema, never `sub`. */
  const updateAttributes = (pool: Pool, user: StoredUser, attributes: AttributeList): void => {
    for (const { Name, Value } of attributes) {
      if (!pool.config.attributes.has(Name) || Name === 'sub') {
        throw new AwsError(
          'InvalidParameterException',
          `Attributes did not conform to the schema: ${Name}: Attribute does not exist in the schema.`,
        );
      }
      user.attributes[Name] = String(Value);
    }
    user.modified = Date.now();
    cognito.persist(pool);
  };

  const confirm = async (pool: ReturnType<LocalCognito['pool']>, user: StoredUser, clientId?: string) => {
    user.status = 'CONFIRMED';
    user.confirmationCode = undefined;
    if (user.attributes.email && pool.config.autoVerifiedAttributes.includes('email'))
      user.attributes.email_verified = 'true';
    user.modified = Date.now();
    cognito.persist(pool);
    await cognito.trigger(
      pool,
      'PostConfirmation',
      'PostConfirmation_ConfirmSignUp',
      user,
      { clientMetadata: {} },
      clientId,
    );
  };

  const operations: Record<string, (input: Input) => Promise<unknown>> = {
    SignUp: async (input) => {
      const { client, pool } = cognito.client(input.ClientId);
      if (pool.config.allowAdminCreateUserOnly)
        throw new AwsError('NotAuthorizedException', 'SignUp is not permitted for this user pool');
      cognito.checkSecretHash(client, String(input.Username), input.SecretHash);
      checkPassword(pool.config.passwordPolicy, String(input.Password ?? ''));
      const user = cognito.createUser(
        pool,
        String(input.Username ?? ''),
        input.UserAttributes ?? [],
        'UNCONFIRMED',
        String(input.Password),
      );
      for (const required of pool.config.requiredAttributes) {
        if (user.attributes[required] === undefined) {
          delete pool.state.users[user.username];
          throw new AwsError(
            'InvalidParameterException',
            `Attributes did not conform to the schema: ${required}: The attribute is required`,
          );
        }
      }
      try {
        const response = await cognito.trigger(
          pool,
          'PreSignUp',
          'PreSignUp_SignUp',
          user,
          { validationData: {}, clientMetadata: input.ClientMetadata ?? {} },
          client.id,
        );
        if (response.autoVerifyEmail && user.attributes.email) user.attributes.email_verified = 'true';
        if (response.autoVerifyPhone && user.attributes.phone_number) user.attributes.phone_number_verified = 'true';
        if (response.autoConfirmUser) {
          await confirm(pool, user, client.id);
          return { UserConfirmed: true, UserSub: user.attributes.sub };
        }
      } catch (error) {
        if (user.status === 'UNCONFIRMED') delete pool.state.users[user.username];
        throw error;
      }
      cognito.issueConfirmationCode(pool, user);
      cognito.persist(pool);
      const email = user.attributes.email;
      return {
        UserConfirmed: false,
        UserSub: user.attributes.sub,
        CodeDeliveryDetails: email
          ? { Destination: maskedEmail(email), DeliveryMedium: 'EMAIL', AttributeName: 'email' }
          : { Destination: '+*******', DeliveryMedium: 'SMS', AttributeName: 'phone_number' },
      };
    },
    ConfirmSignUp: async (input) => {
      const { client, pool } = cognito.client(input.ClientId);
      const user = cognito.requireUser(pool, input.Username);
      cognito.checkSecretHash(client, String(input.Username), input.SecretHash);
      if (user.status !== 'UNCONFIRMED') {
        throw new AwsError('NotAuthorizedException', `User cannot be confirmed. Current status is ${user.status}`);
      }
      if (!user.confirmationCode || input.ConfirmationCode !== user.confirmationCode) {
        throw new AwsError('CodeMismatchException', 'Invalid verification code provided, please try again.');
      }
      await confirm(pool, user, client.id);
      return {};
    },
    ResendConfirmationCode: async (input) => {
      const { pool } = cognito.client(input.ClientId);
      const user = cognito.requireUser(pool, input.Username);
      cognito.issueConfirmationCode(pool, user);
      cognito.persist(pool);
      return {
        CodeDeliveryDetails: {
          Destination: maskedEmail(user.attributes.email ?? ''),
          DeliveryMedium: 'EMAIL',
          AttributeName: 'email',
        },
      };
    },
    AdminConfirmSignUp: async (input) => {
      const { pool, user } = adminUser(input);
      if (user.status !== 'UNCONFIRMED') {
        throw new AwsError('NotAuthorizedException', `User cannot be confirmed. Current status is ${user.status}`);
      }
      await confirm(pool, user);
      return {};
    },
    AdminCreateUser: async (input) => {
      const pool = cognito.pool(input.UserPoolId);
      const password = input.TemporaryPassword
        ? String(input.TemporaryPassword)
        : temporaryPassword(pool.config.passwordPolicy);
      checkPassword(pool.config.passwordPolicy, password);
      const user = cognito.createUser(
        pool,
        String(input.Username ?? ''),
        input.UserAttributes ?? [],
        'FORCE_CHANGE_PASSWORD',
        password,
      );
      try {
        await cognito.trigger(pool, 'PreSignUp', 'PreSignUp_AdminCreateUser', user, {
          validationData: {},
          clientMetadata: input.ClientMetadata ?? {},
        });
      } catch (error) {
        delete pool.state.users[user.username];
        throw error;
      }
      if (!input.TemporaryPassword && input.MessageAction !== 'SUPPRESS') {
        ctx.log.info(
          `Cognito temporary password for ${user.attributes.email ?? user.username} in ${pool.config.id}: ${password}`,
        );
      }
      cognito.persist(pool);
      return { User: userView(user) };
    },
    AdminSetUserPassword: async (input) => {
      const { pool, user } = adminUser(input);
      checkPassword(pool.config.passwordPolicy, String(input.Password ?? ''));
      user.passwordHash = hashPassword(String(input.Password));
      user.status = input.Permanent ? 'CONFIRMED' : 'FORCE_CHANGE_PASSWORD';
      user.modified = Date.now();
      cognito.persist(pool);
      return {};
    },
    AdminUpdateUserAttributes: async (input) => {
      const { pool, user } = adminUser(input);
      updateAttributes(pool, user, (input.UserAttributes ?? []) as AttributeList);
      return {};
    },
    AdminDisableUser: async (input) => {
      const { pool, user } = adminUser(input);
      user.enabled = false;
      cognito.persist(pool);
      return {};
    },
    AdminEnableUser: async (input) => {
      const { pool, user } = adminUser(input);
      user.enabled = true;
      cognito.persist(pool);
      return {};
    },
    InitiateAuth: async (input) => {
      const { client, pool } = cognito.client(input.ClientId);
      return cognito.authenticate(pool, client, String(input.AuthFlow), input.AuthParameters ?? {}, false);
    },
    AdminInitiateAuth: async (input) => {
      const { client, pool } = cognito.client(input.ClientId);
      if (pool.config.id !== input.UserPoolId) throw notFound(`User pool client ${client.id} does not exist.`);
      return cognito.authenticate(pool, client, String(input.AuthFlow), input.AuthParameters ?? {}, true);
    },
    RespondToAuthChallenge: (input) => cognito.respondToChallenge(input),
    AdminRespondToAuthChallenge: (input) => cognito.respondToChallenge(input),
    GetUser: async (input) => {
      const { user } = cognito.userOfAccessToken(input.AccessToken);
      return { Username: user.username, UserAttributes: attributeList(user.attributes), MFAOptions: [] };
    },
    ChangePassword: async (input) => {
      const { pool, user } = cognito.userOfAccessToken(input.AccessToken);
      if (!passwordMatches(user.passwordHash, String(input.PreviousPassword ?? ''))) throw badCredentials();
      checkPassword(pool.config.passwordPolicy, String(input.ProposedPassword ?? ''));
      user.passwordHash = hashPassword(String(input.ProposedPassword));
      user.modified = Date.now();
      cognito.persist(pool);
      return {};
    },
    UpdateUserAttributes: async (input) => {
      const { pool, user } = cognito.userOfAccessToken(input.AccessToken);
      updateAttributes(pool, user, (input.UserAttributes ?? []) as AttributeList);
      return { CodeDeliveryDetailsList: [] };
    },
    DeleteUser: async (input) => {
      const { pool, user } = cognito.userOfAccessToken(input.AccessToken);
      cognito.deleteUser(pool, user);
      return {};
    },
    ForgotPassword: async (input) => {
      const { client, pool } = cognito.client(input.ClientId);
      const user = cognito.requireUser(pool, input.Username);
      cognito.checkSecretHash(client, String(input.Username), input.SecretHash);
      cognito.issueConfirmationCode(pool, user);
      cognito.persist(pool);
      const email = user.attributes.email ?? '';
      return {
        CodeDeliveryDetails: { Destination: maskedEmail(email), DeliveryMedium: 'EMAIL', AttributeName: 'email' },
      };
    },
    ConfirmForgotPassword: async (input) => {
      const { client, pool } = cognito.client(input.ClientId);
      const user = cognito.requireUser(pool, input.Username);
      cognito.checkSecretHash(client, String(input.Username), input.SecretHash);
      if (!user.confirmationCode || input.ConfirmationCode !== user.confirmationCode) {
        throw new AwsError('CodeMismatchException', 'Invalid verification code provided, please try again.');
      }
      checkPassword(pool.config.passwordPolicy, String(input.Password ?? ''));
      user.passwordHash = hashPassword(String(input.Password));
      user.confirmationCode = undefined;
      if (user.status === 'RESET_REQUIRED' || user.status === 'FORCE_CHANGE_PASSWORD') user.status = 'CONFIRMED';
      user.modified = Date.now();
      cognito.persist(pool);
      return {};
    },
    GlobalSignOut: async (input) => {
      const { pool, user } = cognito.userOfAccessToken(input.AccessToken);
      cognito.signOut(pool, user);
      return {};
    },
    AdminUserGlobalSignOut: async (input) => {
      const { pool, user } = adminUser(input);
      cognito.signOut(pool, user);
      return {};
    },
    AdminGetUser: async (input) => {
      const { user } = adminUser(input);
      return { ...userView(user, 'UserAttributes'), MFAOptions: [] };
    },
    AdminDeleteUser: async (input) => {
      const { pool, user } = adminUser(input);
      cognito.deleteUser(pool, user);
      return {};
    },
    ListUsers: async (input) => {
      const pool = cognito.pool(input.UserPoolId);
      const matches = Object.values(pool.state.users).filter(userFilter(input.Filter));
      const { items, next } = page(matches, input.PaginationToken, input.Limit);
      const only =
        Array.isArray(input.AttributesToGet) && input.AttributesToGet.length ? input.AttributesToGet : undefined;
      return {
        Users: items.map((user) => ({ ...userView(user), Attributes: attributeList(user.attributes, only) })),
        ...(next ? { PaginationToken: next } : {}),
      };
    },
    AdminAddUserToGroup: async (input) => {
      const { pool, user } = adminUser(input);
      if (!pool.groups.has(String(input.GroupName))) throw notFound('Group not found.');
      if (!user.groups.includes(String(input.GroupName))) user.groups.push(String(input.GroupName));
      cognito.persist(pool);
      return {};
    },
    AdminRemoveUserFromGroup: async (input) => {
      const { pool, user } = adminUser(input);
      if (!pool.groups.has(String(input.GroupName))) throw notFound('Group not found.');
      user.groups = user.groups.filter((g) => g !== input.GroupName);
      cognito.persist(pool);
      return {};
    },
    AdminListGroupsForUser: async (input) => {
      const { pool, user } = adminUser(input);
      const groups = user.groups.map((name) => pool.groups.get(name)).filter((g): g is GroupConfig => !!g);
      const { items, next } = page(groups, input.NextToken, input.Limit);
      return { Groups: items.map(groupView), ...(next ? { NextToken: next } : {}) };
    },
    ListGroups: async (input) => {
      const pool = cognito.pool(input.UserPoolId);
      const { items, next } = page([...pool.groups.values()], input.NextToken, input.Limit);
      return { Groups: items.map(groupView), ...(next ? { NextToken: next } : {}) };
    },
    GetGroup: async (input) => {
      const group = cognito.pool(input.UserPoolId).groups.get(String(input.GroupName));
      if (!group) throw notFound('Group not found.');
      return { Group: groupView(group) };
    },
    ListUsersInGroup: async (input) => {
      const pool = cognito.pool(input.UserPoolId);
      if (!pool.groups.has(String(input.GroupName))) throw notFound('Group not found.');
      const members = Object.values(pool.state.users).filter((u) => u.groups.includes(String(input.GroupName)));
      const { items, next } = page(members, input.NextToken, input.Limit);
      return { Users: items.map((u) => userView(u)), ...(next ? { NextToken: next } : {}) };
    },
    ListUserPools: async (input) => {
      const pools = [...cognito.pools.values()];
      const { items, next } = page(pools, input.NextToken, input.MaxResults);
      return {
        UserPools: items.map((p) => ({
          Id: p.config.id,
          Name: p.config.name,
          LambdaConfig: p.config.properties.LambdaConfig ?? {},
          CreationDate: seconds(p.config.created.getTime()),
          LastModifiedDate: seconds(p.config.created.getTime()),
        })),
        ...(next ? { NextToken: next } : {}),
      };
    },
    DescribeUserPool: async (input) => {
      const pool = cognito.pool(input.UserPoolId);
      const c = pool.config;
      const p = c.properties;
      return {
        UserPool: {
          Id: c.id,
          Name: c.name,
          Arn: c.arn,
          Policies: {
            PasswordPolicy: {
              MinimumLength: c.passwordPolicy.minimumLength,
              RequireUppercase: c.passwordPolicy.requireUppercase,
              RequireLowercase: c.passwordPolicy.requireLowercase,
              RequireNumbers: c.passwordPolicy.requireNumbers,
              RequireSymbols: c.passwordPolicy.requireSymbols,
              TemporaryPasswordValidityDays: c.passwordPolicy.temporaryPasswordValidityDays,
            },
          },
          LambdaConfig: p.LambdaConfig ?? {},
          SchemaAttributes: [...c.attributes].map((name) => ({
            Name: name,
            AttributeDataType: 'String',
            Mutable: name !== 'sub',
            Required: c.requiredAttributes.includes(name),
          })),
          ...(c.usernameAttributes.length ? { UsernameAttributes: c.usernameAttributes } : {}),
          ...(c.aliasAttributes.length ? { AliasAttributes: c.aliasAttributes } : {}),
          AutoVerifiedAttributes: c.autoVerifiedAttributes,
          UsernameConfiguration: { CaseSensitive: c.caseSensitive },
          AdminCreateUserConfig: { AllowAdminCreateUserOnly: c.allowAdminCreateUserOnly },
          MfaConfiguration: p.MfaConfiguration ?? 'OFF',
          EstimatedNumberOfUsers: Object.keys(pool.state.users).length,
          CreationDate: seconds(c.created.getTime()),
          LastModifiedDate: seconds(c.created.getTime()),
        },
      };
    },
    ListUserPoolClients: async (input) => {
      const pool = cognito.pool(input.UserPoolId);
      const { items, next } = page([...pool.clients.values()], input.NextToken, input.MaxResults);
      return {
        UserPoolClients: items.map((c) => ({ ClientId: c.id, UserPoolId: c.poolId, ClientName: c.name })),
        ...(next ? { NextToken: next } : {}),
      };
    },
    DescribeUserPoolClient: async (input) => {
      const pool = cognito.pool(input.UserPoolId);
      const client = pool.clients.get(String(input.ClientId));
      if (!client) throw notFound(`User pool client ${String(input.ClientId)} does not exist.`);
      return {
        UserPoolClient: {
          UserPoolId: client.poolId,
          ClientName: client.name,
          ClientId: client.id,
          ...(client.secret ? { ClientSecret: client.secret } : {}),
          ExplicitAuthFlows: client.explicitAuthFlows,
          AccessTokenValidity: client.accessTokenSeconds,
          IdTokenValidity: client.idTokenSeconds,
          RefreshTokenValidity: client.refreshTokenSeconds,
          TokenValidityUnits: { AccessToken: 'seconds', IdToken: 'seconds', RefreshToken: 'seconds' },
          PreventUserExistenceErrors: client.preventUserExistenceErrors ? 'ENABLED' : 'LEGACY',
          CreationDate: seconds(client.created.getTime()),
          LastModifiedDate: seconds(client.created.getTime()),
        },
      };
    },
  };

  const jwks: Route = {
    method: 'GET',
    path: '/{userPoolId}/.well-known/jwks.json',
    handle: async (_req, params) => {
      if (!cognito.pools.has(params.userPoolId ?? '')) {
        return {
          status: 404,
          headers: { 'content-type': 'application/json' },
          body: '{"message":"User pool not found"}',
        };
      }
      return {
        status: 200,
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ keys: [cognito.signingKey().jwk] }),
      };
    },
  };
  const openidConfiguration: Route = {
    method: 'GET',
    path: '/{userPoolId}/.well-known/openid-configuration',
    handle: async (_req, params) => {
      const id = params.userPoolId ?? '';
      if (!cognito.pools.has(id)) return { status: 404, body: '' };
      const issuer = `https://cognito-idp.${ctx.region}.amazonaws.com/${id}`;
      return {
        status: 200,
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          issuer,
          jwks_uri: `${ctx.endpoint.replace(/\/$/, '')}/${id}/.well-known/jwks.json`,
          id_token_signing_alg_values_supported: ['RS256'],
          subject_types_supported: ['public'],
          response_types_supported: ['code', 'token'],
        }),
      };
    },
  };

  const service: CognitoService = {
    name: 'cognito-idp',
    protocol: 'json1.1',
    targetPrefix: 'AWSCognitoIdentityProviderService',
    operations,
    routes: [jwks, openidConfiguration],
    resourceTypes: [
      'AWS::Cognito::UserPool',
      'AWS::Cognito::UserPoolClient',
      'AWS::Cognito::UserPoolGroup',
      'AWS::Cognito::UserPoolUser',
      'AWS::Cognito::UserPoolUserToGroupAttachment',
      'AWS::Cognito::UserPoolDomain',
    ],
    provision: async (resources) => cognito.provision(resources),
    info: (): Record<string, string> => {
      const ids = [...cognito.pools.keys()];
      return ids.length ? { userPoolJwks: `${ctx.endpoint.replace(/\/$/, '')}/${ids[0]}/.well-known/jwks.json` } : {};
    },
    confirmationCode: (poolId, username) => {
      const pool = cognito.pools.get(poolId);
      return pool ? cognito.findUser(pool, username)?.confirmationCode : undefined;
    },
  };
  return service;
};
