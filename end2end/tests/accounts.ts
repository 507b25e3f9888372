/** The admin `start-roster.sh` creates. */
export const ADMIN = { login: "admin", password: "e2e admin password" };
/** Seeded by `roster-server seed-demo`: every demo user has this password. */
export const DEMO_PASSWORD = "roster-demo-pass";
