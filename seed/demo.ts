/**
 * The demo data `npm start` seeds: restaurants with menus (some items with limited stock, one restaurant closed)
 * and one user per role. It talks to the local cloud only through the AWS SDK and the stack outputs, like any
 * client would, and it is idempotent: a second start keeps what is there (stock, orders, passwords).
 */
import {
  AdminAddUserToGroupCommand,
  AdminCreateUserCommand,
  AdminSetUserPasswordCommand,
  CognitoIdentityProviderClient,
  UsernameExistsException,
} from '@aws-sdk/client-cognito-identity-provider';
import { ConditionalCheckFailedException, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, PutCommand } from '@aws-sdk/lib-dynamodb';
import type { SeedContext } from '../local/cli';

/** Demo password of every seeded user (meets the pool's policy: 12+ chars, upper, lower, digit, symbol). */
export const DEMO_PASSWORD = 'Dishpatch-demo-2026!';

/** The seeded users; `restaurantId` makes a staff member of that restaurant. */
export const DEMO_USERS = [
  { email: 'alice@dishpatch.example', role: 'customer' },
  { email: 'bob@dishpatch.example', role: 'customer' },
  { email: 'staff@pizzeria.example', role: 'restaurant', restaurantId: 'r-pizzeria' },
  { email: 'staff@sushi.example', role: 'restaurant', restaurantId: 'r-sushi' },
  { email: 'courier@dishpatch.example', role: 'courier' },
  { email: 'admin@dishpatch.example', role: 'admin' },
] as const;

interface MenuSeed {
  menuItemId: string;
  name: string;
  priceCents: number;
  available: boolean;
  stock?: number;
}

/** The seeded restaurants and their menus. */
export const DEMO_RESTAURANTS: {
  restaurantId: string;
  name: string;
  cuisine: string;
  open: boolean;
  menu: MenuSeed[];
}[] = [
  {
    restaurantId: 'r-pizzeria',
    name: 'Pizzeria Napoli',
    cuisine: 'italian',
    open: true,
    menu: [
      { menuItemId: 'margherita', name: 'Margherita', priceCents: 950, available: true },
      { menuItemId: 'diavola', name: 'Diavola', priceCents: 1150, available: true },
      { menuItemId: 'tiramisu', name: 'Tiramisu', priceCents: 550, available: true, stock: 5 },
      { menuItemId: 'truffle-special', name: 'Truffle special', priceCents: 2400, available: true, stock: 1 },
      { menuItemId: 'calzone', name: 'Calzone', priceCents: 1050, available: false },
    ],
  },
  {
    restaurantId: 'r-sushi',
    name: 'Sushi Kaito',
    cuisine: 'japanese',
    open: true,
    menu: [
      { menuItemId: 'salmon-nigiri', name: 'Salmon nigiri (2)', priceCents: 480, available: true },
      { menuItemId: 'maki-set', name: 'Maki set', priceCents: 1290, available: true },
      { menuItemId: 'omakase', name: 'Omakase box', priceCents: 3900, available: true, stock: 3 },
    ],
  },
  {
    restaurantId: 'r-taqueria',
    name: 'Taqueria Sol',
    cuisine: 'mexican',
    open: false,
    menu: [
      { menuItemId: 'tacos-al-pastor', name: 'Tacos al pastor', priceCents: 890, available: true },
      { menuItemId: 'churros', name: 'Churros', priceCents: 450, available: true },
    ],
  },
];

/** Find an output by key across stacks (CDK keys are the construct ids of the outputs). */
export const output = (outputs: SeedContext['outputs'], key: string): string => {
  for (const stack of Object.values(outputs)) if (stack[key] !== undefined) return stack[key] as string;
  throw new Error(`stack output ${key} not found (outputs: ${Object.values(outputs).flatMap(Object.keys).join(', ')})`);
};

const putIfAbsent = async (doc: DynamoDBDocumentClient, TableName: string, Item: Record<string, unknown>) => {
  try {
    await doc.send(new PutCommand({ TableName, Item, ConditionExpression: 'attribute_not_exists(pk)' }));
  } catch (e) {
    if (!(e instanceof ConditionalCheckFailedException)) throw e;
  }
};

const seedRestaurants = async (ctx: SeedContext, clientConfig: object): Promise<void> => {
  const table = output(ctx.outputs, 'RestaurantsTableName');
  const doc = DynamoDBDocumentClient.from(new DynamoDBClient(clientConfig));
  for (const r of DEMO_RESTAURANTS) {
    await putIfAbsent(doc, table, {
      pk: r.restaurantId,
      sk: 'RESTAURANT',
      entityType: 'RESTAURANT',
      restaurantId: r.restaurantId,
      name: r.name,
      cuisine: r.cuisine,
      open: r.open,
    });
    for (const m of r.menu) {
      await putIfAbsent(doc, table, { pk: r.restaurantId, sk: `ITEM#${m.menuItemId}`, entityType: 'MENU_ITEM', ...m });
    }
  }
};

const seedUsers = async (ctx: SeedContext, clientConfig: object): Promise<void> => {
  const UserPoolId = output(ctx.outputs, 'UserPoolId');
  const cognito = new CognitoIdentityProviderClient(clientConfig);
  for (const u of DEMO_USERS) {
    try {
      await cognito.send(
        new AdminCreateUserCommand({
          UserPoolId,
          Username: u.email,
          MessageAction: 'SUPPRESS',
          UserAttributes: [
            { Name: 'email', Value: u.email },
            { Name: 'email_verified', Value: 'true' },
            ...('restaurantId' in u ? [{ Name: 'custom:restaurantId', Value: u.restaurantId }] : []),
          ],
        }),
      );
    } catch (e) {
      if (e instanceof UsernameExistsException) continue;
      throw e;
    }
    await cognito.send(
      new AdminSetUserPasswordCommand({ UserPoolId, Username: u.email, Password: DEMO_PASSWORD, Permanent: true }),
    );
    if (u.role !== 'customer') {
      await cognito.send(new AdminAddUserToGroupCommand({ UserPoolId, Username: u.email, GroupName: u.role }));
    }
  }
};

/** Seeds the demo and returns the lines `npm start` prints: users, and copy-paste examples. */
export const seed = async (ctx: SeedContext): Promise<string[]> => {
  // A local cloud takes any credentials; a deployed stage (no endpoint) uses the environment's, like any client.
  const clientConfig = ctx.endpoint
    ? { endpoint: ctx.endpoint, region: ctx.region, credentials: { accessKeyId: 'local', secretAccessKey: 'local' } }
    : { region: ctx.region };
  await seedRestaurants(ctx, clientConfig);
  await seedUsers(ctx, clientConfig);
  const clientId = output(ctx.outputs, 'UserPoolClientId');
  const bus = output(ctx.outputs, 'EventBusName');
  const api = (ctx.apiUrl ?? '').replace(/\/$/, '');
  const e = ctx.endpoint;
  return [
    '',
    `Demo users (password for all: ${DEMO_PASSWORD})`,
    ...DEMO_USERS.map((u) => `  ${u.role.padEnd(10)} ${u.email}${'restaurantId' in u ? ` (${u.restaurantId})` : ''}`),
    '',
    'Try it (bash; needs the AWS CLI for the event step):',
    `  export AWS_ENDPOINT_URL=${e} AWS_REGION=${ctx.region} AWS_DEFAULT_REGION=${ctx.region} AWS_ACCESS_KEY_ID=local AWS_SECRET_ACCESS_KEY=local`,
    `  TOKEN=$(aws cognito-idp initiate-auth --endpoint-url ${e} --client-id ${clientId} --auth-flow USER_PASSWORD_AUTH \\`,
    `    --auth-parameters USERNAME=alice@dishpatch.example,PASSWORD='${DEMO_PASSWORD}' --query AuthenticationResult.IdToken --output text)`,
    `  curl -s ${api}/restaurants -H "Authorization: Bearer $TOKEN"`,
    `  ORDER=$(curl -s -X POST ${api}/orders -H "Authorization: Bearer $TOKEN" -H 'Idempotency-Key: demo-1' \\`,
    `    -H 'Content-Type: application/json' -d '{"restaurantId":"r-pizzeria","items":[{"menuItemId":"margherita","quantity":2}],` +
      `"deliveryAddress":{"line1":"1 Main St","city":"Springfield","postalCode":"12345","country":"US"},"paymentToken":"tok_visa"}' \\`,
    `    | sed -E 's/.*"orderId":"([^"]+)".*/\\1/')`,
    `  aws events put-events --entries '[{"EventBusName":"${bus}","Source":"dishpatch.restaurant","DetailType":"OrderAccepted",` +
      `"Detail":"{\\"version\\":1,\\"orderId\\":\\"'$ORDER'\\",\\"restaurantId\\":\\"r-pizzeria\\"}"}]'`,
    `  curl -s ${api}/orders/$ORDER/status -H "Authorization: Bearer $TOKEN"`,
  ];
};
