import '../support/env';
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import type { PostConfirmationTriggerEvent } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { handler } from '../../../functions/profile/post-confirmation';
import { lambdaContext } from '../support/api';

const table = mockClient(DynamoDBDocumentClient);

const confirmation = (
  triggerSource: PostConfirmationTriggerEvent['triggerSource'],
  userAttributes: Record<string, string> = { sub: 'u-1', email: 'frank@x.example' },
): PostConfirmationTriggerEvent => ({
  version: '1',
  region: 'us-east-1',
  userPoolId: 'us-east-1_TestPool1',
  userName: 'frank@x.example',
  callerContext: { awsSdkVersion: '3', clientId: 'client' },
  triggerSource,
  request: { userAttributes },
  response: {},
});

const invoke = (event: PostConfirmationTriggerEvent) => handler(event, lambdaContext());

beforeEach(() => {
  table.reset();
  table.on(PutCommand).resolves({});
});

describe('PostConfirmation trigger', () => {
  it('creates the profile record from the attributes and returns the event to Cognito', async () => {
    const event = confirmation('PostConfirmation_ConfirmSignUp', {
      sub: 'u-1',
      email: 'frank@x.example',
      name: 'Frank',
    });

    const result = await invoke(event);

    expect(result).toBe(event);
    expect(table).toHaveReceivedCommandWith(PutCommand, {
      TableName: 'profile',
      Item: expect.objectContaining({
        userId: 'u-1',
        sk: 'PROFILE',
        email: 'frank@x.example',
        name: 'Frank',
        createdBy: 'sign-up',
      }),
      ConditionExpression: 'attribute_not_exists(sk)',
    });
  });

  it("names the profile after the e-mail's local part when the user gave no name", async () => {
    await invoke(confirmation('PostConfirmation_ConfirmSignUp'));

    expect(table.commandCalls(PutCommand)[0]?.args[0].input.Item).toMatchObject({ name: 'frank' });
  });

  it('succeeds when Cognito runs the trigger again for an existing record', async () => {
    table.on(PutCommand).rejects(new ConditionalCheckFailedException({ message: 'exists', $metadata: {} }));
    table.on(GetCommand).resolves({ Item: { userId: 'u-1', sk: 'PROFILE', email: 'frank@x.example', name: 'F' } });

    await expect(invoke(confirmation('PostConfirmation_ConfirmSignUp'))).resolves.toBeDefined();
  });

  it('ignores a password-reset confirmation', async () => {
    await invoke(confirmation('PostConfirmation_ConfirmForgotPassword'));

    expect(table).not.toHaveReceivedCommand(PutCommand);
  });
});
