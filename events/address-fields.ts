import { z } from 'zod';
import { contractVersion, id } from './fields';

/**
 * A saved delivery address as the profile commands carry it; the same fields as an inline order address
 * (functions/shared/schemas.ts), so a saved address can stand in for one.
 */
export const savedAddress = z.object({
  line1: z.string().min(1).max(200),
  line2: z.string().max(200).optional(),
  city: z.string().min(1).max(100),
  postalCode: z.string().min(1).max(20),
  country: z
    .string()
    .regex(/^[A-Z]{2}$/)
    .optional(),
  instructions: z.string().max(500).optional(),
});

/**
 * Fields of every address command. `userId` comes from the authorizer context (the gateway's mapping
 * template), never from the client. `requestedAt` (epoch milliseconds at the gateway) and `commandId` (the API
 * request id) order commands on one address, so a late or repeated delivery never overwrites a newer state.
 */
export const addressCommandBase = z.object({
  version: contractVersion,
  userId: id,
  addressId: id,
  commandId: id,
  requestedAt: z.number().int().nonnegative(),
});
