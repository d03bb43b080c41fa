/** ARN helpers for the local account and region. */
export const arn = (service: string, region: string, accountId: string, resource: string): string =>
  `arn:aws:${service}:${region}:${accountId}:${resource}`;

/** The last segment of an ARN after ':' or '/', e.g. a function or state machine name. */
export const arnName = (value: string): string => {
  const afterColon = value.split(':').pop() ?? value;
  return afterColon.split('/').pop() ?? afterColon;
};
