import { App } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { type StageName, stageConfig } from '../../lib/config/stages';
import { StatefulStack } from '../../lib/stateful-stack';

function statefulTemplate(stage: StageName): Template {
  const app = new App();
  return Template.fromStack(new StatefulStack(app, `Dishpatch-${stage}-Stateful`, { config: stageConfig(stage) }));
}

const dev = statefulTemplate('dev');
const prod = statefulTemplate('prod');

const tableNamed = (template: Template, id: string) => {
  const entry = Object.entries(template.findResources('AWS::DynamoDB::Table')).find(([logicalId]) =>
    logicalId.startsWith(id),
  );
  if (entry === undefined) throw new Error(`no table ${id}`);
  return entry[1];
};

describe('StatefulStack', () => {
  it('creates the five tables of the app contract, on demand and encrypted', () => {
    const tables = dev.findResources('AWS::DynamoDB::Table');
    expect(Object.keys(tables)).toHaveLength(5);
    for (const table of Object.values(tables)) {
      expect(table.Properties).toMatchObject({
        BillingMode: 'PAY_PER_REQUEST',
        SSESpecification: { SSEEnabled: true },
      });
    }
  });

  it('keys orders by orderId with the byCustomer, byRestaurant and byRestaurantStatus indexes', () => {
    const orders = tableNamed(dev, 'OrdersTable').Properties;
    expect(orders.KeySchema).toEqual([{ AttributeName: 'orderId', KeyType: 'HASH' }]);
    const indexes = Object.fromEntries(
      orders.GlobalSecondaryIndexes.map(
        (index: { IndexName: string; KeySchema: { AttributeName: string }[]; Projection: unknown }) => [
          index.IndexName,
          { keys: index.KeySchema.map((key) => key.AttributeName), projection: index.Projection },
        ],
      ),
    );
    expect(indexes).toEqual({
      byCustomer: { keys: ['customerId', 'placedAt'], projection: { ProjectionType: 'ALL' } },
      byRestaurant: { keys: ['restaurantId', 'placedAt'], projection: { ProjectionType: 'ALL' } },
      byRestaurantStatus: { keys: ['restaurantStatus', 'placedAt'], projection: { ProjectionType: 'ALL' } },
    });
  });

  it('keys restaurants by pk/sk and lists them through byType', () => {
    expect(tableNamed(dev, 'RestaurantsTable').Properties).toMatchObject({
      KeySchema: [
        { AttributeName: 'pk', KeyType: 'HASH' },
        { AttributeName: 'sk', KeyType: 'RANGE' },
      ],
      GlobalSecondaryIndexes: [
        {
          IndexName: 'byType',
          KeySchema: [
            { AttributeName: 'entityType', KeyType: 'HASH' },
            { AttributeName: 'name', KeyType: 'RANGE' },
          ],
          Projection: { ProjectionType: 'ALL' },
        },
      ],
    });
  });

  it('expires idempotency records through the expiration attribute', () => {
    expect(tableNamed(dev, 'IdempotencyTable').Properties).toMatchObject({
      KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
      TimeToLiveSpecification: { AttributeName: 'expiration', Enabled: true },
    });
  });

  it('retains prod data with point-in-time recovery and deletes dev data without it', () => {
    for (const table of Object.values(prod.findResources('AWS::DynamoDB::Table'))) {
      expect(table).toMatchObject({
        DeletionPolicy: 'Retain',
        Properties: {
          PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
          DeletionProtectionEnabled: true,
        },
      });
    }
    for (const table of Object.values(dev.findResources('AWS::DynamoDB::Table'))) {
      expect(table).toMatchObject({
        DeletionPolicy: 'Delete',
        Properties: { PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: false } },
      });
    }
    prod.hasResource('AWS::Cognito::UserPool', { DeletionPolicy: 'Retain' });
    dev.hasResource('AWS::Cognito::UserPool', { DeletionPolicy: 'Delete' });
  });

  it('names the event bus after the stage', () => {
    dev.hasResourceProperties('AWS::Events::EventBus', { Name: 'dishpatch-dev' });
    prod.hasResourceProperties('AWS::Events::EventBus', { Name: 'dishpatch-prod' });
  });

  it('signs users in by e-mail with a strong password policy and the custom restaurantId attribute', () => {
    dev.hasResourceProperties('AWS::Cognito::UserPool', {
      UsernameAttributes: ['email'],
      Policies: {
        PasswordPolicy: {
          MinimumLength: 12,
          RequireLowercase: true,
          RequireUppercase: true,
          RequireNumbers: true,
          RequireSymbols: true,
        },
      },
      Schema: Match.arrayWith([Match.objectLike({ Name: 'restaurantId', AttributeDataType: 'String', Mutable: true })]),
    });
  });

  it('creates the restaurant, courier and admin groups', () => {
    const groups = Object.values(dev.findResources('AWS::Cognito::UserPoolGroup')).map(
      (group) => group.Properties.GroupName,
    );
    expect(groups.sort()).toEqual(['admin', 'courier', 'restaurant']);
  });

  it('has a public app client with USER_PASSWORD_AUTH and SRP', () => {
    dev.hasResourceProperties('AWS::Cognito::UserPoolClient', {
      GenerateSecret: false,
      ExplicitAuthFlows: Match.arrayWith([
        'ALLOW_USER_PASSWORD_AUTH',
        'ALLOW_USER_SRP_AUTH',
        'ALLOW_REFRESH_TOKEN_AUTH',
      ]),
    });
  });
});
