/**
 * The digests SQS answers and the AWS SDKs verify: MD5 of the body, and MD5 of the message attributes computed
 * with the documented encoding (names sorted; for each: name, data type, a transport byte 1 = string value or
 * 2 = binary value, then the value; every string and value prefixed by its 4-byte big-endian length).
 */
import { createHash } from 'node:crypto';

/** A message attribute as the JSON API carries it (BinaryValue is base64 text). */
export interface MessageAttributeValue {
  readonly DataType: string;
  readonly StringValue?: string;
  readonly BinaryValue?: string;
}

export const md5Hex = (text: string): string => createHash('md5').update(text, 'utf8').digest('hex');

const lengthPrefixed = (bytes: Buffer): Buffer => {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(bytes.length, 0);
  return Buffer.concat([length, bytes]);
};

/** MD5 of a set of message (or message system) attributes; undefined when there are none. */
export const md5OfAttributes = (attributes: Readonly<Record<string, MessageAttributeValue>>): string | undefined => {
  const names = Object.keys(attributes).sort();
  if (names.length === 0) return undefined;
  const hash = createHash('md5');
  for (const name of names) {
    const attribute = attributes[name]!;
    hash.update(lengthPrefixed(Buffer.from(name, 'utf8')));
    hash.update(lengthPrefixed(Buffer.from(attribute.DataType, 'utf8')));
    if (attribute.BinaryValue !== undefined) {
      hash.update(Buffer.from([2]));
      hash.update(lengthPrefixed(Buffer.from(attribute.BinaryValue, 'base64')));
    } else {
      hash.update(Buffer.from([1]));
      hash.update(lengthPrefixed(Buffer.from(attribute.StringValue ?? '', 'utf8')));
    }
  }
  return hash.digest('hex');
};
