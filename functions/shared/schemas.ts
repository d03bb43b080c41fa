import { z } from 'zod';

/** Identifiers in paths, bodies and step inputs. */
export const idSchema = z.string().min(1).max(128);

/** A requested order line (DESIGN §2): quantity 1..50. */
export const requestedLineSchema = z.object({
  menuItemId: idSchema,
  quantity: z.number().int().min(1).max(50),
});

/** 1..50 requested lines. */
export const requestedLinesSchema = z.array(requestedLineSchema).min(1).max(50);

/** A full delivery address. */
export const deliveryAddressSchema = z.object({
  line1: z.string().trim().min(1).max(200),
  line2: z.string().trim().max(200).optional(),
  city: z.string().trim().min(1).max(100),
  postalCode: z.string().trim().min(1).max(20),
  country: z
    .string()
    .regex(/^[A-Z]{2}$/, 'ISO 3166-1 alpha-2 code')
    .optional(),
  instructions: z.string().max(500).optional(),
});

/** Free-text notes for the restaurant. */
export const notesSchema = z.string().max(500);

/** Quantities per menu item (stock reservations). */
export const quantitiesSchema = z.record(idSchema, z.number().int().nonnegative());
