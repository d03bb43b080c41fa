import {
  createHash,
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  type KeyObject,
  sign,
  verify,
} from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

/** One RS256 signing key of a local cloud, with the JWK that the JWKS route publishes. */
export interface SigningKey {
  readonly kid: string;
  readonly privateKey: KeyObject;
  readonly publicKey: KeyObject;
  readonly jwk: { kty: 'RSA'; alg: 'RS256'; use: 'sig'; kid: string; n: string; e: string };
}

const keyFromPem = (privatePem: string): SigningKey => {
  const publicKey = createPublicKey(privatePem);
  const exported = publicKey.export({ format: 'jwk' }) as { n: string; e: string };
  const kid = createHash('sha256').update(exported.n).digest('base64url').slice(0, 43);
  return {
    kid,
    privateKey: createPrivateKey(privatePem),
    publicKey,
    jwk: { kty: 'RSA', alg: 'RS256', use: 'sig', kid, n: exported.n, e: exported.e },
  };
};

/**
 * The signing key of this local cloud: generated once and kept under the data folder so that tokens issued
 * before a restart still verify after it (in memory when there is no data folder).
 */
export const loadSigningKey = (dataDir: string | undefined): SigningKey => {
  const file = dataDir ? path.join(dataDir, 'cognito', 'signing-key.pem') : undefined;
  if (file && fs.existsSync(file)) return keyFromPem(fs.readFileSync(file, 'utf8'));
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const pem = privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
  if (file) {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, pem, { mode: 0o600 });
  }
  return keyFromPem(pem);
};

const b64url = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString('base64url');

/** Sign a JWT with RS256, as Cognito does. */
export const signJwt = (key: SigningKey, claims: Record<string, unknown>): string => {
  const input = `${b64url({ kid: key.kid, alg: 'RS256' })}.${b64url(claims)}`;
  const signature = sign('sha256', Buffer.from(input), key.privateKey).toString('base64url');
  return `${input}.${signature}`;
};

/** Verify a JWT this cloud signed; undefined when the signature or shape is wrong (expiry is the caller's). */
export const verifyJwt = (key: SigningKey, token: string): Record<string, unknown> | undefined => {
  const parts = token.split('.');
  if (parts.length !== 3) return undefined;
  const [header, payload, signature] = parts as [string, string, string];
  try {
    const ok = verify(
      'sha256',
      Buffer.from(`${header}.${payload}`),
      key.publicKey,
      Buffer.from(signature, 'base64url'),
    );
    if (!ok) return undefined;
    return JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
  } catch {
    return undefined;
  }
};
