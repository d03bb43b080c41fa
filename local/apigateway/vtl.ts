/**
 * API Gateway mapping templates on velocityjs. API Gateway runs Apache Velocity on Java, so templates call
 * Java methods on strings (`length()`, `replaceAll`, `equals`...) that JavaScript strings lack; velocityjs
 * renders such calls as the literal reference text, producing wrong JSON silently. The shims below close that gap.
 */
import { JSONPath } from 'jsonpath-plus';
import { Compile, parse } from 'velocityjs';

/** Request facts a template can read through `$input`. */
export interface TemplateInput {
  readonly body: string;
  readonly params: {
    readonly path: Record<string, string>;
    readonly querystring: Record<string, string>;
    readonly header: Record<string, string>;
  };
}

/** What a template can change besides its output (`$context.requestOverride` / `responseOverride`). */
export interface TemplateOverrides {
  readonly requestOverride: {
    header: Record<string, string>;
    querystring: Record<string, string>;
    path: Record<string, string>;
  };
  readonly responseOverride: { header: Record<string, string>; status?: number | string };
}

type Handler = {
  match: (payload: { property: string; context: unknown; params: unknown[] }) => boolean;
  resolve: (payload: { property: string; context: unknown; params: unknown[] }) => unknown;
};

const onString = (name: string, resolve: (s: string, params: unknown[]) => unknown): Handler => ({
  match: ({ property, context }) => property === name && typeof context === 'string',
  resolve: ({ context, params }) => resolve(context as string, params),
});

/** Java regular expressions are close enough to JavaScript's for the patterns templates use. */
const javaRegex = (pattern: string, flags = 'g'): RegExp => new RegExp(pattern, flags);

const javaStringMethods: Handler[] = [
  onString('length', (s) => s.length),
  onString('equals', (s, [o]) => s === String(o)),
  onString('equalsIgnoreCase', (s, [o]) => s.toLowerCase() === String(o).toLowerCase()),
  onString('isEmpty', (s) => s.length === 0),
  onString('contains', (s, [o]) => s.includes(String(o))),
  onString('matches', (s, [p]) => javaRegex(`^(?:${p})$`, '').test(s)),
  onString('replaceAll', (s, [p, r]) => s.replace(javaRegex(String(p)), String(r))),
  onString('replaceFirst', (s, [p, r]) => s.replace(javaRegex(String(p), ''), String(r))),
  // Java's replace(CharSequence, CharSequence) replaces every occurrence, literally.
  onString('replace', (s, [a, b]) => s.split(String(a)).join(String(b))),
  onString('charAt', (s, [i]) => s.charAt(Number(i))),
  onString('substring', (s, [a, b]) => (b === undefined ? s.substring(Number(a)) : s.substring(Number(a), Number(b)))),
  onString('split', (s, [p]) => s.split(javaRegex(String(p), ''))),
  onString('toString', (s) => s),
  {
    match: ({ property, context }) => property === 'isEmpty' && context !== null && typeof context === 'object',
    resolve: ({ context }) =>
      Array.isArray(context) ? context.length === 0 : Object.keys(context as object).length === 0,
  },
  {
    match: ({ property, context }) => property === 'contains' && Array.isArray(context),
    resolve: ({ context, params }) => (context as unknown[]).includes(params[0]),
  },
  {
    match: ({ property, context }) => property === 'containsKey' && context !== null && typeof context === 'object',
    resolve: ({ context, params }) => Object.hasOwn(context as object, String(params[0])),
  },
];

/** Java's `StringEscapeUtils.escapeJavaScript`, which API Gateway's `$util.escapeJavaScript` uses. */
export const escapeJavaScript = (value: unknown): string => {
  const s = typeof value === 'string' ? value : value === undefined || value === null ? '' : String(value);
  let out = '';
  for (const ch of s) {
    const code = ch.codePointAt(0)!;
    if (ch === '"') out += '\\"';
    else if (ch === "'") out += "\\'";
    else if (ch === '\\') out += '\\\\';
    else if (ch === '/') out += '\\/';
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    else if (ch === '\b') out += '\\b';
    else if (ch === '\f') out += '\\f';
    else if (code < 0x20 || code > 0x7e) {
      for (const unit of ch.split('')) out += `\\u${unit.charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')}`;
    } else out += ch;
  }
  return out;
};

/** Java's `URLEncoder.encode(s, "UTF-8")`: space → '+', only `A-Za-z0-9.-*_` left alone. */
export const urlEncode = (value: unknown): string =>
  Array.from(new TextEncoder().encode(String(value ?? '')))
    .map((b) => {
      const c = String.fromCharCode(b);
      if (/[A-Za-z0-9.\-*_]/.test(c)) return c;
      if (c === ' ') return '+';
      return `%${b.toString(16).toUpperCase().padStart(2, '0')}`;
    })
    .join('');

const parseBody = (body: string): unknown => {
  if (body.trim() === '') return {};
  try {
    return JSON.parse(body);
  } catch {
    return body;
  }
};

const selectPath = (body: string, path: string): unknown => {
  const json = parseBody(body);
  if (path === '$' || path === '') return json;
  if (typeof json !== 'object' || json === null) return undefined;
  return JSONPath({ path, json: json as object, wrap: false });
};

/** The `$input` variable. */
export const inputVariable = (input: TemplateInput) => ({
  body: input.body,
  json: (path: string) => {
    const value = selectPath(input.body, path);
    return value === undefined ? '' : JSON.stringify(value);
  },
  path: (path: string) => selectPath(input.body, path),
  params: (name?: string) => {
    if (name === undefined) return input.params;
    const lowerHeaders = Object.fromEntries(Object.entries(input.params.header).map(([k, v]) => [k.toLowerCase(), v]));
    return input.params.path[name] ?? input.params.querystring[name] ?? lowerHeaders[name.toLowerCase()] ?? '';
  },
});

/** The `$util` variable. */
export const utilVariable = {
  escapeJavaScript,
  parseJson: (s: string) => JSON.parse(s),
  urlEncode,
  urlDecode: (s: string) => decodeURIComponent(String(s).replaceAll('+', ' ')),
  base64Encode: (s: string) => Buffer.from(String(s), 'utf8').toString('base64'),
  base64Decode: (s: string) => Buffer.from(String(s), 'base64').toString('utf8'),
};

const compiled = new Map<string, Compile>();

/**
 * Render a mapping template. `context` is the `$context` object; it is mutated by `#set($context.xxx ...)`,
 * which is how `requestOverride`/`responseOverride` reach the caller.
 */
export const renderTemplate = (
  template: string,
  vars: { input?: TemplateInput; context: Record<string, unknown>; stageVariables: Record<string, string> },
): string => {
  let compile = compiled.get(template);
  if (!compile) {
    compile = new Compile(parse(template), { customMethodHandlers: javaStringMethods as never, escape: false });
    compiled.set(template, compile);
  }
  // Silent rendering: API Gateway renders an undefined reference (`$context.authorizer.email` when the
  // authorizer set none, `$input.path('$.missing')`) as nothing, not as its own source text.
  return compile.render(
    {
      input: vars.input ? inputVariable(vars.input) : inputVariable({ body: '', params: emptyParams() }),
      util: utilVariable,
      context: vars.context,
      stageVariables: vars.stageVariables,
    },
    undefined,
    true,
  );
};

export const emptyParams = (): TemplateInput['params'] => ({ path: {}, querystring: {}, header: {} });

/** Fresh override holders for one request. */
export const newOverrides = (): TemplateOverrides => ({
  requestOverride: { header: {}, querystring: {}, path: {} },
  responseOverride: { header: {} },
});
