/**
 * Every route × every kind of caller (DESIGN §2): the owner, another customer, the order's restaurant staff,
 * another restaurant's staff, a courier not on the order, an admin, and no token. Role denials come from the
 * authorizer's policy (403); an object the caller may not see is a 404, never its data; no token is a 401.
 * Denied writes leave the data as it was.
 */
import { ADDRESS, type ApiAnswer, type App, pollUntil, startApp, USERS } from './support/harness';
import { orderBody, orderItem, paymentItem, placeOrderOk, stockOf } from './support/orders';

// Generous: the deadlines below are for liveness on a busy 2-core machine, not for speed.
jest.setTimeout(120_000);

type Persona = 'owner' | 'otherCustomer' | 'staff' | 'otherStaff' | 'courier' | 'admin' | 'anonymous';
const PERSONAS: readonly Persona[] = ['owner', 'otherCustomer', 'staff', 'otherStaff', 'courier', 'admin', 'anonymous'];

let app: App;
const tokens = {} as Record<Persona, string | undefined>;
/** An order of the owner at the pizzeria, PLACED and waiting for the restaurant; nothing here moves it. */
let orderId: string;
let orderTotal: number;

beforeAll(async () => {
  app = await startApp();
  const emails: Record<Exclude<Persona, 'anonymous'>, string> = {
    owner: USERS.alice,
    otherCustomer: USERS.bob,
    staff: USERS.pizzeriaStaff,
    otherStaff: USERS.sushiStaff,
    courier: USERS.courier,
    admin: USERS.admin,
  };
  for (const [persona, email] of Object.entries(emails)) tokens[persona as Persona] = await app.token(email);
  tokens.anonymous = undefined;
  const order = await placeOrderOk(app, tokens.owner as string);
  orderId = order.orderId;
  orderTotal = order.totalCents;
});

afterAll(async () => {
  await app?.stop();
});

interface Route {
  readonly method: string;
  readonly path: () => string;
  readonly body?: () => unknown;
  readonly headers?: () => Record<string, string>;
  /** Expected status per persona. */
  readonly expect: Record<Persona, number>;
}

const RESTAURANT_EVENT = { type: 'OrderAccepted' };
const COURIER_EVENT = { type: 'OrderPickedUp' };

/** Reads and denied writes; allowed writes that change data are checked in their own tests below. */
const ROUTES: readonly Route[] = [
  {
    method: 'GET',
    path: () => '/restaurants',
    expect: { owner: 200, otherCustomer: 200, staff: 200, otherStaff: 200, courier: 200, admin: 200, anonymous: 401 },
  },
  {
    method: 'GET',
    path: () => '/restaurants/r-pizzeria',
    expect: { owner: 200, otherCustomer: 200, staff: 200, otherStaff: 200, courier: 200, admin: 200, anonymous: 401 },
  },
  {
    method: 'GET',
    path: () => '/restaurants/r-pizzeria/orders',
    // Another restaurant's staff pass the policy (reads) and the handler hides the restaurant's orders.
    expect: { owner: 403, otherCustomer: 403, staff: 200, otherStaff: 404, courier: 403, admin: 200, anonymous: 401 },
  },
  {
    method: 'PUT',
    path: () => '/restaurants/r-pizzeria/open',
    body: () => ({ open: false }),
    expect: { owner: 403, otherCustomer: 403, staff: -1, otherStaff: 403, courier: 403, admin: -1, anonymous: 401 },
  },
  {
    method: 'PUT',
    path: () => '/restaurants/r-pizzeria/menu',
    body: () => ({ items: [{ menuItemId: 'margherita', name: 'Free pizza', priceCents: 0 }] }),
    expect: { owner: 403, otherCustomer: 403, staff: -1, otherStaff: 403, courier: 403, admin: -1, anonymous: 401 },
  },
  {
    method: 'POST',
    path: () => `/restaurants/r-pizzeria/orders/${orderId}/events`,
    body: () => RESTAURANT_EVENT,
    expect: { owner: 403, otherCustomer: 403, staff: -1, otherStaff: 403, courier: 403, admin: -1, anonymous: 401 },
  },
  {
    method: 'POST',
    path: () => `/deliveries/${orderId}/events`,
    body: () => COURIER_EVENT,
    expect: { owner: 403, otherCustomer: 403, staff: 403, otherStaff: 403, courier: -1, admin: -1, anonymous: 401 },
  },
  {
    method: 'POST',
    path: () => '/orders',
    body: () => orderBody(),
    headers: () => ({ 'Idempotency-Key': `access-${Date.now()}-${Math.random().toString(36).slice(2)}` }),
    expect: { owner: -1, otherCustomer: -1, staff: 403, otherStaff: 403, courier: 403, admin: -1, anonymous: 401 },
  },
  {
    method: 'GET',
    path: () => `/orders/${orderId}`,
    expect: { owner: 200, otherCustomer: 404, staff: 200, otherStaff: 404, courier: 404, admin: 200, anonymous: 401 },
  },
  {
    method: 'GET',
    path: () => `/orders/${orderId}/status`,
    expect: { owner: 200, otherCustomer: 404, staff: 200, otherStaff: 404, courier: 404, admin: 200, anonymous: 401 },
  },
  {
    method: 'PATCH',
    path: () => `/orders/${orderId}`,
    body: () => ({ items: [{ menuItemId: 'diavola', quantity: 9 }] }),
    // Staff and couriers are stopped by the policy; an admin sees the order but does not own it.
    expect: { owner: -1, otherCustomer: 404, staff: 403, otherStaff: 403, courier: 403, admin: 403, anonymous: 401 },
  },
  {
    method: 'POST',
    path: () => `/orders/${orderId}/cancel`,
    expect: { owner: -1, otherCustomer: 404, staff: 403, otherStaff: 403, courier: 403, admin: 403, anonymous: 401 },
  },
  // Profile (CQRS): every signed-in user reads and commands their own profile; the user id comes from the token.
  ...['/profile', '/profile/addresses', '/profile/favorites'].map(
    (path): Route => ({
      method: 'GET',
      path: () => path,
      expect: { owner: 200, otherCustomer: 200, staff: 200, otherStaff: 200, courier: 200, admin: 200, anonymous: 401 },
    }),
  ),
  {
    method: 'GET',
    path: () => '/users',
    expect: { owner: 403, otherCustomer: 403, staff: 403, otherStaff: 403, courier: 403, admin: 200, anonymous: 401 },
  },
  ...(
    [
      ['POST', '/profile/addresses', ADDRESS],
      ['PUT', '/profile/addresses/a-unknown', ADDRESS],
      ['DELETE', '/profile/addresses/a-unknown', undefined],
      ['PUT', '/profile/favorites/r-sushi', undefined],
      ['DELETE', '/profile/favorites/r-sushi', undefined],
    ] as const
  ).map(
    ([method, path, body]): Route => ({
      method,
      path: () => path,
      ...(body ? { body: () => body } : {}),
      expect: { owner: 202, otherCustomer: 202, staff: 202, otherStaff: 202, courier: 202, admin: 202, anonymous: 401 },
    }),
  ),
];

const call = (route: Route, persona: Persona): Promise<ApiAnswer> =>
  app.call(route.method, route.path(), {
    token: tokens[persona],
    ...(route.body ? { body: route.body() } : {}),
    ...(route.headers ? { headers: route.headers() } : {}),
  });

const cases = ROUTES.flatMap((route) =>
  PERSONAS.filter((persona) => route.expect[persona] !== -1).map(
    (persona) => [`${route.method} ${route.path.toString().replace(/^\(\) => /, '')}`, persona, route] as const,
  ),
);

describe('the access matrix', () => {
  it.each(cases)('%s as %s', async (_name, persona, route) => {
    // Act
    const res = await call(route, persona);

    // Assess
    const expected = route.expect[persona];
    expect({ status: res.status, body: res.body }).toMatchObject({ status: expected });
    if (expected >= 400) {
      expect(res.body).toMatchObject({ error: { code: expect.any(String), message: expect.any(String) } });
      // A denial never carries the object.
      expect(res.text).not.toContain('"items"');
      expect(res.text).not.toContain('deliveryAddress');
    }
  });

  it('left the order, its payment and the menu untouched after every denied call', async () => {
    // Assess
    const item = await orderItem(app, orderId);
    expect(item).toMatchObject({ status: 'PLACED', totalCents: orderTotal });
    expect(item?.cancelRequested).toBeUndefined();
    expect(item?.courierId).toBeUndefined();
    expect(await paymentItem(app, orderId)).toMatchObject({ status: 'AUTHORIZED' });
    const restaurant = await app.call('GET', '/restaurants/r-pizzeria', { token: tokens.owner });
    expect(restaurant.body.open).toBe(true);
    expect(restaurant.body.menu).toContainEqual(expect.objectContaining({ menuItemId: 'margherita', priceCents: 950 }));
    expect(await stockOf(app, tokens.owner as string, 'r-pizzeria', 'truffle-special')).toBe(1);
  });
});

describe('lists show only what the caller may see', () => {
  it("never lists the owner's order for another customer, staff of another restaurant, a courier or an admin", async () => {
    for (const persona of ['otherCustomer', 'otherStaff', 'courier', 'admin', 'staff'] as const) {
      const res = await app.call('GET', '/orders', { token: tokens[persona] });
      if (res.status === 200) expect(res.text).not.toContain(orderId);
      else expect(res.status).toBe(403);
    }
    const own = await app.call('GET', '/orders', { token: tokens.owner });
    expect(own.text).toContain(orderId);
  });

  it("lists the restaurant's orders for its staff and for admins only", async () => {
    const staff = await app.call('GET', '/restaurants/r-pizzeria/orders', { token: tokens.staff });
    const admin = await app.call('GET', '/restaurants/r-pizzeria/orders', { token: tokens.admin });
    const otherStaff = await app.call('GET', '/restaurants/r-sushi/orders', { token: tokens.otherStaff });
    expect(staff.text).toContain(orderId);
    expect(admin.text).toContain(orderId);
    expect(otherStaff.status).toBe(200);
    expect(otherStaff.text).not.toContain(orderId);
  });
});

describe('allowed writes', () => {
  it('lets the staff and an admin open and close their restaurant', async () => {
    const closed = await app.call('PUT', '/restaurants/r-sushi/open', {
      token: tokens.otherStaff,
      body: { open: false },
    });
    expect(closed.status).toBe(200);
    expect(closed.body).toMatchObject({ open: false });
    const reopened = await app.call('PUT', '/restaurants/r-sushi/open', { token: tokens.admin, body: { open: true } });
    expect(reopened.status).toBe(200);
    expect(reopened.body).toMatchObject({ open: true });
  });

  it('lets the staff replace their menu, which new orders are priced from', async () => {
    // Prepare
    const current = await app.call('GET', '/restaurants/r-sushi', { token: tokens.owner });
    const items = (current.body.menu as { menuItemId: string; priceCents: number }[]).map((m) =>
      m.menuItemId === 'maki-set' ? { ...m, priceCents: 1500 } : m,
    );

    // Act
    const res = await app.call('PUT', '/restaurants/r-sushi/menu', { token: tokens.otherStaff, body: { items } });
    const order = await placeOrderOk(
      app,
      tokens.otherCustomer as string,
      orderBody({ restaurantId: 'r-sushi', items: [{ menuItemId: 'maki-set', quantity: 2 }] }),
    );

    // Assess
    expect(res.status).toBe(200);
    expect(order.totalCents).toBe(3000);
  });

  it('lets the courier on an order see it once they picked it up', async () => {
    // Prepare
    const order = await placeOrderOk(app, tokens.owner as string);
    expect((await app.call('GET', `/orders/${order.orderId}`, { token: tokens.courier })).status).toBe(404);

    // Act: a courier report assigns the courier to the order (kept until the order is ready).
    const res = await app.call('POST', `/deliveries/${order.orderId}/events`, {
      token: tokens.courier,
      body: COURIER_EVENT,
    });
    expect(res.status).toBe(202);

    // Assess
    const seen = await pollUntil(
      () => app.call('GET', `/orders/${order.orderId}`, { token: tokens.courier }),
      (r) => r.status === 200,
      { what: 'the courier to see the order' },
    );
    expect(seen.body.orderId).toBe(order.orderId);
  });
});

describe('profiles are per user', () => {
  it('shows a saved address to its owner only, and lists users to admins only', async () => {
    // Prepare
    const line1 = `${Date.now()} Private Lane`;

    // Act
    const added = await app.call('POST', '/profile/addresses', { token: tokens.owner, body: { ...ADDRESS, line1 } });

    // Assess
    expect(added.status).toBe(202);
    expect(added.body).toMatchObject({ commandId: expect.any(String) });
    await pollUntil(
      () => app.call('GET', '/profile/addresses', { token: tokens.owner }),
      (res) => res.text.includes(line1),
      { what: 'the address to reach the owner profile' },
    );
    for (const persona of ['otherCustomer', 'staff', 'courier', 'admin'] as const) {
      const res = await app.call('GET', '/profile/addresses', { token: tokens[persona] });
      expect(res.status).toBe(200);
      expect(res.text).not.toContain(line1);
    }
    const users = await app.call('GET', '/users', { token: tokens.admin });
    expect(users.text).toContain(USERS.alice);
  });
});
