import { type DynamoDBDocumentClient, GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { isConditionalCheckFailed } from './dynamo';
import { PaymentDeclinedError, PaymentNotCapturableError, PaymentProviderUnavailableError } from './errors';

/** Status of a payment in `PaymentsTable` (absent while the provider has not decided yet). */
export type PaymentStatus = 'AUTHORIZED' | 'DECLINED' | 'VOIDED' | 'CAPTURED';

/** A payment as stored (app contract); only the last 4 characters of the token are kept. */
export interface PaymentRecord {
  orderId: string;
  status?: PaymentStatus;
  amountCents: number;
  attempts: number;
  paymentToken: string;
}

/** The provider's answer for one authorization attempt. */
export type ProviderDecision = 'approve' | 'decline' | 'unavailable';

/** How many attempts `tok_flaky` fails before it succeeds (DESIGN §5). */
export const FLAKY_FAILURES = 2;

/**
 * The fake payment provider of DESIGN §5, as a pure decision on the token and the attempt number:
 * `tok_visa` approves, `tok_declined` (and any unknown token) declines, `tok_flaky` is unavailable for
 * its first two attempts per order, then approves.
 */
export function providerDecision(paymentToken: string, attempt: number): ProviderDecision {
  switch (paymentToken) {
    case 'tok_visa':
      return 'approve';
    case 'tok_flaky':
      return attempt <= FLAKY_FAILURES ? 'unavailable' : 'approve';
    default:
      return 'decline';
  }
}

/** Payment id, derived from the order so every retry names the same payment. */
export function paymentIdFor(orderId: string): string {
  return `pay_${orderId}`;
}

/** Authorizes, voids and captures payments on the fake provider; every operation is idempotent per order. */
export class PaymentService {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async find(orderId: string): Promise<PaymentRecord | undefined> {
    const { Item } = await this.client.send(
      new GetCommand({ TableName: this.tableName, Key: { orderId }, ConsistentRead: true }),
    );
    return Item as PaymentRecord | undefined;
  }

  /**
   * Authorizes once per order: a decided payment answers the same again. Each undecided attempt is
   * counted in the table first (so `tok_flaky` behaves the same across Lambda instances).
   */
  async authorize(
    orderId: string,
    amountCents: number,
    paymentToken: string,
  ): Promise<{ paymentId: string; status: 'AUTHORIZED' }> {
    const existing = await this.find(orderId);
    if (existing?.status) return this.settled(orderId, existing.status);
    let attempts: number;
    try {
      const { Attributes } = await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { orderId },
          UpdateExpression: 'SET amountCents = :amount, paymentToken = :last4 ADD attempts :one',
          ConditionExpression: 'attribute_not_exists(#status)',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: { ':amount': amountCents, ':last4': paymentToken.slice(-4), ':one': 1 },
          ReturnValues: 'ALL_NEW',
        }),
      );
      attempts = Number((Attributes as PaymentRecord).attempts);
    } catch (error) {
      if (!isConditionalCheckFailed(error)) throw error;
      // A concurrent attempt decided in between: answer what it decided.
      const decided = await this.find(orderId);
      return this.settled(orderId, decided?.status ?? 'DECLINED');
    }
    const decision = providerDecision(paymentToken, attempts);
    if (decision === 'unavailable') {
      throw new PaymentProviderUnavailableError(`Payment provider unavailable (attempt ${attempts})`);
    }
    const status: PaymentStatus = decision === 'approve' ? 'AUTHORIZED' : 'DECLINED';
    await this.decide(orderId, status);
    return this.settled(orderId, status);
  }

  /** Voids an authorization; a no-op (answering the current status, or `NONE`) when nothing is authorized. */
  async void(orderId: string): Promise<{ status: PaymentStatus | 'NONE' }> {
    return this.moveFrom(orderId, 'AUTHORIZED', 'VOIDED');
  }

  /** Captures an authorized payment, for the order's final amount; answering again once captured. */
  async capture(orderId: string, amountCents: number): Promise<{ status: 'CAPTURED'; amountCents: number }> {
    const existing = await this.find(orderId);
    if (existing?.status === 'CAPTURED') return { status: 'CAPTURED', amountCents: existing.amountCents };
    const { status } = await this.moveFrom(orderId, 'AUTHORIZED', 'CAPTURED', amountCents);
    if (status !== 'CAPTURED') throw new PaymentNotCapturableError(`Payment of order ${orderId} is ${status}`);
    return { status, amountCents };
  }

  private settled(orderId: string, status: PaymentStatus): { paymentId: string; status: 'AUTHORIZED' } {
    if (status === 'AUTHORIZED' || status === 'CAPTURED')
      return { paymentId: paymentIdFor(orderId), status: 'AUTHORIZED' };
    throw new PaymentDeclinedError(status === 'DECLINED' ? 'Payment declined' : `Payment is ${status}`);
  }

  private async decide(orderId: string, status: PaymentStatus): Promise<void> {
    try {
      await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { orderId },
          UpdateExpression: 'SET #status = :status',
          ConditionExpression: 'attribute_not_exists(#status)',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: { ':status': status },
        }),
      );
    } catch (error) {
      // Another attempt decided first; `settled` reports what this attempt decided, which is the same
      // for a given token (the fake provider is deterministic once past the flaky attempts).
      if (!isConditionalCheckFailed(error)) throw error;
    }
  }

  private async moveFrom(
    orderId: string,
    from: PaymentStatus,
    to: PaymentStatus,
    amountCents?: number,
  ): Promise<{ status: PaymentStatus | 'NONE' }> {
    try {
      await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { orderId },
          UpdateExpression:
            amountCents === undefined ? 'SET #status = :to' : 'SET #status = :to, amountCents = :amount',
          ConditionExpression: '#status = :from',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: {
            ':from': from,
            ':to': to,
            ...(amountCents === undefined ? {} : { ':amount': amountCents }),
          },
        }),
      );
      return { status: to };
    } catch (error) {
      if (!isConditionalCheckFailed(error)) throw error;
      const current = await this.find(orderId);
      return { status: current?.status ?? 'NONE' };
    }
  }
}
