import { expect, type Page } from "@playwright/test";

/** Waits until the WebAssembly app has taken over the server-rendered page. */
export async function waitForHydration(page: Page) {
  await expect(page.locator("body")).toHaveAttribute("data-hydrated", "true");
}

/** Fails the test on any error the page logs: a broken bundle shows up here. */
export function collectPageErrors(page: Page, expectedStatuses: number[] = []) {
  const errors: string[] = [];
  // The browser logs each answer with an error status; those the test
  // provokes on purpose (a wrong password's 401) are not errors of the page.
  const expected = expectedStatuses.map((s) => `the server responded with a status of ${s} `);
  page.on("pageerror", (e) => errors.push(e.message));
  page.on("console", (m) => {
    if (m.type() === "error" && !expected.some((e) => m.text().includes(e))) errors.push(m.text());
  });
  return errors;
}
