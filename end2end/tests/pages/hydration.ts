import { expect, type Page } from "@playwright/test";

/** Waits until the WebAssembly app has taken over the server-rendered page. */
export async function waitForHydration(page: Page) {
  await expect(page.locator("body")).toHaveAttribute("data-hydrated", "true");
}
