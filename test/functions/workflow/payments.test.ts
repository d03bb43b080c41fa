import '../support/env';
import { DynamoDBDocumentClient, GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { providerDecision } from '#shared/payments';
import { handler as authorizePayment } from '../../../functions/workflow/authorize-payment';
import { handler as capturePayment } from '../../../functions/workflow/capture-payment';
import { handler as voidPayment } from '../../../functions/workflow/void-payment';
import { lambdaContext } from '../support/api';

const ddb = mockClient(DynamoDBDocumentClient);

/** A minimal in-memory payments table that honours the conditions the service writes with. */
let table: Map<string, Record<string, unknown>>;
const conditionalFailure = () => Object.assign(new Error('conditional'), { name: 'ConditionalCheckFailedException' });

beforeEach(() => {
  ddb.reset();
  table = new Map();
  ddb.on(GetCommand).callsFake(({ Key }) => ({ Item: table.get(Key.orderId) }));
  ddb.on(UpdateCommand).callsFake(({ Key, UpdateExpression, ConditionExpression, ExpressionAttributeValues: v }) => {
    const current = table.get(Key.orderId);
    const status = current?.status;
    if (ConditionExpression === 'attribute_not_exists(#status)' && status !== undefined) throw conditionalFailure();
    if (ConditionExpression === '#status = :from' && status !== v[':from']) throw conditionalFailure();
    const next: Record<string, unknown> = { orderId: Key.orderId, ...current };
    if (UpdateExpression.includes('ADD attempts')) {
      Object.assign(next, {
        amountCents: v[':amount'],
        paymentToken: v[':last4'],
        attempts: Number(next.attempts ?? 0) + 1,
      });
    }
    if (v[':status']) next.status = v[':status'];
    if (v[':to']) next.status = v[':to'];
    if (v[':amount'] !== undefined && UpdateExpression.includes('amountCents = :amount'))
      next.amountCents = v[':amount'];
    table.set(Key.orderId, next);
    return { Attributes: next };
  });
});

const authorize = (paymentToken: string, orderId = 'o1') =>
  authorizePayment({ orderId, totalCents: 1900, paymentToken }, lambdaContext());

describe('the fake payment provider', () => {
  it.each([
    ['tok_visa', 1, 'approve'],
    ['tok_declined', 1, 'decline'],
    ['tok_unknown', 1, 'decline'],
    ['tok_flaky', 1, 'unavailable'],
    ['tok_flaky', 2, 'unavailable'],
    ['tok_flaky', 3, 'approve'],
  ])('answers %s on attempt %i with %s', (token, attempt, decision) => {
    expect(providerDecision(token, attempt)).toBe(decision);
  });
});

describe('AuthorizePayment', () => {
  it('authorizes tok_visa and keeps only the last 4 characters of the token', async () => {
    await expect(authorize('tok_visa')).resolves.toEqual({ paymentId: 'pay_o1', status: 'AUTHORIZED' });
    expect(table.get('o1')).toEqual({
      orderId: 'o1',
      status: 'AUTHORIZED',
      amountCents: 1900,
      attempts: 1,
      paymentToken: 'visa',
    });
  });

  it('declines tok_declined with PaymentDeclinedError, and again on a retry', async () => {
    await expect(authorize('tok_declined')).rejects.toMatchObject({ name: 'PaymentDeclinedError' });
    await expect(authorize('tok_declined')).rejects.toMatchObject({ name: 'PaymentDeclinedError' });
    expect(table.get('o1')).toMatchObject({ status: 'DECLINED', attempts: 1 });
  });

  it('fails tok_flaky transiently twice per order, counting attempts in the table, then authorizes', async () => {
    await expect(authorize('tok_flaky')).rejects.toMatchObject({ name: 'PaymentProviderUnavailableError' });
    await expect(authorize('tok_flaky')).rejects.toMatchObject({ name: 'PaymentProviderUnavailableError' });
    await expect(authorize('tok_flaky')).resolves.toEqual({ paymentId: 'pay_o1', status: 'AUTHORIZED' });
    expect(table.get('o1')).toMatchObject({ attempts: 3, status: 'AUTHORIZED' });

    await expect(authorize('tok_flaky', 'o2')).rejects.toMatchObject({ name: 'PaymentProviderUnavailableError' });
  });

  it('is idempotent per order: a retry after success answers the same without another attempt', async () => {
    await authorize('tok_visa');
    await expect(authorize('tok_visa')).resolves.toEqual({ paymentId: 'pay_o1', status: 'AUTHORIZED' });
    expect(table.get('o1')?.attempts).toBe(1);
  });
});

describe('VoidPayment', () => {
  it('voids an authorization, and a second void is a no-op', async () => {
    await authorize('tok_visa');

    await expect(voidPayment({ orderId: 'o1' }, lambdaContext())).resolves.toEqual({ status: 'VOIDED' });
    await expect(voidPayment({ orderId: 'o1' }, lambdaContext())).resolves.toEqual({ status: 'VOIDED' });
  });

  it('is a no-op when nothing was authorized', async () => {
    await expect(voidPayment({ orderId: 'none' }, lambdaContext())).resolves.toEqual({ status: 'NONE' });
    await expect(authorize('tok_declined', 'o3')).rejects.toMatchObject({ name: 'PaymentDeclinedError' });
    await expect(voidPayment({ orderId: 'o3' }, lambdaContext())).resolves.toEqual({ status: 'DECLINED' });
  });
});

describe('CapturePayment', () => {
  it('captures the authorized amount once; a retry answers the same', async () => {
    await authorize('tok_visa');

    await expect(capturePayment({ orderId: 'o1' }, lambdaContext())).resolves.toEqual({
      status: 'CAPTURED',
      amountCents: 1900,
    });
    await expect(capturePayment({ orderId: 'o1' }, lambdaContext())).resolves.toEqual({
      status: 'CAPTURED',
      amountCents: 1900,
    });
  });

  it('captures a final total when the workflow passes one', async () => {
    await authorize('tok_visa');

    await expect(capturePayment({ orderId: 'o1', totalCents: 2500 }, lambdaContext())).resolves.toEqual({
      status: 'CAPTURED',
      amountCents: 2500,
    });
  });

  it('fails with PaymentNotCapturableError for a voided payment', async () => {
    await authorize('tok_visa');
    await voidPayment({ orderId: 'o1' }, lambdaContext());

    await expect(capturePayment({ orderId: 'o1' }, lambdaContext())).rejects.toMatchObject({
      name: 'PaymentNotCapturableError',
    });
  });
});
