/**
 * Liveness: 200 whenever the process answers, asking neither the database nor Redis. A process
 * recovers from their outages by itself (it reconnects), so an orchestrator must not restart it
 * for one: that is what readiness (`/healthz`) is for.
 */
export const loader = () => Response.json({ status: "up" }, { headers: { "Cache-Control": "no-store" } });
