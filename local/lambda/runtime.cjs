'use strict';
/*
 * The Lambda-like runtime that runs inside each function's child process. Plain CommonJS so it starts
 * without a TypeScript loader. It loads the handler once (the init phase), then serves invocations one at
 * a time over the IPC channel. Everything the handler writes to stdout/stderr is forwarded over the same
 * channel, so the parent attributes each line to the invocation that was running when it was written
 * (pipes and IPC are separate channels and would otherwise race).
 */
const path = require('node:path');
const fs = require('node:fs');
const util = require('node:util');
const { pathToFileURL } = require('node:url');

const jsonLogs = process.env.AWS_LAMBDA_LOG_FORMAT === 'JSON';
let current; // {requestId, finish(result)} of the invocation being served

const send = (message) => {
  if (process.connected) process.send(message);
};

for (const stream of ['stdout', 'stderr']) {
  process[stream].write = (chunk, encoding, callback) => {
    const text = typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8');
    send({ type: 'log', text });
    const done = typeof encoding === 'function' ? encoding : callback;
    if (typeof done === 'function') done();
    return true;
  };
}

/** Lambda's Node runtime prefixes console output with time, request id and level (or writes JSON). */
const consoleLine = (level, args) => {
  const message = util.format(...args);
  const timestamp = new Date().toISOString();
  const requestId = current?.requestId;
  if (jsonLogs) return `${JSON.stringify({ timestamp, level, requestId, message })}\n`;
  return `${timestamp}\t${requestId ?? 'undefined'}\t${level}\t${message.replace(/\n/g, '\r')}\n`;
};
const levels = { log: 'INFO', info: 'INFO', warn: 'WARN', error: 'ERROR', debug: 'DEBUG', trace: 'TRACE' };
// With JSON logs, Lambda drops console output below the application log level (LoggingConfig.ApplicationLogLevel).
const order = ['TRACE', 'DEBUG', 'INFO', 'WARN', 'ERROR', 'FATAL'];
const minimum = jsonLogs ? Math.max(0, order.indexOf((process.env.AWS_LAMBDA_LOG_LEVEL ?? 'TRACE').toUpperCase())) : 0;
for (const [method, level] of Object.entries(levels)) {
  console[method] =
    order.indexOf(level) < minimum ? () => undefined : (...args) => process.stdout.write(consoleLine(level, args));
}

/** The error shape Lambda answers: {errorType, errorMessage, trace}. */
const toErrorPayload = (error, fallbackType) => {
  if (error instanceof Error) {
    return {
      errorType: error.name && error.name !== 'Error' ? error.name : (error.constructor?.name ?? fallbackType),
      errorMessage: error.message,
      trace: String(error.stack ?? '').split('\n'),
    };
  }
  return { errorType: typeof error, errorMessage: String(error), trace: [] };
};

const findModule = (taskRoot, modulePath) => {
  for (const extension of ['.mjs', '.js', '.cjs']) {
    const candidate = path.resolve(taskRoot, `${modulePath}${extension}`);
    if (fs.existsSync(candidate)) return candidate;
  }
  return undefined;
};

const loadHandler = async () => {
  const taskRoot = process.env.LAMBDA_TASK_ROOT;
  const handlerName = process.env._HANDLER ?? 'index.handler';
  const dot = handlerName.lastIndexOf('.');
  const modulePath = handlerName.slice(0, dot);
  const exportName = handlerName.slice(dot + 1);
  const file = findModule(taskRoot, modulePath);
  if (!file) {
    const error = new Error(`Cannot find module '${modulePath}'`);
    error.name = 'Runtime.ImportModuleError';
    throw error;
  }
  let loaded;
  try {
    loaded = await import(pathToFileURL(file).href);
  } catch (cause) {
    // Like Lambda's Node runtime: missing modules and syntax errors get runtime error types; an error the module
    // itself throws while loading (a missing environment variable, say) is reported as it is.
    const missing = cause?.code === 'ERR_MODULE_NOT_FOUND' || cause?.code === 'MODULE_NOT_FOUND';
    if (!missing && cause?.name !== 'SyntaxError') throw cause;
    const error = new Error(`${cause?.name ?? 'Error'}: ${cause?.message ?? cause}`);
    error.name = missing ? 'Runtime.ImportModuleError' : 'Runtime.UserCodeSyntaxError';
    error.stack = cause?.stack;
    throw error;
  }
  const handler = loaded[exportName] ?? loaded.default?.[exportName];
  if (typeof handler !== 'function') {
    const error = new Error(`${handlerName} is undefined or not exported`);
    error.name = 'Runtime.HandlerNotFound';
    throw error;
  }
  return handler;
};

const makeContext = (invoke, finish) => {
  const context = {
    callbackWaitsForEmptyEventLoop: true,
    functionName: process.env.AWS_LAMBDA_FUNCTION_NAME,
    functionVersion: process.env.AWS_LAMBDA_FUNCTION_VERSION,
    invokedFunctionArn: invoke.invokedFunctionArn,
    memoryLimitInMB: process.env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE,
    awsRequestId: invoke.requestId,
    logGroupName: process.env.AWS_LAMBDA_LOG_GROUP_NAME,
    logStreamName: process.env.AWS_LAMBDA_LOG_STREAM_NAME,
    clientContext: invoke.clientContext,
    identity: undefined,
    getRemainingTimeInMillis: () => Math.max(0, invoke.deadlineMs - Date.now()),
    done: (error, value) => finish(error, value),
    fail: (error) => finish(error ?? new Error('handled')),
    succeed: (value) => finish(undefined, value),
  };
  return context;
};

const serve = async (handler, invoke) => {
  let settled = false;
  const finish = (error, value) => {
    if (settled) return;
    settled = true;
    current = undefined;
    const rss = process.memoryUsage().rss;
    if (error !== undefined && error !== null) {
      const payload = toErrorPayload(error, 'Error');
      process.stdout.write(consoleLine('ERROR', [`Invoke Error \t${JSON.stringify(payload)}`]));
      send({ type: 'result', id: invoke.requestId, error: payload, rss });
      return;
    }
    let payload;
    try {
      payload = value === undefined ? 'null' : JSON.stringify(value);
    } catch (cause) {
      send({ type: 'result', id: invoke.requestId, error: toErrorPayload(cause, 'Runtime.MarshalError'), rss });
      return;
    }
    send({ type: 'result', id: invoke.requestId, payload, rss });
  };
  current = { requestId: invoke.requestId, finish };
  let event;
  try {
    event = invoke.payload === undefined || invoke.payload === '' ? {} : JSON.parse(invoke.payload);
  } catch (cause) {
    finish(cause);
    return;
  }
  const context = makeContext(invoke, finish);
  try {
    const returned =
      handler.length >= 3 ? handler(event, context, (error, value) => finish(error, value)) : handler(event, context);
    if (returned && typeof returned.then === 'function') {
      const value = await returned;
      finish(undefined, value);
    } else if (handler.length < 3) {
      finish(undefined, returned);
    }
  } catch (error) {
    finish(error);
  }
};

const failCurrent = (errorType) => (error) => {
  if (!current) {
    process.stderr.write(`${util.format(error)}\n`);
    return;
  }
  const payload = toErrorPayload(error, errorType);
  payload.errorType = errorType;
  current.finish(Object.assign(new Error(payload.errorMessage), { name: errorType, stack: error?.stack }));
  setImmediate(() => process.exit(128));
};
process.on('uncaughtException', failCurrent('Runtime.UncaughtException'));
process.on('unhandledRejection', failCurrent('Runtime.UnhandledPromiseRejection'));

const started = performance.now();
loadHandler().then(
  (handler) => {
    send({ type: 'ready', initMs: performance.now() - started });
    process.on('message', (message) => {
      if (message?.type === 'invoke') void serve(handler, message);
    });
  },
  (error) => send({ type: 'init-error', error: toErrorPayload(error, 'Runtime.ImportModuleError') }),
);
process.on('disconnect', () => process.exit(0));
