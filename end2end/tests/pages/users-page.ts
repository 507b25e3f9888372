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
    return this.page.getByRole("table", { name: "Users" });
  }

  rows() {
    return this.table().getByRole("row");
  }

  /** The line that says how many users match. */
  count() {
    return this.page.getByRole("status");
  }

  searchBox() {
    return this.page.getByRole("searchbox", { name: "Search for users" });
  }

  /** Types like a person, one key at a time. */
  async search(text: string) {
    await this.searchBox().fill("");
    await this.searchBox().pressSequentially(text, { delay: 30 });
  }

  roleToggle(role: string) {
    return this.page.getByRole("group", { name: "Roles" }).getByRole("button", { name: role });
  }

  facetToggle(facet: string) {
    return this.page.getByRole("group", { name: "Show only" }).getByRole("button", { name: facet });
  }

  sortBy() {
    return this.page.getByLabel("Sort by");
  }

  nextPage() {
    return this.page.getByRole("link", { name: "Next page →" });
  }

  firstPage() {
    return this.page.getByRole("link", { name: "← First page" });
  }

  /** Follows "Next page" and waits for exactly that page's rows. */
  async goToNextPage() {
    const next = await this.nextPage().getAttribute("href");
    const firstRow = await this.rows().nth(1).innerText();
    await this.nextPage().click();
    await expect(this.page).toHaveURL(next!);
    await expect(this.rows().nth(1)).not.toHaveText(firstRow);
  }

  async signOut() {
    await this.page.getByRole("button", { name: /Account menu for/ }).click();
    const menu = this.page.getByRole("menu", { name: "Account" });
    await expect(menu).toBeVisible();
    await menu.getByRole("menuitem", { name: "Sign out" }).click();
  }
}
