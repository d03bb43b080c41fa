import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import {
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import type { z } from 'zod';
import type { savedAddress } from '#events/address-fields';

/**
 * The profile table (one partition per user, `pk` = `userId`):
 *
 * | `sk` | item |
 * |---|---|
 * | `PROFILE` | `{email, name, createdAt, createdBy: 'sign-up' \| 'token'}` |
 * | `ADDRESS#<addressId>` | `{addressId, address, updatedAt, commandId, deleted?, expiresAt?}` |
 * | `FAVORITE#<restaurantId>` | `{restaurantId, addedAt, updatedAt, commandId, deleted?, expiresAt?}` |
 *
 * Writers are idempotent and order-tolerant: every address and favorite item remembers the command that last
 * wrote it (`updatedAt` = the gateway's request time in epoch ms, `commandId` breaking ties), and a write is
 * conditional on being newer. A removal leaves a tombstone (`deleted`), so an add that arrives after its
 * removal is recognised as older and ignored; tombstones expire through the table's TTL once no delivery of
 * an older command can still be in flight.
 */
export const PROFILE_SK = 'PROFILE';

/** Sort key of a saved address. */
export const addressSk = (addressId: string): string => `ADDRESS#${addressId}`;

/** Sort key of a favorite restaurant. */
export const favoriteSk = (restaurantId: string): string => `FAVORITE#${restaurantId}`;

/**
 * How long a tombstone is kept: longer than any redelivery can take (EventBridge retries for at most 24 h,
 * the favorites queue keeps a message 4 days by default), so an older command always still finds it.
 */
export const TOMBSTONE_TTL_SECONDS = 14 * 24 * 60 * 60;

/** A saved address, as commands carry it. */
export type SavedAddress = z.infer<typeof savedAddress>;

/** The profile record. */
export interface ProfileRecord {
  userId: string;
  email: string;
  name: string;
  createdAt: string;
}

/** A saved address as the API returns it. */
export interface AddressView extends SavedAddress {
  addressId: string;
}

/** A favorite as the API returns it. */
export interface FavoriteView {
  restaurantId: string;
  addedAt: string;
}

/** Which command last wrote an item: its gateway time (epoch ms) and id. */
export interface CommandStamp {
  commandId: string;
  requestedAt: number;
}

/** What a conditional write did: applied, or skipped because the item already reflects a newer or the same command. */
export type WriteOutcome = 'applied' | 'superseded';

/** Everything stored for one user, tombstones left out. */
export interface ProfileItems {
  profile?: ProfileRecord;
  addresses: AddressView[];
  favorites: FavoriteView[];
}

interface StoredItem {
  userId: string;
  sk: string;
  deleted?: boolean;
  [attribute: string]: unknown;
}

/** Only a newer command may overwrite an item; the same command again (a redelivery) is a no-op. */
const NEWER_THAN_STORED = 'attribute_not_exists(sk) OR updatedAt < :at OR (updatedAt = :at AND commandId < :cid)';

const tombstoneExpiry = (stamp: CommandStamp): number => Math.floor(stamp.requestedAt / 1000) + TOMBSTONE_TTL_SECONDS;

/** Data access of the profile service; one instance per function, over the shared document client. */
export class ProfileRepository {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  /** Every item of a user (one partition, paged through), tombstones filtered out. */
  async load(userId: string): Promise<ProfileItems> {
    const items: StoredItem[] = [];
    let startKey: Record<string, unknown> | undefined;
    do {
      const page = await this.client.send(
        new QueryCommand({
          TableName: this.tableName,
          KeyConditionExpression: 'userId = :u',
          ExpressionAttributeValues: { ':u': userId },
          ExclusiveStartKey: startKey,
        }),
      );
      items.push(...((page.Items ?? []) as StoredItem[]));
      startKey = page.LastEvaluatedKey;
    } while (startKey !== undefined);

    const result: ProfileItems = { addresses: [], favorites: [] };
    for (const item of items) {
      if (item.deleted === true) continue;
      if (item.sk === PROFILE_SK) result.profile = toProfile(item);
      else if (item.sk.startsWith('ADDRESS#')) result.addresses.push(toAddress(item));
      else if (item.sk.startsWith('FAVORITE#')) result.favorites.push(toFavorite(item));
    }
    result.favorites.sort((a, b) => a.addedAt.localeCompare(b.addedAt));
    return result;
  }

  /** One live address of a user, or `undefined` (never another user's: the key is the caller's partition). */
  async getAddress(userId: string, addressId: string): Promise<AddressView | undefined> {
    const { Item } = await this.client.send(
      new GetCommand({ TableName: this.tableName, Key: { userId, sk: addressSk(addressId) } }),
    );
    const item = Item as StoredItem | undefined;
    return item === undefined || item.deleted === true ? undefined : toAddress(item);
  }

  /**
   * Creates the profile record unless it exists (Cognito may run its trigger more than once; a lazily created
   * record must never overwrite one the trigger wrote). Returns the stored record either way.
   */
  async createProfile(profile: ProfileRecord, createdBy: 'sign-up' | 'token'): Promise<ProfileRecord> {
    try {
      await this.client.send(
        new PutCommand({
          TableName: this.tableName,
          Item: { ...profile, sk: PROFILE_SK, createdBy },
          ConditionExpression: 'attribute_not_exists(sk)',
        }),
      );
      return profile;
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
      const { Item } = await this.client.send(
        new GetCommand({ TableName: this.tableName, Key: { userId: profile.userId, sk: PROFILE_SK } }),
      );
      return Item === undefined ? profile : toProfile(Item as StoredItem);
    }
  }

  /** Saves (creates or replaces) an address, unless a newer command already wrote it. */
  putAddress(userId: string, addressId: string, address: SavedAddress, stamp: CommandStamp): Promise<WriteOutcome> {
    return this.conditionalPut({
      userId,
      sk: addressSk(addressId),
      addressId,
      address,
      updatedAt: stamp.requestedAt,
      commandId: stamp.commandId,
    });
  }

  /** Replaces an address with a tombstone, unless a newer command already wrote it. */
  removeAddress(userId: string, addressId: string, stamp: CommandStamp): Promise<WriteOutcome> {
    return this.conditionalPut({
      userId,
      sk: addressSk(addressId),
      addressId,
      deleted: true,
      updatedAt: stamp.requestedAt,
      commandId: stamp.commandId,
      expiresAt: tombstoneExpiry(stamp),
    });
  }

  /**
   * Marks a restaurant as a favorite. `addedAt` keeps the first add of a live favorite (adding twice does not
   * move it), and starts again after a removal.
   */
  addFavorite(userId: string, restaurantId: string, stamp: CommandStamp): Promise<WriteOutcome> {
    return this.conditionalUpdate(
      userId,
      favoriteSk(restaurantId),
      'SET restaurantId = :r, addedAt = if_not_exists(addedAt, :addedAt), updatedAt = :at, commandId = :cid ' +
        'REMOVE deleted, expiresAt',
      { ':r': restaurantId, ':addedAt': new Date(stamp.requestedAt).toISOString() },
      stamp,
    );
  }

  /** Removes a favorite, leaving a tombstone. */
  removeFavorite(userId: string, restaurantId: string, stamp: CommandStamp): Promise<WriteOutcome> {
    return this.conditionalUpdate(
      userId,
      favoriteSk(restaurantId),
      'SET restaurantId = :r, deleted = :true, updatedAt = :at, commandId = :cid, expiresAt = :exp REMOVE addedAt',
      { ':r': restaurantId, ':true': true, ':exp': tombstoneExpiry(stamp) },
      stamp,
    );
  }

  private async conditionalPut(item: Record<string, unknown>): Promise<WriteOutcome> {
    return superseded(() =>
      this.client.send(
        new PutCommand({
          TableName: this.tableName,
          Item: item,
          ConditionExpression: NEWER_THAN_STORED,
          ExpressionAttributeValues: { ':at': item.updatedAt, ':cid': item.commandId },
        }),
      ),
    );
  }

  private async conditionalUpdate(
    userId: string,
    sk: string,
    update: string,
    values: Record<string, unknown>,
    stamp: CommandStamp,
  ): Promise<WriteOutcome> {
    return superseded(() =>
      this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { userId, sk },
          UpdateExpression: update,
          ConditionExpression: NEWER_THAN_STORED,
          ExpressionAttributeValues: { ...values, ':at': stamp.requestedAt, ':cid': stamp.commandId },
        }),
      ),
    );
  }
}

/** Runs a conditional write; a failed condition means a newer (or the same) command is already stored. */
async function superseded(write: () => Promise<unknown>): Promise<WriteOutcome> {
  try {
    await write();
    return 'applied';
  } catch (error) {
    if (error instanceof ConditionalCheckFailedException) return 'superseded';
    throw error;
  }
}

function toProfile(item: StoredItem): ProfileRecord {
  return {
    userId: item.userId,
    email: String(item.email ?? ''),
    name: String(item.name ?? ''),
    createdAt: String(item.createdAt ?? ''),
  };
}

function toAddress(item: StoredItem): AddressView {
  return { addressId: String(item.addressId), ...(item.address as SavedAddress) };
}

function toFavorite(item: StoredItem): FavoriteView {
  return { restaurantId: String(item.restaurantId), addedAt: String(item.addedAt) };
}
