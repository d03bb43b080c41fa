/**
 * The AWS query protocol, generically: form parameters to nested JSON input, JSON output to the XML answer.
 * Services stay in JSON; the wire shape lives here.
 */

type Tree = { [key: string]: Tree | string };

const isIndex = (key: string): boolean => /^\d+$/.test(key);

const byIndex = (node: Tree): (Tree | string)[] =>
  Object.keys(node)
    .filter(isIndex)
    .sort((a, b) => Number(a) - Number(b))
    .map((k) => node[k] as Tree | string);

const convert = (node: Tree | string): unknown => {
  if (typeof node === 'string') return node;
  const keys = Object.keys(node);
  if (keys.length === 1 && keys[0] === 'member' && typeof node.member === 'object') {
    return byIndex(node.member).map(convert);
  }
  if (keys.length === 1 && keys[0] === 'entry' && typeof node.entry === 'object') {
    const map: Record<string, unknown> = {};
    for (const entry of byIndex(node.entry)) {
      if (typeof entry === 'string') continue;
      const key = entry.key ?? entry.Name ?? entry.Key;
      const value = entry.value ?? entry.Value;
      if (typeof key === 'string' && value !== undefined) map[key] = convert(value);
    }
    return map;
  }
  if (keys.length > 0 && keys.every(isIndex)) return byIndex(node).map(convert);
  const out: Record<string, unknown> = {};
  for (const k of keys) out[k] = convert(node[k] as Tree | string);
  return out;
};

/**
 * Unflatten query parameters: `A.member.1.B=x` → `{A: [{B: 'x'}]}`, `A.entry.1.key=k&A.entry.1.value=v` →
 * `{A: {k: 'v'}}`, `A.1.Name=x` → `{A: [{Name: 'x'}]}`, `A.B=x` → `{A: {B: 'x'}}`. Values stay strings; `Action`
 * and `Version` are left out.
 */
export const unflattenQuery = (params: Readonly<Record<string, string>>): Record<string, unknown> => {
  const root: Tree = {};
  for (const [key, value] of Object.entries(params)) {
    if (key === 'Action' || key === 'Version') continue;
    const parts = key.split('.');
    let cur = root;
    parts.forEach((part, i) => {
      if (i === parts.length - 1) {
        if (typeof cur[part] !== 'object') cur[part] = value;
        return;
      }
      const next = cur[part];
      if (typeof next === 'object') cur = next;
      else {
        const created: Tree = {};
        cur[part] = created;
        cur = created;
      }
    });
  }
  return convert(root) as Record<string, unknown>;
};

const escapeXml = (text: string): string =>
  text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' })[c] ?? c);

/** How lists and maps of one service are written. */
export interface XmlShape {
  readonly mapFields?: readonly string[];
  readonly flattenedFields?: readonly string[];
}

const scalar = (value: unknown): string =>
  value instanceof Date ? value.toISOString() : typeof value === 'object' ? JSON.stringify(value) : String(value);

const element = (name: string, value: unknown, shape: XmlShape): string => {
  if (value === undefined || value === null) return '';
  if (Array.isArray(value)) {
    if (shape.flattenedFields?.includes(name)) return value.map((v) => element(name, v, shape)).join('');
    return `<${name}>${value.map((v) => element('member', v, shape)).join('')}</${name}>`;
  }
  if (typeof value === 'object' && !(value instanceof Date)) {
    const entries = Object.entries(value as Record<string, unknown>);
    if (shape.mapFields?.includes(name)) {
      const body = entries
        .map(([k, v]) => `<entry><key>${escapeXml(k)}</key>${element('value', v, shape)}</entry>`)
        .join('');
      return `<${name}>${body}</${name}>`;
    }
    return `<${name}>${entries.map(([k, v]) => element(k, v, shape)).join('')}</${name}>`;
  }
  return `<${name}>${escapeXml(scalar(value))}</${name}>`;
};

/** The XML answer of a query-protocol operation. */
export const queryResponseXml = (
  operation: string,
  output: unknown,
  requestId: string,
  namespace: string,
  shape: XmlShape,
): string => {
  const result =
    output && typeof output === 'object'
      ? Object.entries(output as Record<string, unknown>)
          .map(([k, v]) => element(k, v, shape))
          .join('')
      : '';
  return (
    `<?xml version="1.0" encoding="UTF-8"?>\n<${operation}Response xmlns="${namespace}">` +
    `<${operation}Result>${result}</${operation}Result>` +
    `<ResponseMetadata><RequestId>${requestId}</RequestId></ResponseMetadata></${operation}Response>`
  );
};

/** The XML error answer of the query protocol. */
export const queryErrorXml = (
  code: string,
  message: string,
  senderFault: boolean,
  requestId: string,
  namespace: string,
): string =>
  `<?xml version="1.0" encoding="UTF-8"?>\n<ErrorResponse xmlns="${namespace}"><Error>` +
  `<Type>${senderFault ? 'Sender' : 'Receiver'}</Type><Code>${escapeXml(code)}</Code>` +
  `<Message>${escapeXml(message)}</Message></Error><RequestId>${requestId}</RequestId></ErrorResponse>`;
