import { expect, type Page } from "@playwright/test";
import { waitForHydration } from "./hydration";

export class LoginPage {
  constructor(private readonly page: Page) {}

  async open() {
    await this.page.goto("/login");
    await waitForHydration(this.page);
    await expect(this.page.getByRole("heading", { name: "Sign in to Roster" })).toBeVisible();
  }

  async signIn(login: string, password: string) {
    await this.page.getByLabel("Login or email").fill(login);
    await this.page.getByLabel("Password").fill(password);
    await this.page.getByRole("button", { name: "Sign in" }).click();
  }

  /** The code step that follows the password for users with two-factor. */
  async enterCode(code: string) {
    await this.page.getByLabel("Code", { exact: true }).fill(code);
    await this.page.getByRole("button", { name: "Verify" }).click();
  }

  error() {
    return this.page.getByRole("alert");
  }
}

/** Opens the sign-in page and signs in with a password. */
export async function signIn(page: Page, login: string, password: string) {
  const form = new LoginPage(page);
  await form.open();
  await form.signIn(login, password);
}
