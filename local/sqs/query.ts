/**
 * SQS over the query protocol (form parameters in, XML out), which older AWS CLIs and SDKs still speak:
 * `Attribute.1.Name`, `MessageAttribute.1.Value.StringValue`, `SendMessageBatchRequestEntry.1.Id`, ... become
 * the JSON API's maps and lists, and answers are reshaped into the element names the XML uses
 * (`<Attribute><Name/><Value/></Attribute>`, flattened `<Message>` and `<QueueUrl>` lists), which the edge writes.
 */

// biome-ignore lint/suspicious/noExplicitAny: AWS API inputs are untyped JSON, validated field by field where used.
type Json = Record<string, any>;

type Tree = { [key: string]: Tree | string };

const queryInputs = new WeakSet<object>();

/** True when the input came from a query-protocol request. */
export const isQueryInput = (input: unknown): boolean =>
  typeof input === 'object' && input !== null && queryInputs.has(input);

const nest = (params: Readonly<Record<string, string>>): Tree => {
  const root: Tree = {};
  for (const [key, value] of Object.entries(params)) {
    const parts = key.split('.');
    let node = root;
    for (const part of parts.slice(0, -1)) {
      const next = node[part];
      if (typeof next === 'object') node = next;
      else node = node[part] = {};
    }
    node[parts[parts.length - 1]!] = value;
  }
  return root;
};

const indexed = (tree: Tree | string | undefined): (Tree | string)[] =>
  typeof tree === 'object'
    ? Object.keys(tree)
        .sort((a, b) => Number(a) - Number(b))
        .map((k) => tree[k]!)
    : [];

const attributeValue = (value: Tree | string | undefined): Record<string, string> => {
  const out: Record<string, string> = {};
  if (typeof value === 'object') {
    for (const field of ['DataType', 'StringValue', 'BinaryValue'])
      if (typeof value[field] === 'string') out[field] = value[field] as string;
  }
  return out;
};

const convert = (operation: string, tree: Tree): Record<string, unknown> => {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(tree)) {
    switch (key) {
      case 'Action':
      case 'Version':
        break;
      case 'Attribute':
        out.Attributes = Object.fromEntries(
          indexed(value).map((e) => [typeof e === 'object' ? e.Name : '', typeof e === 'object' ? e.Value : '']),
        );
        break;
      case 'MessageAttribute':
      case 'MessageSystemAttribute':
        out[`${key}s`] = Object.fromEntries(
          indexed(value).map((e) => [
            typeof e === 'object' ? e.Name : '',
            attributeValue(typeof e === 'object' ? e.Value : undefined),
          ]),
        );
        break;
      case 'AttributeName':
      case 'MessageAttributeName':
      case 'MessageSystemAttributeName':
      case 'TagKey':
        out[`${key}s`] = indexed(value);
        break;
      case 'Tag':
        out[operation === 'CreateQueue' ? 'tags' : 'Tags'] = Object.fromEntries(
          indexed(value).map((e) => [typeof e === 'object' ? e.Key : '', typeof e === 'object' ? e.Value : '']),
        );
        break;
      default:
        if (key.endsWith('BatchRequestEntry'))
          out.Entries = indexed(value).map((e) => (typeof e === 'object' ? convert(operation, e) : e));
        else out[key] = value;
    }
  }
  return out;
};

/** Turns query form parameters into the JSON API input of `operation`. */
export const fromQueryParams = (operation: string, params: Readonly<Record<string, string>>): unknown => {
  const input = convert(operation, nest(params));
  queryInputs.add(input);
  return input;
};

const pairs = (map: unknown, key: string, value: string): Record<string, unknown>[] =>
  Object.entries((map ?? {}) as Record<string, unknown>).map(([k, v]) => ({ [key]: k, [value]: v }));

const BATCH_RESULT: Record<string, string> = {
  SendMessageBatch: 'SendMessageBatchResultEntry',
  DeleteMessageBatch: 'DeleteMessageBatchResultEntry',
  ChangeMessageVisibilityBatch: 'ChangeMessageVisibilityBatchResultEntry',
};

/** Reshapes a JSON API answer into the element names of the query protocol's XML. */
export const toQueryOutput = (operation: string, output: Json): Record<string, unknown> => {
  switch (operation) {
    case 'GetQueueAttributes':
      return { Attribute: pairs(output.Attributes, 'Name', 'Value') };
    case 'ListQueues':
    case 'ListDeadLetterSourceQueues': {
      const { QueueUrls, queueUrls, ...rest } = output;
      return { ...rest, QueueUrl: QueueUrls ?? queueUrls ?? [] };
    }
    case 'ListQueueTags':
      return { Tag: pairs(output.Tags, 'Key', 'Value') };
    case 'ReceiveMessage':
      return {
        Message: ((output.Messages ?? []) as Record<string, unknown>[]).map(
          ({ Attributes, MessageAttributes, ...m }) => ({
            ...m,
            ...(Attributes ? { Attribute: pairs(Attributes, 'Name', 'Value') } : {}),
            ...(MessageAttributes ? { MessageAttribute: pairs(MessageAttributes, 'Name', 'Value') } : {}),
          }),
        ),
      };
    default: {
      const entry = BATCH_RESULT[operation];
      if (!entry) return output;
      return { [entry]: output.Successful ?? [], BatchResultErrorEntry: output.Failed ?? [] };
    }
  }
};
