import type { Database } from "../../db.server";

/** The entries that count against a member's daily cap: awards granted (at once or on release) and bonuses. */
export const CAP_KINDS = ["earn", "released", "bonus"];

/** The cap store could not answer: the award is held, never granted blindly (fails closed). */
export class CapStoreUnavailableError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "CapStoreUnavailableError";
  }
}

export interface CapReservation {
  shopId: string;
  memberId: string;
  /** Shop-local day, YYYY-MM-DD. */
  day: string;
  /** The award's idempotency key: reserving again under it returns the same answer. */
  key: string;
  requested: number;
  cap: number;
}

/**
 * Where the daily cap is counted. The ledger in the database is the source of truth; Redis
 * (REDIS_URL) holds the day's counters for fast atomic checks across processes.
 */
export interface CapStore {
  /** Reserves up to `requested` of the member's remaining cap for the day; resolves with the points granted. */
  reserve(reservation: CapReservation, db: Database): Promise<number>;
}

/**
 * The cap counted from the ledger itself, inside the award's transaction (the member's row
 * is locked first, so concurrent awards for one member queue behind each other).
 */
export const databaseCapStore: CapStore = {
  async reserve(reservation, db) {
    const granted = await db.ledgerEntry.aggregate({
      where: { shopId: reservation.shopId, memberId: reservation.memberId, capDay: reservation.day, kind: { in: CAP_KINDS } },
      _sum: { points: true },
    });
    const remaining = Math.max(0, reservation.cap - (granted._sum.points ?? 0));
    return Math.min(reservation.requested, remaining);
  },
};
