/** Small CloudFormation templates for local-cloud tests. */
import type { CfnTemplate } from '../../../local/template';

/** A table with a GSI and TTL, a table named explicitly, and outputs (one exported). */
export const tablesTemplate = (): CfnTemplate => ({
  Parameters: {
    BootstrapVersion: { Type: 'AWS::SSM::Parameter::Value<String>', Default: '/cdk-bootstrap/hnb659fds/version' },
    Stage: { Type: 'String', Default: 'test' },
  },
  Resources: {
    OrdersTable: {
      Type: 'AWS::DynamoDB::Table',
      Properties: {
        AttributeDefinitions: [
          { AttributeName: 'orderId', AttributeType: 'S' },
          { AttributeName: 'customerId', AttributeType: 'S' },
          { AttributeName: 'placedAt', AttributeType: 'S' },
        ],
        KeySchema: [{ AttributeName: 'orderId', KeyType: 'HASH' }],
        BillingMode: 'PAY_PER_REQUEST',
        GlobalSecondaryIndexes: [
          {
            IndexName: 'byCustomer',
            KeySchema: [
              { AttributeName: 'customerId', KeyType: 'HASH' },
              { AttributeName: 'placedAt', KeyType: 'RANGE' },
            ],
            Projection: { ProjectionType: 'ALL' },
          },
        ],
        TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true },
        StreamSpecification: { StreamViewType: 'NEW_AND_OLD_IMAGES' },
      },
    },
    StockTable: {
      Type: 'AWS::DynamoDB::GlobalTable',
      Properties: {
        // biome-ignore lint/suspicious/noTemplateCurlyInString: CloudFormation Fn::Sub syntax, not a JS template
        TableName: { 'Fn::Sub': 'stock-${Stage}' },
        AttributeDefinitions: [
          { AttributeName: 'pk', AttributeType: 'S' },
          { AttributeName: 'sk', AttributeType: 'S' },
        ],
        KeySchema: [
          { AttributeName: 'pk', KeyType: 'HASH' },
          { AttributeName: 'sk', KeyType: 'RANGE' },
        ],
        BillingMode: 'PAY_PER_REQUEST',
        Replicas: [{ Region: 'us-east-1' }],
      },
    },
    OrdersRole: {
      Type: 'AWS::IAM::Role',
      Properties: { AssumeRolePolicyDocument: { Statement: [] } },
    },
  },
  Outputs: {
    OrdersTableName: { Value: { Ref: 'OrdersTable' }, Description: 'orders', Export: { Name: 'test-orders-table' } },
    OrdersTableArn: { Value: { 'Fn::GetAtt': ['OrdersTable', 'Arn'] } },
    StockTableName: { Value: { Ref: 'StockTable' } },
  },
});
