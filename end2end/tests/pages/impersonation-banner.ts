import type { Page } from "@playwright/test";

/** The banner on every page while an admin views Roster as a user. */
export function impersonationBanner(page: Page) {
  return page.getByRole("region", { name: "Viewing as another user" });
}
