import { expect, test } from "@playwright/test";
import { ADMIN } from "./accounts";
import { signIn } from "./pages/login-page";
import { waitForHydration } from "./pages/hydration";

test("what an admin types before the page comes to life is kept, and sent", async ({ page }) => {
  await signIn(page, ADMIN.login, ADMIN.password);
  await expect(page).toHaveURL(/\/admin\/users$/);
  await waitForHydration(page);

  // Hold the WebAssembly module back, as a slow connection would.
  let release = () => {};
  const held = new Promise<void>((resolve) => (release = resolve));
  await page.route(/\.wasm$/, async (route) => {
    await held;
    await route.continue();
  });

  await page.goto("/profile", { waitUntil: "commit" });
  await page.getByLabel("Current password").fill("not my password");
  await page.getByLabel("New password", { exact: true }).fill("a brand new passphrase");
  await page.getByLabel("Repeat the new password").fill("a brand new passphrase");
  await expect(page.getByRole("button", { name: "Change password" })).toBeDisabled();
  await expect(page.locator("body")).not.toHaveAttribute("data-hydrated", "true");

  release();
  await waitForHydration(page);
  await expect(page.getByLabel("Current password")).toHaveValue("not my password");
  await expect(page.getByLabel("New password", { exact: true })).toHaveValue("a brand new passphrase");
  await expect(page.getByLabel("Repeat the new password")).toHaveValue("a brand new passphrase");

  // The kept text is what the form sends: the server checks it.
  await page.getByRole("button", { name: "Change password" }).click();
  await expect(page.getByText("That is not your current password.")).toBeVisible();
});
