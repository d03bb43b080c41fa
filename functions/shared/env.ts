/**
 * Reads a required environment variable, failing fast at cold start when the deployment forgot it.
 * Handlers call it at module scope so a misconfigured function never serves a request.
 */
export function requiredEnv(name: string): string {
  const value = process.env[name];
  if (value === undefined || value === '') {
    throw new Error(`Missing required environment variable ${name}`);
  }
  return value;
}
