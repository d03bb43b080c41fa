import { Construct } from 'constructs';
import type { StageConfig } from '../config/stages';
import { ServiceFunction } from '../constructs/service-function';
import { ORDERS_INDEXES, RESTAURANTS_INDEXES, type StatefulResources } from '../resources';
import type { DishpatchApi } from './dishpatch-api';

/** Props of {@link RestaurantRoutes}. */
export interface RestaurantRoutesProps {
  readonly config: StageConfig;
  readonly resources: StatefulResources;
  readonly api: DishpatchApi;
}

/** DESIGN §2 "Restaurants and menus" (except the `/events` route, see {@link EventRoutes}). */
export class RestaurantRoutes extends Construct {
  public readonly listRestaurants: ServiceFunction;
  public readonly getRestaurant: ServiceFunction;
  public readonly putMenu: ServiceFunction;
  public readonly setRestaurantOpen: ServiceFunction;
  public readonly listRestaurantOrders: ServiceFunction;

  constructor(scope: Construct, id: string, props: RestaurantRoutesProps) {
    super(scope, id);
    const { config, resources, api } = props;
    const handler = (fnId: string, file: string) =>
      new ServiceFunction(this, fnId, { entry: `functions/restaurants/${file}.ts`, config, service: 'restaurants' });
    const restaurants = (access: 'read' | 'readWrite') =>
      ({ table: resources.restaurantsTable, access, env: 'RESTAURANTS_TABLE_NAME' }) as const;

    this.listRestaurants = handler('ListRestaurants', 'list-restaurants').bindTable({
      ...restaurants('read'),
      indexes: [RESTAURANTS_INDEXES.byType],
    });
    this.getRestaurant = handler('GetRestaurant', 'get-restaurant').bindTable(restaurants('read'));
    this.putMenu = handler('PutMenu', 'put-menu').bindTable(restaurants('readWrite'));
    this.setRestaurantOpen = handler('SetRestaurantOpen', 'set-open').bindTable(restaurants('readWrite'));
    this.listRestaurantOrders = handler('ListRestaurantOrders', 'list-restaurant-orders').bindTable({
      table: resources.ordersTable,
      access: 'read',
      env: 'ORDERS_TABLE_NAME',
      indexes: [ORDERS_INDEXES.byRestaurant, ORDERS_INDEXES.byRestaurantStatus],
    });

    api.addLambdaRoute('GET', '/restaurants', this.listRestaurants);
    api.addLambdaRoute('GET', '/restaurants/{restaurantId}', this.getRestaurant);
    api.addLambdaRoute('PUT', '/restaurants/{restaurantId}/menu', this.putMenu, { body: 'PutMenuRequest' });
    api.addLambdaRoute('PUT', '/restaurants/{restaurantId}/open', this.setRestaurantOpen, {
      body: 'SetRestaurantOpenRequest',
    });
    api.addLambdaRoute('GET', '/restaurants/{restaurantId}/orders', this.listRestaurantOrders);
  }
}
