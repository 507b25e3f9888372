import { expect, type Page } from "@playwright/test";
import { authenticatorCode } from "../authenticator";
import { waitForHydration } from "./hydration";
import { signIn } from "./login-page";

/**
 * Signs `login` in, opens the profile and enables an authenticator app with
 * the code an app would show; returns the app's key.
 */
export async function signInAndSetUpAuthenticatorApp(page: Page, login: string, password: string) {
  await signIn(page, login, password);
  await expect(page.getByRole("heading", { name: /^Welcome, / })).toBeVisible();
  return setUpAuthenticatorApp(page);
}

/**
 * Enables an authenticator app for the signed-in user of `page` (a browser
 * with JavaScript) on the profile, with the code an app would show;
 * returns the app's key.
 */
export async function setUpAuthenticatorApp(page: Page) {
  await page.goto("/profile");
  await waitForHydration(page);
  await page.getByRole("button", { name: "Set up authenticator app" }).click();
  const key = (await page.locator("#authenticator-secret").textContent()) ?? "";
  await page.getByLabel("Code from the app").fill(authenticatorCode(key));
  await page.getByRole("button", { name: "Enable" }).click();
  await expect(page.getByRole("button", { name: "Remove authenticator app…" })).toBeVisible();
  return key;
}
