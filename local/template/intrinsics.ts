/**
 * CloudFormation intrinsic functions, resolved against a scope that knows parameters, conditions, resources and
 * exports. Pure: no I/O, no knowledge of resource types.
 */

/** What the resolver needs from the stack being loaded. */
export interface IntrinsicScope {
  /** `Ref` of a parameter, pseudo parameter or resource (logical id). Throws when unknown. */
  ref(name: string): unknown;
  /** `Fn::GetAtt` of a resource attribute. Throws when unknown. */
  getAtt(logicalId: string, attribute: string): unknown;
  /** Value of a named condition. */
  condition(name: string): boolean;
  /** `Fn::ImportValue` of an export name. */
  importValue(name: string): unknown;
  /** `Fn::FindInMap` lookups. */
  readonly mappings: Readonly<Record<string, Record<string, Record<string, unknown>>>>;
  readonly region: string;
}

/** Thrown for a template this resolver cannot evaluate; the message says where. */
export class TemplateError extends Error {
  override readonly name = 'TemplateError';
}

/** Marker for `AWS::NoValue`: removes the enclosing property or list element. */
export const NO_VALUE: unique symbol = Symbol('AWS::NoValue');

type Json = unknown;

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

const expectArray = (fn: string, v: unknown, length?: number): unknown[] => {
  if (!Array.isArray(v) || (length !== undefined && v.length !== length)) {
    throw new TemplateError(`${fn} expects a list${length ? ` of ${length}` : ''}, got ${JSON.stringify(v)}`);
  }
  return v;
};

const expectString = (fn: string, v: unknown): string => {
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  throw new TemplateError(`${fn} expects a string, got ${JSON.stringify(v)}`);
};

/** Evaluate a condition expression (`Fn::Equals`, `Fn::Not`, `Fn::And`, `Fn::Or`, `Condition`). */
export const evaluateCondition = (expr: Json, scope: IntrinsicScope): boolean => {
  const value = resolveValue(expr, scope);
  if (typeof value === 'boolean') return value;
  if (value === 'true' || value === 'false') return value === 'true';
  throw new TemplateError(`a condition must evaluate to a boolean, got ${JSON.stringify(value)}`);
};

/** Names referenced by `${...}` in an `Fn::Sub` string, without `${!literal}` escapes. */
export const subReferences = (text: string): string[] =>
  [...text.matchAll(/\$\{([^!}][^}]*)\}/g)].map((m) => (m[1] ?? '').trim());

const substitute = (text: string, vars: Record<string, unknown>, scope: IntrinsicScope): string =>
  text.replace(/\$\{([^}]*)\}/g, (_all, inner: string) => {
    if (inner.startsWith('!')) return `\${${inner.slice(1)}}`;
    const name = inner.trim();
    if (name in vars) return expectString('Fn::Sub variable', vars[name]);
    const dot = name.indexOf('.');
    if (dot > 0 && !name.startsWith('AWS::')) {
      return expectString('Fn::Sub', scope.getAtt(name.slice(0, dot), name.slice(dot + 1)));
    }
    return expectString('Fn::Sub', scope.ref(name));
  });

const functions: Record<string, (arg: Json, scope: IntrinsicScope) => Json> = {
  Ref: (arg, scope) => scope.ref(expectString('Ref', arg)),
  'Fn::GetAtt': (arg, scope) => {
    const parts = typeof arg === 'string' ? [arg.slice(0, arg.indexOf('.')), arg.slice(arg.indexOf('.') + 1)] : arg;
    const [logicalId, attribute] = expectArray('Fn::GetAtt', parts, 2).map((p) =>
      expectString('Fn::GetAtt', resolveValue(p, scope)),
    );
    return scope.getAtt(logicalId as string, attribute as string);
  },
  'Fn::Join': (arg, scope) => {
    const [sep, list] = expectArray('Fn::Join', arg, 2);
    const items = expectArray('Fn::Join', resolveValue(list, scope));
    return items.map((i) => expectString('Fn::Join', i)).join(expectString('Fn::Join', sep));
  },
  'Fn::Sub': (arg, scope) => {
    if (typeof arg === 'string') return substitute(arg, {}, scope);
    const [text, vars] = expectArray('Fn::Sub', arg, 2);
    const resolvedVars = resolveValue(vars, scope);
    if (!isObject(resolvedVars)) throw new TemplateError('Fn::Sub variables must be an object');
    return substitute(expectString('Fn::Sub', text), resolvedVars, scope);
  },
  'Fn::Select': (arg, scope) => {
    const [index, list] = expectArray('Fn::Select', arg, 2);
    const i = Number(resolveValue(index, scope));
    const items = expectArray('Fn::Select', resolveValue(list, scope));
    if (!Number.isInteger(i) || i < 0 || i >= items.length) {
      throw new TemplateError(`Fn::Select index ${i} out of range for a list of ${items.length}`);
    }
    return items[i];
  },
  'Fn::Split': (arg, scope) => {
    const [sep, text] = expectArray('Fn::Split', arg, 2);
    return expectString('Fn::Split', resolveValue(text, scope)).split(expectString('Fn::Split', sep));
  },
  // resolveInner, not resolveValue: a branch that is `AWS::NoValue` must remove the enclosing property.
  'Fn::If': (arg, scope) => {
    const [name, whenTrue, whenFalse] = expectArray('Fn::If', arg, 3);
    return resolveInner(scope.condition(expectString('Fn::If', name)) ? whenTrue : whenFalse, scope);
  },
  'Fn::Equals': (arg, scope) => {
    const [a, b] = expectArray('Fn::Equals', arg, 2).map((v) => resolveValue(v, scope));
    return JSON.stringify(a) === JSON.stringify(b) || String(a) === String(b);
  },
  'Fn::Not': (arg, scope) => !evaluateCondition(expectArray('Fn::Not', arg, 1)[0], scope),
  'Fn::And': (arg, scope) => expectArray('Fn::And', arg).every((c) => evaluateCondition(c, scope)),
  'Fn::Or': (arg, scope) => expectArray('Fn::Or', arg).some((c) => evaluateCondition(c, scope)),
  Condition: (arg, scope) => scope.condition(expectString('Condition', arg)),
  'Fn::ImportValue': (arg, scope) => scope.importValue(expectString('Fn::ImportValue', resolveValue(arg, scope))),
  'Fn::GetAZs': (arg, scope) => {
    const region = expectString('Fn::GetAZs', resolveValue(arg, scope)) || scope.region;
    return ['a', 'b', 'c'].map((z) => `${region}${z}`);
  },
  'Fn::Base64': (arg, scope) =>
    Buffer.from(expectString('Fn::Base64', resolveValue(arg, scope)), 'utf8').toString('base64'),
  'Fn::FindInMap': (arg, scope) => {
    const [map, top, second] = expectArray('Fn::FindInMap', arg).map((v) =>
      expectString('Fn::FindInMap', resolveValue(v, scope)),
    );
    const value = scope.mappings[map as string]?.[top as string]?.[second as string];
    if (value === undefined) throw new TemplateError(`Fn::FindInMap: no ${map}.${top}.${second}`);
    return value;
  },
  'Fn::Contains': (arg, scope) => {
    const [list, value] = expectArray('Fn::Contains', arg, 2).map((v) => resolveValue(v, scope));
    return expectArray('Fn::Contains', list).some((i) => String(i) === String(value));
  },
  'Fn::ToJsonString': (arg, scope) => JSON.stringify(resolveValue(arg, scope)),
  'Fn::Length': (arg, scope) => expectArray('Fn::Length', resolveValue(arg, scope)).length,
};

/** The single intrinsic function name of an object like `{"Fn::Join": [...]}`, if it is one. */
export const intrinsicName = (value: unknown): string | undefined => {
  if (!isObject(value)) return undefined;
  const keys = Object.keys(value);
  return keys.length === 1 && keys[0] !== undefined && keys[0] in functions ? keys[0] : undefined;
};

/**
 * Resolve every intrinsic function inside `value`. `AWS::NoValue` removes the property or list element that
 * holds it; at the top level it yields `undefined`.
 */
export const resolveValue = (value: Json, scope: IntrinsicScope): Json => {
  const resolved = resolveInner(value, scope);
  return resolved === NO_VALUE ? undefined : resolved;
};

const resolveInner = (value: Json, scope: IntrinsicScope): Json => {
  if (Array.isArray(value)) {
    return value.map((v) => resolveInner(v, scope)).filter((v) => v !== NO_VALUE);
  }
  if (!isObject(value)) return value;
  const fn = intrinsicName(value);
  if (fn) {
    if (fn === 'Ref' && value.Ref === 'AWS::NoValue') return NO_VALUE;
    const fnImpl = functions[fn] as (arg: Json, scope: IntrinsicScope) => Json;
    return fnImpl(value[fn], scope);
  }
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    const r = resolveInner(v, scope);
    if (r !== NO_VALUE) out[k] = r;
  }
  return out;
};

/**
 * Logical ids a value depends on through `Ref`, `Fn::GetAtt` and `Fn::Sub` (pseudo parameters and names in
 * `ignore`, e.g. parameters, are left out).
 */
export const referencedIds = (value: Json, ignore: (name: string) => boolean): Set<string> => {
  const found = new Set<string>();
  const add = (name: string): void => {
    if (!name.startsWith('AWS::') && !ignore(name)) found.add(name);
  };
  const walk = (v: Json): void => {
    if (Array.isArray(v)) {
      v.forEach(walk);
      return;
    }
    if (!isObject(v)) return;
    const fn = intrinsicName(v);
    if (fn === 'Ref' && typeof v.Ref === 'string') add(v.Ref);
    else if (fn === 'Fn::GetAtt') {
      const arg = v[fn];
      const id = typeof arg === 'string' ? arg.split('.')[0] : Array.isArray(arg) ? arg[0] : undefined;
      if (typeof id === 'string') add(id);
    } else if (fn === 'Fn::Sub') {
      const arg = v[fn];
      const text = typeof arg === 'string' ? arg : Array.isArray(arg) ? arg[0] : undefined;
      const vars = Array.isArray(arg) && isObject(arg[1]) ? arg[1] : {};
      if (typeof text === 'string') {
        for (const ref of subReferences(text)) {
          if (!(ref in vars)) add(ref.split('.')[0] ?? ref);
        }
      }
    }
    for (const child of Object.values(v)) walk(child);
  };
  walk(value);
  return found;
};
