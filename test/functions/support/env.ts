/**
 * Environment of the handlers under test. Imported first by every handler test, because handlers read
 * their configuration at module scope (fail-fast `requiredEnv`).
 */
Object.assign(process.env, {
  ORDERS_TABLE_NAME: 'orders',
  RESTAURANTS_TABLE_NAME: 'restaurants',
  PAYMENTS_TABLE_NAME: 'payments',
  IDEMPOTENCY_TABLE_NAME: 'idempotency',
  PROFILE_TABLE_NAME: 'profile',
  EVENT_BUS_NAME: 'dishpatch-test',
  PLACE_ORDER_STATE_MACHINE_ARN: 'arn:aws:states:us-east-1:000000000000:stateMachine:PlaceOrder',
  ORDER_LIFECYCLE_STATE_MACHINE_ARN: 'arn:aws:states:us-east-1:000000000000:stateMachine:OrderLifecycle',
  USER_POOL_ID: 'us-east-1_TestPool1',
  USER_POOL_CLIENT_ID: 'test-client-id',
  AWS_REGION: 'us-east-1',
  AWS_ACCESS_KEY_ID: 'test',
  AWS_SECRET_ACCESS_KEY: 'test',
  POWERTOOLS_SERVICE_NAME: 'dishpatch-test',
  POWERTOOLS_METRICS_NAMESPACE: 'dishpatch',
  POWERTOOLS_LOG_LEVEL: 'SILENT',
  POWERTOOLS_METRICS_DISABLED: 'true',
  POWERTOOLS_TRACE_ENABLED: 'false',
});
