import { expect, test } from "./fixtures";
import { DEMO_PASSWORD } from "./accounts";
import { signIn } from "./pages/login-page";
import { waitForHydration } from "./pages/hydration";

// A customer from `seed-demo`.
const CUSTOMER = "zoe.novak51";

test("what a user types before the page comes to life is kept, and sent", async ({ page }) => {
  await signIn(page, CUSTOMER, DEMO_PASSWORD);
  await expect(page.getByRole("heading", { name: "Welcome, Zoe Novak" })).toBeVisible();
  await waitForHydration(page);

  // Hold the WebAssembly module back, as a slow connection would.
  let release = () => {};
  const held = new Promise<void>((resolve) => (release = resolve));
  await page.route(/\.wasm$/, async (route) => {
    await held;
    await route.continue();
  });

  await page.goto("/tickets/new", { waitUntil: "commit" });
  await page.getByLabel("Title").fill("Typed while the page was loading");
  await page.getByLabel("What happened?").fill("Every word of it is still here.");
  await expect(page.getByRole("button", { name: "Open ticket" })).toBeDisabled();
  await expect(page.locator("body")).not.toHaveAttribute("data-hydrated", "true");

  release();
  await waitForHydration(page);
  await expect(page.getByLabel("Title")).toHaveValue("Typed while the page was loading");
  await expect(page.getByLabel("What happened?")).toHaveValue("Every word of it is still here.");

  // The kept text is what the form sends.
  await page.getByRole("button", { name: "Open ticket" }).click();
  await expect(page.getByRole("heading", { level: 1 })).toContainText("Typed while the page was loading");
  await expect(page.locator(".article-body")).toHaveText("Every word of it is still here.");
});
