import { plural } from "../cohorts/why";

/** What the last reconciliation repaired, as the Dashboard says it: "Nothing needed repairing", "1 record repaired", "12 records repaired". */
export const repairedSentence = (total: number): string => (total === 0 ? "Nothing needed repairing" : `${plural(total, "record")} repaired`);

/** The overall sync status as the Dashboard's badge says it. */
export const HEALTH_LABEL = { healthy: "Healthy", degraded: "Degraded", failing: "Failing" } as const;
