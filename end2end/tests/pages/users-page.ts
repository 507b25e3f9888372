import { expect, type Page } from "@playwright/test";
import { waitForHydration } from "./hydration";

export class UsersPage {
  constructor(private readonly page: Page) {}

  async expectShown() {
    await expect(this.page).toHaveURL(/\/admin\/users/);
    await expect(this.page.getByRole("heading", { name: "Users", level: 1 })).toBeVisible();
    await waitForHydration(this.page);
  }

  table() {
    return this.page.getByRole("table", { name: "Users, newest first" });
  }

  rows() {
    return this.table().getByRole("row");
  }

  count() {
    return this.page.getByRole("status");
  }

  async signOut() {
    await this.page.getByRole("button", { name: /Account menu for/ }).click();
    const menu = this.page.getByRole("menu", { name: "Account" });
    await expect(menu).toBeVisible();
    await menu.getByRole("menuitem", { name: "Sign out" }).click();
  }
}
